package graph

import "unsafe"

// Task objects are handed out from small arrays of one type (slabs) rather
// than allocated one by one. A graph of tiny tasks otherwise spends a good
// part of its building time in the allocator, once per task. The tasks of
// a slab live exactly as long as the graph that holds them all, so sharing
// an allocation keeps nothing alive longer.
//
// A slab is at most 512 bytes (16 tasks of two arguments): with 2 KiB
// slabs, chains and fan-outs built faster still but a binary tree's
// build+run got slower than with no slabs at all. Slabs start at 4 tasks
// and double, so the few nodes of a graph built inside a task waste
// little; a graph keeps the slabs of the last few task types it built,
// since loops build one or two types at a time.

const (
	slabFirst = 4
	slabBytes = 512
)

type slab[T any] struct {
	buf  []T // the objects not handed out yet
	size int // the length of the last array made
}

// newTask returns a zeroed T from g's slab of T.
func newTask[T any](g *Graph) *T {
	for _, s := range g.slabs {
		if s, ok := s.(*slab[T]); ok {
			return s.take()
		}
	}
	s := &slab[T]{}
	g.slabs[g.nextSlab] = s
	g.nextSlab = (g.nextSlab + 1) % len(g.slabs)
	return s.take()
}

func (s *slab[T]) take() *T {
	if len(s.buf) == 0 {
		var zero T
		most := max(slabBytes/int(unsafe.Sizeof(zero)), 1)
		s.size = min(max(2*s.size, slabFirst), most)
		s.buf = make([]T, s.size)
	}
	t := &s.buf[0]
	s.buf = s.buf[1:]
	return t
}
