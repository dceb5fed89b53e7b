// Package hookbench is the one harness that prices scheduler hooks per
// task, shared by the overhead benchmarks of sched/diag and dashboard so
// that their figures compare: the same graph, the same loop, the same
// metric.
package hookbench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// Tasks is the size of the benchmark graph: Wide(Tasks) has Tasks+1 tasks.
const Tasks = 100_000

// Wide is n tasks that do nothing on one constant and a join: the worst
// case for hooks, which are all there is to pay for.
func Wide(n int) graph.Delayed[int] {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	parts := make([]graph.Delayed[int], n)
	for i := range parts {
		parts[i] = graph.Call(&g, "inc", func(v int) int { return v + 1 }, x)
	}
	return graph.CallSlice(&g, "sum", func(_ context.Context, xs []int) (int, error) {
		s := 0
		for _, v := range xs {
			s += v
		}
		return s, nil
	}, parts)
}

// Case is one set of hooks to price; a nil Hooks is a run without any.
// Hooks is called for every run, as a user would make them afresh: making
// them is part of the cost.
type Case struct {
	Name  string
	Hooks func() sched.Hooks
}

// Overhead runs Wide(Tasks) with each case's hooks, at 1 worker and at
// GOMAXPROCS, and reports ns/task.
func Overhead(b *testing.B, cases []Case) {
	d := Wide(Tasks)
	for _, workers := range []int{1, 0} {
		for _, c := range cases {
			name := fmt.Sprintf("workers=%d/%s", workers, c.Name)
			if workers == 0 {
				name = fmt.Sprintf("workers=max/%s", c.Name)
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				var elapsed time.Duration
				for b.Loop() {
					opts := []sched.Option{sched.Workers(workers)}
					if c.Hooks != nil {
						opts = append(opts, sched.WithHooks(c.Hooks()))
					}
					start := time.Now()
					if _, err := sched.Compute(context.Background(), d, opts...); err != nil {
						b.Fatal(err)
					}
					elapsed += time.Since(start)
				}
				b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N)/(Tasks+1), "ns/task")
			})
		}
	}
}
