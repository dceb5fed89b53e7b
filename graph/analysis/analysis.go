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

// Order returns the tasks that targets need in the order a one-worker run
// of package sched runs them (graph.Executable.RunOrder): the static
// order, a depth-first post-order from the targets taken in the order
// given, visiting each task's arguments in argument order (the order a
// plain recursive evaluation computes them in: topological), except that
// tasks given a graph.Priority run earlier or later among the ready ones.
// Value leaves are constants, never run, so they are left out.
//
// With no targets, the targets are [Sinks](g): the order of a run that
// computes everything.
func Order(g *graph.Graph, targets ...int) []int {
	if len(targets) == 0 {
		targets = Sinks(g)
	}
	ts := make([]int32, len(targets))
	for k, t := range targets {
		ts[k] = int32(t)
	}
	ids, err := graph.ExecutableOf(g).RunOrder(ts)
	if err != nil {
		return nil // only a graph written behind its back has a cycle
	}
	order := make([]int, len(ids))
	for k, id := range ids {
		order[k] = int(id)
	}
	return order
}
