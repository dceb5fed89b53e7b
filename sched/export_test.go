package sched

import "github.com/seed001e6470/taskgraph/graph"

// PlanOnly makes the plan a first run of targets would make, and returns
// its number of tasks: for benchmarks of planning alone.
func PlanOnly(g *graph.Graph, targets ...int32) (tasks int, err error) {
	p, err := newPlan(graph.ExecutableOf(g), targets)
	if err != nil {
		return 0, err
	}
	return p.len(), nil
}

// Stored returns the result d's graph holds for d in its own task: what a
// run on the graph's own tasks left there (tests of release read it).
func Stored[T any](d graph.Delayed[T]) T {
	return *graph.ExecutableOf(d.Graph()).Task(d.ID()).Result().(*T)
}

// SetMaxDepth lowers the spawning depth limit for a test, and returns a
// function that restores it.
func SetMaxDepth(n int) (restore func()) {
	old := maxDepth
	maxDepth = n
	return func() { maxDepth = old }
}

// HoldCells takes g's own tasks as a run would, so that runs started
// meanwhile run on copies; release gives them back.
func HoldCells(g *graph.Graph) (release func()) {
	st := stateOf(g)
	st.cells.Lock()
	return st.cells.Unlock
}
