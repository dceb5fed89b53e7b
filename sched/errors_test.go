package sched_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

var errDisk = errors.New("disk full")

// quotaError is a typed cause, to check that errors.As reaches it.
type quotaError struct{ user string }

func (e *quotaError) Error() string { return "quota exceeded for " + e.user }

func twice(x int) int { return 2 * x }

func TestTaskErrorNamesTaskAndWrapsCause(t *testing.T) {
	for _, w := range workerCounts {
		t.Run(fmt.Sprint("workers=", w), func(t *testing.T) {
			var g graph.Graph
			x := graph.Value(&g, "x", 1)
			a := graph.Call(&g, "double", twice, x)
			save := graph.CallCtx(&g, "save", func(context.Context, int) (int, error) {
				return 0, fmt.Errorf("writing tile: %w", errDisk)
			}, a)
			quota := graph.CallCtx(&g, "quota", func(context.Context, int) (int, error) {
				return 0, &quotaError{"ada"}
			}, a)

			_, err := sched.Compute(context.Background(), save, sched.Workers(w))
			var te *sched.TaskError
			if !errors.As(err, &te) {
				t.Fatalf("error %v (%T) is not a *TaskError", err, err)
			}
			if te.Name != "save" || te.ID != save.ID() {
				t.Errorf("TaskError names %s#%d, want save#%d", te.Name, te.ID, save.ID())
			}
			if !errors.Is(err, errDisk) {
				t.Errorf("errors.Is(%v, errDisk) is false", err)
			}
			if want := fmt.Sprintf("task save#%d: writing tile: disk full", save.ID()); err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}

			_, err = sched.Compute(context.Background(), quota, sched.Workers(w))
			var qe *quotaError
			if !errors.As(err, &qe) || qe.user != "ada" {
				t.Errorf("errors.As did not reach the *quotaError in %v", err)
			}
		})
	}
}

// explodingSquare panics; its name must show in the PanicError's stack.
func explodingSquare(x int) int {
	if x > 0 {
		panic("square of a positive number requested")
	}
	return x * x
}

func TestPanicBecomesPanicError(t *testing.T) {
	for _, w := range workerCounts {
		for _, retried := range []bool{false, true} {
			t.Run(fmt.Sprintf("workers=%d/retries=%v", w, retried), func(t *testing.T) {
				var g graph.Graph
				x := graph.Value(&g, "x", 3)
				var opts []graph.Option
				if retried { // a task with options panics in its own attempt loop
					opts = append(opts, graph.Retries(1))
				}
				sq := graph.Call(&g, "square", explodingSquare, x, opts...)
				y := graph.Call(&g, "double", twice, sq)

				v, err := sched.Compute(context.Background(), y, sched.Workers(w))
				if v != 0 {
					t.Errorf("value %d from a failed run", v)
				}
				var te *sched.TaskError
				var pe *sched.PanicError
				if !errors.As(err, &te) || te.Name != "square" || te.ID != sq.ID() {
					t.Fatalf("error %v does not name the panicking task", err)
				}
				if !errors.As(err, &pe) {
					t.Fatalf("error %v does not wrap a *PanicError", err)
				}
				if pe.Value != "square of a positive number requested" {
					t.Errorf("PanicError.Value = %#v", pe.Value)
				}
				if !strings.Contains(string(pe.Stack), "explodingSquare") {
					t.Errorf("the panic's stack does not show the panicking function:\n%s", pe.Stack)
				}
				if !strings.Contains(err.Error(), "panic: square of a positive number requested") {
					t.Errorf("Error() = %q", err.Error())
				}
				if pe.Unwrap() != nil {
					t.Errorf("a string panic unwraps to %v", pe.Unwrap())
				}
			})
		}
	}
}

func TestPanicWithErrorUnwrapsToIt(t *testing.T) {
	for _, w := range workerCounts {
		var g graph.Graph
		x := graph.Value(&g, "x", 1)
		p := graph.Call(&g, "p", func(int) int { panic(fmt.Errorf("loading: %w", errDisk)) }, x)
		var m map[string]int
		rt := graph.Call(&g, "nilmap", func(int) int { m["k"] = 1; return 0 }, x)

		_, err := sched.Compute(context.Background(), p, sched.Workers(w))
		var pe *sched.PanicError
		if !errors.Is(err, errDisk) || !errors.As(err, &pe) {
			t.Errorf("workers=%d: panic(err) gives %v, which does not reach errDisk through a PanicError", w, err)
		}

		// A runtime error is an error too: errors.As reaches it.
		_, err = sched.Compute(context.Background(), rt, sched.Workers(w))
		var re runtime.Error
		if !errors.As(err, &re) {
			t.Errorf("workers=%d: a nil-map write gives %v, which does not reach a runtime.Error", w, err)
		}
	}
}

