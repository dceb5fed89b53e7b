package sched

import "github.com/seed001e6470/taskgraph/graph"

// heap is a binary heap of E, the least (by less) on top. container/heap
// would box every element pushed into an interface; this does not.
type heap[E any] struct {
	xs   []E
	less func(a, b E) bool
}

func (h *heap[E]) len() int { return len(h.xs) }

func (h *heap[E]) push(x E) {
	h.xs = append(h.xs, x)
	for k := len(h.xs) - 1; k > 0; {
		parent := (k - 1) / 2
		if !h.less(h.xs[k], h.xs[parent]) {
			break
		}
		h.xs[k], h.xs[parent] = h.xs[parent], h.xs[k]
		k = parent
	}
}

func (h *heap[E]) pop() E {
	top := h.xs[0]
	last := len(h.xs) - 1
	h.xs[0] = h.xs[last]
	var zero E
	h.xs[last] = zero // a popped element holds no reference
	h.xs = h.xs[:last]
	for k := 0; ; {
		least, l, r := k, 2*k+1, 2*k+2
		if l < last && h.less(h.xs[l], h.xs[least]) {
			least = l
		}
		if r < last && h.less(h.xs[r], h.xs[least]) {
			least = r
		}
		if least == k {
			return top
		}
		h.xs[k], h.xs[least] = h.xs[least], h.xs[k]
		k = least
	}
}

// ranked is a ready task with a priority in a pool's queues.
type ranked struct {
	r *run
	i int32
}

// rankedHeap is a pool's queue of ranked ready tasks, in the order of
// graph.RankBefore (its zero value is ready to use).
type rankedHeap struct{ h heap[ranked] }

func (q *rankedHeap) len() int { return q.h.len() }

func (q *rankedHeap) push(x ranked) {
	if q.h.less == nil {
		q.h.less = func(a, b ranked) bool { return graph.RankBefore(a.r.p.prio[a.i], a.i, b.r.p.prio[b.i], b.i) }
	}
	q.h.push(x)
}

func (q *rankedHeap) pop() ranked { return q.h.pop() }
