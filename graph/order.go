package graph

import (
	"fmt"

	"github.com/seed001e6470/taskgraph/internal/heap"
)

// ErrCycle: the dependencies of the nodes reached loop. Graphs built with
// this package are acyclic by construction; a cycle can only come from
// memory written behind the graph's back, and is refused all the same.
var ErrCycle = fmt.Errorf("graph: the dependencies form a cycle")

// OrderScratch is memory that PostOrder reuses from call to call: a stack
// as deep as the deepest chain walked. Its zero value is ready to use.
type OrderScratch struct{ stack []frame }

type frame struct{ id, next int32 }

// PostOrder is the static order of what targets need: a depth-first
// post-order from the targets, taken in the order given, visiting each
// task's arguments in argument order. It is the order a plain recursive
// evaluation computes them in, and it is topological. Value leaves are
// constants, never run, so they are left out.
//
// It appends the task IDs to ids and returns them with how many task
// arguments they have in all. marks must hold x.Len() zeros; on return,
// marks[id] is id's position in the order plus one (0 for nodes not
// needed, and for Values). An explicit stack (sc) replaces recursion:
// graphs may be far deeper than a goroutine's stack should grow. O(V+E)
// in the needed part.
func (x Executable) PostOrder(targets []int32, marks []int32, ids []int32, sc *OrderScratch) ([]int32, int, error) {
	stack := sc.stack[:0]
	defer func() { sc.stack = stack[:0] }()
	// The walk reads nodes and deps through locals: through x's methods,
	// which reload its fields per edge, planning measured 9–17 % slower.
	nodes, all := x.nodes, x.deps
	marks = marks[:len(nodes)]
	taskDeps := 0
	for _, t := range targets {
		if marks[t] != 0 || nodes[t].kind == KindValue {
			continue
		}
		marks[t] = -1 // on the stack
		stack = append(stack[:0], frame{t, 0})
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			start := int32(0)
			if f.id > 0 {
				start = nodes[f.id-1].depEnd
			}
			deps := all[start:nodes[f.id].depEnd]
			if int(f.next) < len(deps) {
				d := deps[f.next]
				f.next++
				if uint(d) >= uint(len(nodes)) {
					return nil, 0, fmt.Errorf("%w: task %s has argument %d, not a node", ErrCycle, x.Key(int(f.id)), d)
				}
				if nodes[d].kind == KindTask {
					taskDeps++
					switch marks[d] {
					case 0:
						marks[d] = -1
						stack = append(stack, frame{d, 0})
					case -1:
						return nil, 0, fmt.Errorf("%w: task %s depends on itself through %s", ErrCycle, x.Key(int(d)), x.Key(int(f.id)))
					}
				}
				continue
			}
			ids = append(ids, f.id)
			marks[f.id] = int32(len(ids))
			stack = stack[:len(stack)-1]
		}
	}
	return ids, taskDeps, nil
}

// RunOrder is the order in which a one-worker run of package sched runs
// what targets need: the static order (PostOrder), except that among the
// tasks ready at each step, a task given a Priority runs before the static
// order would run it (a higher priority first, then the static order), the
// rule [RankBefore] states.
func (x Executable) RunOrder(targets []int32) ([]int32, error) {
	marks := make([]int32, x.Len())
	ids, _, err := x.PostOrder(targets, marks, nil, new(OrderScratch))
	if err != nil {
		return nil, err
	}
	prio := make([]int32, len(ids))
	ranked := false
	for k, id := range ids {
		if o, ok := x.Options(int(id)); ok && o.Priority != 0 {
			prio[k], ranked = ClampPriority(o.Priority), true
		}
	}
	if !ranked {
		return ids, nil
	}
	// Kahn's algorithm over positions in the static order.
	pending := make([]int32, len(ids))
	dependents := make([][]int32, len(ids))
	for k, id := range ids {
		for _, d := range x.Deps(int(id)) {
			if p := marks[d]; p > 0 {
				pending[k]++
				dependents[p-1] = append(dependents[p-1], int32(k))
			}
		}
	}
	h := heap.Heap[int32]{Less: func(a, b int32) bool { return RankBefore(prio[a], a, prio[b], b) }}
	for k := range ids {
		if pending[k] == 0 {
			h.Push(int32(k))
		}
	}
	out := make([]int32, 0, len(ids))
	for h.Len() > 0 {
		k := h.Pop()
		out = append(out, ids[k])
		for _, j := range dependents[k] {
			if pending[j]--; pending[j] == 0 {
				h.Push(j)
			}
		}
	}
	return out, nil
}

// RankBefore is the rule that orders ready tasks when priorities are set,
// for executors and for RunOrder alike: the higher priority first, then
// the lower static position.
func RankBefore(prioA, posA, prioB, posB int32) bool {
	if prioA != prioB {
		return prioA > prioB
	}
	return posA < posB
}

// ClampPriority is a task's priority as executors rank it: within ±2^30.
func ClampPriority(p int) int32 { return int32(max(min(p, 1<<30), -1<<30)) }
