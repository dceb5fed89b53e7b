package sched_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// graph.Priority is documented as "ranks the task among ready tasks: a
// higher value runs earlier than the static order alone would run it".
// With one worker, three independent tasks are all ready at the start; the
// static order would run them first to last, so a raised last task must
// run first and a lowered first task last.
func TestPriorityReordersReadyTasks(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	var mu sync.Mutex
	var order []string
	task := func(name string, opts ...graph.Option) graph.Delayed[int] {
		return graph.Call(&g, name, func(v int) int {
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			return v
		}, x, opts...)
	}
	low := task("low", graph.Priority(-1))
	mid := task("mid")
	high := task("high", graph.Priority(1))
	all := graph.CallSlice(&g, "all", sumInts, []graph.Delayed[int]{low, mid, high})
	if _, err := sched.Compute(context.Background(), all, sched.Workers(1)); err != nil {
		t.Fatal(err)
	}
	if want := []string{"high", "mid", "low"}; !slices.Equal(order, want) {
		t.Errorf("ran %v, want %v: Priority has no effect", order, want)
	}
}