// Panics in many tasks at once, in every worker: the process survives and
// the run reports one of them.
func TestManyPanicsDoNotCrash(t *testing.T) {
	for _, w := range workerCounts {
		for _, keepGoing := range []bool{false, true} {
			var g graph.Graph
			x := graph.Value(&g, "x", 1)
			parts := make([]graph.Delayed[int], 64)
			for i := range parts {
				parts[i] = graph.Call(&g, "part", func(int) int { panic(i) }, x)
			}
			total := graph.CallSlice(&g, "total", func(_ context.Context, xs []int) (int, error) { return len(xs), nil }, parts)
			opts := []sched.Option{sched.Workers(w)}
			if keepGoing {
				opts = append(opts, sched.KeepGoing())
			}
			_, err := sched.Compute(context.Background(), total, opts...)
			var pe *sched.PanicError
			if !errors.As(err, &pe) {
				t.Fatalf("workers=%d keepGoing=%v: error %v", w, keepGoing, err)
			}
			if keepGoing { // every panic, and the target they kept from running
				panics, skipped := 0, 0
				for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
					switch {
					case errors.As(e, &pe):
						panics++
					case errors.Is(e, sched.ErrSkipped):
						skipped++
					default:
						t.Errorf("workers=%d: unexpected error %v", w, e)
					}
				}
				if panics != len(parts) || skipped != 1 {
					t.Errorf("workers=%d: keep-going reports %d panics and %d skipped targets, want %d and 1", w, panics, skipped, len(parts))
				}
			}
		}
	}
}

// A long chain fails at link 10: fail-fast never starts the links after it.
func TestFailFastStopsAChain(t *testing.T) {
	for _, w := range workerCounts {
		var g graph.Graph
		var started [100]atomic.Int32
		d := graph.Value(&g, "zero", 0)
		for i := range started {
			d = graph.CallCtx(&g, "link", func(_ context.Context, x int) (int, error) {
				started[i].Add(1)
				if i == 10 {
					return 0, errDisk
				}
				return x + 1, nil
			}, d)
		}
		_, err := sched.Compute(context.Background(), d, sched.Workers(w))
		if !errors.Is(err, errDisk) {
			t.Fatalf("workers=%d: error %v", w, err)
		}
		for i := range started {
			if n, want := started[i].Load(), int32(b2i(i <= 10)); n != want {
				t.Errorf("workers=%d: link %d started %d times, want %d", w, i, n, want)
			}
		}
	}
}

// With one worker the static order is known: after a failure, the
// independent tasks later in that order never start.
func TestFailFastStopsQueuedWork(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	var started [10]atomic.Int32
	parts := make([]graph.Delayed[int], len(started))
	for i := range parts {
		parts[i] = graph.CallCtx(&g, "part", func(_ context.Context, x int) (int, error) {
			started[i].Add(1)
			if i == 3 {
				return 0, errDisk
			}
			return x, nil
		}, x)
	}
	total := graph.CallSlice(&g, "total", sumInts, parts)
	if _, err := sched.Compute(context.Background(), total, sched.Workers(1)); !errors.Is(err, errDisk) {
		t.Fatal(err)
	}
	for i := range started {
		if n, want := started[i].Load(), int32(b2i(i <= 3)); n != want {
			t.Errorf("part %d started %d times, want %d", i, n, want)
		}
	}
}

func sumInts(_ context.Context, xs []int) (int, error) {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s, nil
}

// Fail-fast cancels the context of the tasks still running, with the
// failure as the cause.
func TestFailFastCancelsRunningTasks(t *testing.T) {
	guard := hangGuard(t)
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	waiting := make(chan struct{})
	var cause error
	slow := graph.CallCtx(&g, "slow", func(ctx context.Context, x int) (int, error) {
		close(waiting)
		<-ctx.Done()
		cause = context.Cause(ctx)
		return 0, ctx.Err()
	}, x)
	bad := graph.CallCtx(&g, "bad", func(ctx context.Context, x int) (int, error) {
		wait(ctx, waiting) // fail only once "slow" is running
		return 0, errDisk
	}, x)
	both := graph.Call2(&g, "both", func(a, b int) int { return a + b }, slow, bad)

	_, err := sched.Compute(guard, both, sched.Workers(2))
	notHung(t, guard)
	var te *sched.TaskError
	if !errors.As(err, &te) || te.Name != "bad" || !errors.Is(err, errDisk) {
		t.Fatalf("error %v, want bad's failure", err)
	}
	if !errors.Is(cause, errDisk) {
		t.Errorf("the running task's context was cancelled with cause %v, want bad's failure", cause)
	}
}

