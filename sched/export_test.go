package sched

import "github.com/seed001e6470/taskgraph/graph"

// PlanOnly makes the plan a first run of targets would make, and returns
// its number of tasks: for benchmarks of planning alone.
func PlanOnly(g *graph.Graph, targets ...int32) (tasks int, err error) {
	p, err := newPlan(g, targets)
	if err != nil {
		return 0, err
	}
	return p.len(), nil
}
