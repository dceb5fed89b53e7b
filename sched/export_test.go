package sched

import (
	"testing"
	"unsafe"

	"github.com/seed001e6470/taskgraph/graph"
)

// PlanOnly makes the plan a first run of targets would make, and returns
// its number of tasks: for benchmarks of planning alone.
func PlanOnly(g *graph.Graph, targets ...int32) (tasks int, err error) {
	p, err := newPlan(g, targets)
	if err != nil {
		return 0, err
	}
	return p.len(), nil
}

func TestSlotSize(t *testing.T) {
	// Two slots to a 64-byte cache line: see slot.
	if n := unsafe.Sizeof(slot{}); n != 32 {
		t.Errorf("a slot takes %d bytes, want 32", n)
	}
}