func TestKeepGoingReturnsPartialResults(t *testing.T) {
	errA, errB := errors.New("a failed"), errors.New("b failed")
	for _, w := range workerCounts {
		var g graph.Graph
		x := graph.Value(&g, "x", 5)
		ok1 := graph.Call(&g, "ok1", twice, x)
		a := graph.CallCtx(&g, "a", func(context.Context, int) (int, error) { return 0, errA }, x)
		ok2 := graph.Call(&g, "ok2", twice, ok1)
		b := graph.CallCtx(&g, "b", func(context.Context, int) (int, error) { return 0, errB }, ok2)
		var ranAfter atomic.Int32
		after := graph.Call(&g, "after", func(v int) int { ranAfter.Add(1); return v }, a)

		vs, err := sched.ComputeAll(context.Background(), []graph.Delayed[int]{ok1, a, ok2, b, after, x},
			sched.Workers(w), sched.KeepGoing())
		if !errors.Is(err, errA) || !errors.Is(err, errB) {
			t.Fatalf("workers=%d: error %v does not join both failures", w, err)
		}
		if want := []int{10, 0, 20, 0, 0, 5}; fmt.Sprint(vs) != fmt.Sprint(want) {
			t.Errorf("workers=%d: values %v, want %v", w, vs, want)
		}
		if ranAfter.Load() != 0 {
			t.Errorf("workers=%d: a task downstream of a failure ran", w)
		}
		errs := err.(interface{ Unwrap() []error }).Unwrap()
		names := map[string]bool{}
		for _, e := range errs {
			var te *sched.TaskError
			if errors.As(e, &te) {
				names[te.Name] = true
			}
		}
		if !names["a"] || !names["b"] {
			t.Errorf("workers=%d: joined errors %v do not name a and b", w, errs)
		}
	}
}

// ErrSkipped is documented as "the error of a target that did not run
// because a task it depends on failed (keep-going mode)". A caller of
// ComputeAll with KeepGoing must be able to tell a skipped target (zero
// value, no result) from one that succeeded with a zero value.
func TestKeepGoingReportsSkippedTargets(t *testing.T) {
	for _, w := range workerCounts {
		var g graph.Graph
		x := graph.Value(&g, "x", 0)
		bad := graph.CallCtx(&g, "bad", func(context.Context, int) (int, error) { return 0, errDisk }, x)
		skipped := graph.Call(&g, "downstream", twice, bad)
		zero := graph.Call(&g, "zero", twice, x) // succeeds with 0

		_, err := sched.ComputeAll(context.Background(), []graph.Delayed[int]{skipped, zero}, sched.Workers(w), sched.KeepGoing())
		if !errors.Is(err, errDisk) {
			t.Fatalf("workers=%d: error %v", w, err)
		}
		if !errors.Is(err, sched.ErrSkipped) {
			t.Errorf("workers=%d: the target %q was skipped, but the error %q does not say so (errors.Is(err, ErrSkipped) is false)", w, "downstream", err)
		}
		named := false
		for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
			var te *sched.TaskError
			if errors.As(e, &te) && te.Err == sched.ErrSkipped {
				named = te.Name == "downstream" && te.ID == skipped.ID()
			}
		}
		if !named {
			t.Errorf("workers=%d: no TaskError names the skipped target: %v", w, err)
		}
	}
}

func TestErrNested(t *testing.T) {
	guard := hangGuard(t)
	for _, w := range workerCounts {
		var g graph.Graph
		x := graph.Value(&g, "x", 1)
		y := graph.Call(&g, "y", twice, x)
		self := graph.CallCtx(&g, "self", func(ctx context.Context, v int) (int, error) {
			return sched.Compute(ctx, y) // would wait for its own run
		}, x)
		_, err := sched.Compute(guard, self, sched.Workers(w))
		notHung(t, guard)
		var te *sched.TaskError
		if !errors.Is(err, sched.ErrNested) || !errors.As(err, &te) || te.Name != "self" {
			t.Errorf("workers=%d: error %v, want the task's ErrNested", w, err)
		}

		// Through another graph and back: still nested.
		var h graph.Graph
		hx := graph.Value(&h, "hx", 1)
		back := graph.CallCtx(&h, "back", func(ctx context.Context, v int) (int, error) {
			return sched.Compute(ctx, y)
		}, hx)
		outer := graph.CallCtx(&g, "outer", func(ctx context.Context, v int) (int, error) {
			return sched.Compute(ctx, back)
		}, x)
		_, err = sched.Compute(guard, outer, sched.Workers(w))
		notHung(t, guard)
		if !errors.Is(err, sched.ErrNested) {
			t.Errorf("workers=%d: g → h → g gives %v, want ErrNested", w, err)
		}
	}
}

