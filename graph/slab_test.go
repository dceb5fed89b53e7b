package graph

import (
	"testing"
	"unsafe"
)

type big struct{ b [600]byte }

// newTask hands out distinct zeroed objects from slabs of at most
// slabBytes, for more types than a graph keeps slabs of, interleaved.
func TestNewTask(t *testing.T) {
	var g Graph
	// Keyed by unsafe.Pointer, the map keeps every object alive: a freed
	// slab's memory could otherwise come back at the same address.
	seen := map[unsafe.Pointer]bool{}
	distinct := func(p unsafe.Pointer) {
		if seen[p] {
			t.Fatalf("object at %p handed out twice", p)
		}
		seen[p] = true
	}
	for round := range 100 {
		a := newTask[call1[int, int]](&g)
		b := newTask[call2[int, int, int]](&g)
		c := newTask[constant[string]](&g)
		d := newTask[source[[]byte]](&g)
		e := newTask[ctxCall3[int, int, int, int]](&g)
		f := newTask[big](&g)
		if a.f != nil || a.v != 0 || b.a != nil || c.v != "" || d.fc != nil || e.c != nil || f.b != [600]byte{} {
			t.Fatalf("round %d: an object was not zero", round)
		}
		for _, p := range []unsafe.Pointer{unsafe.Pointer(a), unsafe.Pointer(b), unsafe.Pointer(c), unsafe.Pointer(d), unsafe.Pointer(e), unsafe.Pointer(f)} {
			distinct(p)
		}
		a.v, c.v, f.b[0] = round, "used", 1 // later objects must not see these
	}

	var h Graph
	for range 100 {
		newTask[call2[int, int, int]](&h)
	}
	sl, ok := h.slabs[0].(*slab[call2[int, int, int]])
	if !ok {
		t.Fatal("no slab kept for the one type built")
	}
	if n := uintptr(sl.size) * unsafe.Sizeof(call2[int, int, int]{}); n > slabBytes || sl.size < slabFirst {
		t.Errorf("slabs of %d objects (%d bytes), want at least %d objects and at most %d bytes", sl.size, n, slabFirst, slabBytes)
	}
}
