package analysis

import "github.com/seed001e6470/taskgraph/graph"

// Needed reports, for every node of g, whether one of targets depends on
// it, directly or not. Targets count as needed themselves, and so do Value
// leaves: this is the sub-graph a picture of the targets shows. With no
// targets, nothing is needed.
func Needed(g *graph.Graph, targets ...int) []bool {
	need := make([]bool, g.Len())
	// An explicit stack: graphs may be far deeper than a goroutine's
	// stack would comfortably recurse (a chain of 10^5 tasks).
	var stack []int32
	for _, t := range targets {
		if need[t] {
			continue
		}
		need[t] = true
		stack = append(stack[:0], int32(t))
		for len(stack) > 0 {
			id := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			for _, d := range graph.ExecutableOf(g).Deps(int(id)) {
				if !need[d] {
					need[d] = true
					stack = append(stack, d)
				}
			}
		}
	}
	return need
}

// Sinks returns the nodes no other node depends on, in ascending ID
// order: the results a graph was built for, when nobody said which.
func Sinks(g *graph.Graph) []int {
	used := make([]bool, g.Len())
	for id := range g.Len() {
		for _, d := range graph.ExecutableOf(g).Deps(id) {
			used[d] = true
		}
	}
	var sinks []int
	for id, u := range used {
		if !u {
			sinks = append(sinks, id)
		}
	}
	return sinks
}

// Order returns the tasks that targets need in the scheduler's static
// order: a depth-first post-order from the targets, taken in the order
// given, visiting each task's arguments in argument order. It is the order
// a plain recursive evaluation computes them in, it is topological (every
// task comes after its arguments), and it is the order a one-worker run of
// package sched follows. Value leaves are constants, never run, so they
// are left out, as the scheduler leaves them out.
//
// With no targets, the targets are [Sinks](g): the order of a run that
// computes everything.
func Order(g *graph.Graph, targets ...int) []int {
	if len(targets) == 0 {
		targets = Sinks(g)
	}
	// state: 0 unvisited, 1 on the stack, 2 emitted.
	state := make([]uint8, g.Len())
	type frame struct{ id, next int32 }
	var stack []frame
	var order []int
	for _, t := range targets {
		if state[t] != 0 || g.Kind(t) == graph.KindValue {
			continue
		}
		state[t] = 1
		stack = append(stack[:0], frame{int32(t), 0})
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			deps := graph.ExecutableOf(g).Deps(int(f.id))
			if int(f.next) < len(deps) {
				d := deps[f.next]
				f.next++
				if state[d] == 0 && g.Kind(int(d)) == graph.KindTask {
					state[d] = 1
					stack = append(stack, frame{d, 0})
				}
				continue
			}
			order = append(order, int(f.id))
			state[f.id] = 2
			stack = stack[:len(stack)-1]
		}
	}
	return order
}