// A task may compute another graph: only its own is refused.
func TestTaskComputesAnotherGraph(t *testing.T) {
	var inner graph.Graph
	ix := graph.Value(&inner, "ix", 20)
	iy := graph.Call(&inner, "iy", twice, ix)
	for _, w := range workerCounts {
		var g graph.Graph
		x := graph.Value(&g, "x", 2)
		y := graph.CallCtx(&g, "y", func(ctx context.Context, v int) (int, error) {
			r, err := sched.Compute(ctx, iy, sched.Workers(w))
			return r + v, err
		}, x)
		if v, err := sched.Compute(context.Background(), y, sched.Workers(w)); v != 42 || err != nil {
			t.Errorf("workers=%d: %d, %v; want 42", w, v, err)
		}
	}
}

func TestErrNoTarget(t *testing.T) {
	ctx := context.Background()
	var zero graph.Delayed[int]
	if _, err := sched.Compute(ctx, zero); !errors.Is(err, sched.ErrNoTarget) {
		t.Errorf("Compute(zero handle) = %v", err)
	}
	if _, err := sched.ComputeAll[int](ctx, nil); !errors.Is(err, sched.ErrNoTarget) {
		t.Errorf("ComputeAll(nil) = %v", err)
	}
	if _, err := sched.ComputeAll(ctx, []graph.Delayed[int]{zero}); !errors.Is(err, sched.ErrNoTarget) {
		t.Errorf("ComputeAll(zero handle) = %v", err)
	}
	var s sched.Scheduler
	if _, err := s.Run(ctx); !errors.Is(err, sched.ErrNoTarget) {
		t.Errorf("Run() = %v", err)
	}
	for _, err := range sched.AsCompleted[int](ctx, nil) {
		if !errors.Is(err, sched.ErrNoTarget) {
			t.Errorf("AsCompleted(nil) yields %v", err)
		}
	}
}

func TestForeignTargets(t *testing.T) {
	var g, h graph.Graph
	a := graph.Value(&g, "a", 1)
	b := graph.Value(&h, "b", 2)
	if _, err := sched.ComputeAll(context.Background(), []graph.Delayed[int]{a, b}); !errors.Is(err, sched.ErrMixedGraphs) {
		t.Errorf("ComputeAll over two graphs = %v", err)
	}
	var s sched.Scheduler
	if _, err := s.Run(context.Background(), a, b); !errors.Is(err, sched.ErrMixedGraphs) {
		t.Errorf("Run over two graphs = %v", err)
	}
}

// Building mistakes never panic: the graph remembers the first, and every
// way of running it returns that error without running anything.
func TestBuildErrorsRefuseToRun(t *testing.T) {
	var other graph.Graph
	foreign := graph.Value(&other, "foreign", 1)
	cases := map[string]struct {
		build func(g *graph.Graph, x graph.Delayed[int])
		want  error
	}{
		"zero handle":    {func(g *graph.Graph, x graph.Delayed[int]) { graph.Call2(g, "f", addInts, x, graph.Delayed[int]{}) }, graph.ErrZeroHandle},
		"foreign handle": {func(g *graph.Graph, x graph.Delayed[int]) { graph.Call(g, "f", twice, foreign) }, graph.ErrForeignHandle},
		"nil func":       {func(g *graph.Graph, x graph.Delayed[int]) { graph.Call[int, int](g, "f", nil, x) }, graph.ErrNilFunc},
		"slice zero":     {func(g *graph.Graph, x graph.Delayed[int]) { graph.Gather(g, "f", []graph.Delayed[int]{x, {}}) }, graph.ErrZeroHandle},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			var g graph.Graph
			var ran atomic.Int32
			x := graph.Value(&g, "x", 1)
			before := graph.Call(&g, "before", func(v int) int { ran.Add(1); return v }, x)
			c.build(&g, x)
			if !errors.Is(g.Err(), c.want) {
				t.Fatalf("Graph.Err() = %v, want %v", g.Err(), c.want)
			}
			for _, w := range workerCounts {
				if _, err := sched.Compute(context.Background(), before, sched.Workers(w)); err != g.Err() {
					t.Errorf("Compute = %v, want the graph's error %v", err, g.Err())
				}
			}
			var s sched.Scheduler
			if _, err := s.Run(context.Background(), before, x); err != g.Err() {
				t.Errorf("Run = %v, want the graph's error", err)
			}
			if ran.Load() != 0 {
				t.Errorf("a task ran in a graph with a building error")
			}
		})
	}
}

func addInts(a, b int) int { return a + b }
