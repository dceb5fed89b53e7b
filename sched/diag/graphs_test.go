package diag_test

import (
	"context"
	"errors"

	"github.com/seed001e6470/taskgraph/graph"
)

func inc(x int) int    { return x + 1 }
func add(x, y int) int { return x + y }

func sumAll(_ context.Context, xs []int) (int, error) {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s, nil
}

// wide is n independent tasks on one constant and a join: n+1 tasks.
func wide(n int) graph.Delayed[int] {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	parts := make([]graph.Delayed[int], n)
	for i := range parts {
		parts[i] = graph.Call(&g, "inc", inc, x)
	}
	return graph.CallSlice(&g, "sum", sumAll, parts)
}

// chain is n tasks, each reading the one before: its critical path is
// all of it, whatever the timings.
func chain(n int) graph.Delayed[int] {
	var g graph.Graph
	d := graph.Value(&g, "x", 0)
	for range n {
		d = graph.Call(&g, "inc", inc, d)
	}
	return d
}

var errBoom = errors.New("boom")

// failing is n pairs (a task and its reader) and a join over the
// readers; the task of pair bad fails. It has 2n+1 tasks.
func failing(n, bad int) graph.Delayed[int] {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	parts := make([]graph.Delayed[int], n)
	for i := range parts {
		f := func(_ context.Context, x int) (int, error) { return x, nil }
		if i == bad {
			f = func(context.Context, int) (int, error) { return 0, errBoom }
		}
		parts[i] = graph.Call(&g, "read", inc, graph.CallCtx(&g, "load", f, x))
	}
	return graph.CallSlice(&g, "sum", sumAll, parts)
}

// cancelling is like wide, but task k cancels the run's context.
func cancelling(n, k int, cancel context.CancelFunc) graph.Delayed[int] {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	parts := make([]graph.Delayed[int], n)
	for i := range parts {
		f := func(_ context.Context, x int) (int, error) { return x, nil }
		if i == k {
			f = func(ctx context.Context, x int) (int, error) {
				cancel()
				<-ctx.Done()
				return 0, ctx.Err()
			}
		}
		parts[i] = graph.CallCtx(&g, "part", f, x)
	}
	return graph.CallSlice(&g, "sum", sumAll, parts)
}
