package sched_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// A parallel run's initially ready tasks start as a segment of the plan
// that workers pop from one end and steal from the other; stolen parts
// become the thief's own segment. Every root must run exactly once
// however the segment is cut, also when roots compute graphs of their own
// (which push sub-run roots on top of the segment of the worker that runs
// them), and also when the same plan is run again.
func TestEveryRootRunsOnce(t *testing.T) {
	const n = 5_000
	for _, w := range workerCounts {
		for _, spawn := range []bool{false, true} {
			t.Run(fmt.Sprintf("workers=%d/spawn=%v", w, spawn), func(t *testing.T) {
				var runs [n]atomic.Int32
				var g graph.Graph
				roots := make([]graph.Delayed[int], n)
				for k := range roots {
					roots[k] = graph.Source(&g, "root", func(ctx context.Context) (int, error) {
						runs[k].Add(1)
						if spawn && k%100 == 0 {
							var sub graph.Graph
							x := graph.Value(&sub, "x", k)
							return sched.Compute(ctx, graph.Call2(&sub, "add", add, x, graph.Call(&sub, "inc", inc, x)))
						}
						return k, nil
					})
				}
				sum := graph.CallSlice(&g, "sum", sumAll, roots)
				want := n * (n - 1) / 2
				if spawn {
					for k := 0; k < n; k += 100 {
						want += k + 1 // the spawned sub-graph computes 2k+1
					}
				}
				guard := hangGuard(t) // a root run twice can leave the join waiting forever
				for again := range 3 {
					got, err := sched.Compute(guard, sum, sched.Workers(w))
					notHung(t, guard)
					if err != nil || got != want {
						t.Fatalf("run %d: got %d, %v; want %d", again, got, err, want)
					}
					for k := range runs {
						if c := runs[k].Swap(0); c != 1 {
							t.Fatalf("run %d: root %d ran %d times", again, k, c)
						}
					}
				}
			})
		}
	}
}
