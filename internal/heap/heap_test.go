package heap

import (
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// Pushes and pops interleaved lose and invent nothing.
func TestHeapSorts(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xs := rapid.SliceOf(rapid.Int()).Draw(t, "xs")
		h := Heap[int]{Less: func(a, b int) bool { return a < b }}
		var out []int
		for _, x := range xs {
			h.Push(x)
			if rapid.Bool().Draw(t, "pop") {
				out = append(out, h.Pop())
			}
		}
		for h.Len() > 0 {
			out = append(out, h.Pop())
		}
		if len(out) != len(xs) {
			t.Fatalf("%d out, %d in", len(out), len(xs))
		}
		sorted := slices.Clone(xs)
		slices.Sort(sorted)
		got := slices.Clone(out)
		slices.Sort(got)
		if !slices.Equal(got, sorted) {
			t.Fatalf("elements changed: %v, want %v", got, sorted)
		}
	})
}

// Popping everything after pushing everything is a sort.
func TestHeapPopsInOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xs := rapid.SliceOf(rapid.Int()).Draw(t, "xs")
		h := Heap[int]{Less: func(a, b int) bool { return a < b }}
		for _, x := range xs {
			h.Push(x)
		}
		var out []int
		for h.Len() > 0 {
			out = append(out, h.Pop())
		}
		if !slices.IsSorted(out) || len(out) != len(xs) {
			t.Fatalf("%v from %v", out, xs)
		}
	})
}
