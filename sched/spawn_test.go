package sched_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// sumSpawn sums xs by building, inside the running task, a graph of two
// halves and computing it: divide and conquer with spawned sub-graphs.
func sumSpawn(ctx context.Context, xs []int) (int, error) {
	if len(xs) <= 64 {
		s := 0
		for _, x := range xs {
			s += x
		}
		return s, nil
	}
	var g graph.Graph
	m := len(xs) / 2
	l := graph.CallCtx(&g, "sum", sumSpawn, graph.Value(&g, "left", xs[:m]))
	r := graph.CallCtx(&g, "sum", sumSpawn, graph.Value(&g, "right", xs[m:]))
	return sched.Compute(ctx, graph.Call2(&g, "add", add, l, r))
}

func TestSpawnDivideAndConquer(t *testing.T) {
	xs := make([]int, 100_000)
	want := 0
	for i := range xs {
		xs[i] = i % 97
		want += xs[i]
	}
	for _, w := range []int{1, 2, 8} {
		var g graph.Graph
		d := graph.CallCtx(&g, "sum", sumSpawn, graph.Value(&g, "xs", xs))
		var tasks atomic.Int64
		var names sync.Map
		got, err := sched.Compute(context.Background(), d, sched.Workers(w), sched.WithHooks(sched.Hooks{
			TaskDone: func(ev sched.TaskEvent) { tasks.Add(1); names.Store(ev.Name, true) },
		}))
		if err != nil || got != want {
			t.Fatalf("workers=%d: got %d, %v; want %d", w, got, err, want)
		}
		// 100,000/64 rounds up to 2^11 leaves: 4,095 sum tasks and 2,047 adds.
		if n := tasks.Load(); n != 4095+2047 {
			t.Errorf("workers=%d: hooks saw %d tasks, want %d", w, n, 4095+2047)
		}
		if _, ok := names.Load("sum/sum/add"); !ok {
			t.Errorf("workers=%d: no task named sum/sum/add in the hooks", w)
		}
	}
}

// A chain of 10^4 tasks, each spawning the next: no deadlock with one or
// two workers, and no goroutine per level.
func TestSpawnDeepChain(t *testing.T) {
	const depth = 10_000
	var maxG atomic.Int64
	var step func(ctx context.Context, n int) (int, error)
	step = func(ctx context.Context, n int) (int, error) {
		if g := int64(runtime.NumGoroutine()); g > maxG.Load() {
			maxG.Store(g)
		}
		if n == 0 {
			return 0, nil
		}
		var g graph.Graph
		d := graph.CallCtx(&g, "step", step, graph.Value(&g, "n", n-1))
		v, err := sched.Compute(ctx, d)
		return v + 1, err
	}
	for _, w := range []int{1, 2} {
		maxG.Store(0)
		before := runtime.NumGoroutine()
		var g graph.Graph
		d := graph.CallCtx(&g, "step", step, graph.Value(&g, "n", depth))
		got, err := sched.Compute(context.Background(), d, sched.Workers(w))
		if err != nil || got != depth {
			t.Fatalf("workers=%d: got %d, %v", w, got, err)
		}
		if grew := maxG.Load() - int64(before); grew > 16 {
			t.Errorf("workers=%d: %d more goroutines during the run", w, grew)
		}
	}
}

// An error deep in a spawned sub-graph reaches the caller with the path of
// task names, and errors.Is still finds the cause.
func TestSpawnErrorPath(t *testing.T) {
	boom := errors.New("boom")
	for _, w := range []int{1, 2, 8} {
		var g graph.Graph
		d := graph.CallCtx(&g, "outer", func(ctx context.Context, x int) (int, error) {
			var sub graph.Graph
			inner := graph.CallCtx(&sub, "inner", func(context.Context, int) (int, error) { return 0, boom }, graph.Value(&sub, "x", x))
			return sched.Compute(ctx, inner)
		}, graph.Value(&g, "x", 1))
		_, err := sched.Compute(context.Background(), d, sched.Workers(w))
		if !errors.Is(err, boom) {
			t.Fatalf("workers=%d: %v does not wrap the cause", w, err)
		}
		var te *sched.TaskError
		if !errors.As(err, &te) || te.Name != "outer" {
			t.Fatalf("workers=%d: outer error %v", w, err)
		}
		if !strings.Contains(err.Error(), "outer/inner") {
			t.Errorf("workers=%d: %q does not name the path outer/inner", w, err)
		}
	}
}

// Cancelling the caller's context stops spawned sub-graphs too.
func TestSpawnCancel(t *testing.T) {
	for _, w := range []int{1, 2} {
		ctx, cancel := context.WithCancel(context.Background())
		started := make(chan struct{})
		var g graph.Graph
		d := graph.CallCtx(&g, "outer", func(ctx context.Context, x int) (int, error) {
			var sub graph.Graph
			inner := graph.CallCtx(&sub, "wait", func(ctx context.Context, _ int) (int, error) {
				close(started)
				<-ctx.Done()
				return 0, ctx.Err()
			}, graph.Value(&sub, "x", x))
			return sched.Compute(ctx, inner)
		}, graph.Value(&g, "x", 1))
		go func() { <-started; cancel() }()
		_, err := sched.Compute(ctx, d, sched.Workers(w))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("workers=%d: %v", w, err)
		}
	}
}

// The reference comparison covers spawned graphs: the same nested
// computation gives the same value with any worker count.
func TestSpawnMatchesReference(t *testing.T) {
	var fib func(ctx context.Context, n int) (int, error)
	fib = func(ctx context.Context, n int) (int, error) {
		if n < 2 {
			return n, nil
		}
		var g graph.Graph
		a := graph.CallCtx(&g, "fib", fib, graph.Value(&g, "n", n-1))
		b := graph.CallCtx(&g, "fib", fib, graph.Value(&g, "n", n-2))
		return sched.Compute(ctx, graph.Call2(&g, "add", add, a, b))
	}
	var results []int
	for _, w := range []int{1, 2, 8} {
		var g graph.Graph
		v, err := sched.Compute(context.Background(), graph.CallCtx(&g, "fib", fib, graph.Value(&g, "n", 16)), sched.Workers(w))
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, v)
	}
	if fmt.Sprint(results) != "[987 987 987]" {
		t.Fatalf("fib(16) with 1, 2, 8 workers: %v", results)
	}
}
