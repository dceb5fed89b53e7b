package sched

import (
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/internal/heap"
)

// ranked is a ready task with a priority in a pool's queues.
type ranked struct {
	r *run
	i int32
}

// rankedHeap is a pool's queue of ranked ready tasks, in the order of
// graph.RankBefore (its zero value is ready to use).
type rankedHeap struct{ h heap.Heap[ranked] }

func (q *rankedHeap) len() int { return q.h.Len() }

func (q *rankedHeap) push(x ranked) {
	if q.h.Less == nil {
		q.h.Less = func(a, b ranked) bool { return graph.RankBefore(a.r.p.prio[a.i], a.i, b.r.p.prio[b.i], b.i) }
	}
	q.h.Push(x)
}

func (q *rankedHeap) pop() ranked { return q.h.Pop() }
