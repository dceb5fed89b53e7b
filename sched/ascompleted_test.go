package sched_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// squares builds n tasks computing i*i from a shared Value.
func squares(g *graph.Graph, n int) []graph.Delayed[int] {
	x := graph.Value(g, "x", 0)
	ds := make([]graph.Delayed[int], n)
	for i := range ds {
		ds[i] = graph.Call(g, "square", func(int) int { return i * i }, x)
	}
	return ds
}

func TestAsCompletedYieldsEveryTargetOnce(t *testing.T) {
	for _, w := range workerCounts {
		var g graph.Graph
		ds := squares(&g, 20)
		seen := make([]int, len(ds))
		for c, err := range sched.AsCompleted(context.Background(), ds, sched.Workers(w)) {
			if err != nil {
				t.Fatalf("workers=%d: %v", w, err)
			}
			if c.Value != c.Index*c.Index {
				t.Errorf("workers=%d: target %d has value %d", w, c.Index, c.Value)
			}
			seen[c.Index]++
		}
		for i, n := range seen {
			if n != 1 {
				t.Errorf("workers=%d: target %d yielded %d times", w, i, n)
			}
		}
	}
}

// With one worker, results come in the static order: the order of the
// targets here.
func TestAsCompletedSerialOrder(t *testing.T) {
	var g graph.Graph
	ds := squares(&g, 5)
	var order []int
	for c, err := range sched.AsCompleted(context.Background(), ds, sched.Workers(1)) {
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, c.Index)
	}
	if !slices.Equal(order, []int{0, 1, 2, 3, 4}) {
		t.Errorf("order %v", order)
	}
}

// Targets asked for twice are yielded at each of their indexes, and Value
// targets (which need no run) at theirs.
func TestAsCompletedRepeatedAndValueTargets(t *testing.T) {
	for _, w := range workerCounts {
		var g graph.Graph
		ds := squares(&g, 3)
		v := graph.Value(&g, "seven", 7)
		targets := []graph.Delayed[int]{ds[1], ds[2], ds[1], v, ds[0], v}
		got := map[int]int{}
		n := 0
		for c, err := range sched.AsCompleted(context.Background(), targets, sched.Workers(w)) {
			if err != nil {
				t.Fatalf("workers=%d: %v", w, err)
			}
			got[c.Index] = c.Value
			n++
		}
		want := map[int]int{0: 1, 1: 4, 2: 1, 3: 7, 4: 0, 5: 7}
		if n != len(targets) || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("workers=%d: yielded %d pairs %v, want %v", w, n, got, want)
		}
	}
}

// Stopping the loop early cancels the run: the targets still blocked see
// their context end, and nothing outlives the loop (TestMain checks for
// leaked goroutines).
func TestAsCompletedBreakCancels(t *testing.T) {
	for _, w := range []int{2, 8} {
		guard := hangGuard(t)
		var g graph.Graph
		x := graph.Value(&g, "x", 1)
		var cancelled atomic.Int32
		var once atomic.Bool
		slowStarted := make(chan struct{})
		quick := graph.CallCtx(&g, "quick", func(ctx context.Context, v int) (int, error) {
			wait(ctx, slowStarted) // so that a slow one is blocked when the loop stops
			return 2 * v, nil
		}, x)
		ds := []graph.Delayed[int]{quick}
		for range 5 {
			ds = append(ds, graph.CallCtx(&g, "slow", func(ctx context.Context, v int) (int, error) {
				if once.CompareAndSwap(false, true) {
					close(slowStarted)
				}
				<-ctx.Done()
				if guard.Err() == nil {
					cancelled.Add(1)
				}
				return 0, ctx.Err()
			}, x))
		}
		n := 0
		for c, err := range sched.AsCompleted(guard, ds, sched.Workers(w)) {
			n++
			if err != nil || c.Index != 0 || c.Value != 2 {
				t.Errorf("workers=%d: first pair (%+v, %v)", w, c, err)
			}
			break
		}
		notHung(t, guard)
		if n != 1 {
			t.Errorf("workers=%d: %d pairs after break", w, n)
		}
		if cancelled.Load() == 0 {
			t.Errorf("workers=%d: no blocked target saw the cancellation", w)
		}
	}
}

// A failed run ends the sequence with one (zero, err) pair, after the
// targets that did complete.
func TestAsCompletedFailure(t *testing.T) {
	for _, w := range workerCounts {
		for _, keepGoing := range []bool{false, true} {
			var g graph.Graph
			x := graph.Value(&g, "x", 3)
			ok := graph.Call(&g, "ok", twice, x)
			bad := graph.CallCtx(&g, "bad", func(context.Context, int) (int, error) { return 0, errDisk }, ok)
			opts := []sched.Option{sched.Workers(w)}
			if keepGoing {
				opts = append(opts, sched.KeepGoing())
			}
			var pairs []string
			var last error
			for c, err := range sched.AsCompleted(context.Background(), []graph.Delayed[int]{ok, bad}, opts...) {
				if last != nil {
					t.Errorf("workers=%d: a pair after the error", w)
				}
				if err != nil {
					last = err
					if c.Index != -1 || c.Value != 0 {
						t.Errorf("workers=%d: the error comes with %+v", w, c)
					}
					continue
				}
				pairs = append(pairs, fmt.Sprint(c.Index, "=", c.Value))
			}
			var te *sched.TaskError
			if !errors.Is(last, errDisk) || !errors.As(last, &te) || te.Name != "bad" {
				t.Errorf("workers=%d keepGoing=%v: final error %v", w, keepGoing, last)
			}
			// "ok" completes before "bad" can run.
			if !slices.Equal(pairs, []string{"0=6"}) {
				t.Errorf("workers=%d keepGoing=%v: pairs %v, want [0=6]", w, keepGoing, pairs)
			}
		}
	}
}
