package sched_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// blockingFan builds n tasks that report when they start and then block
// until their context ends (returning its error, as Go code does), a join
// over them, and a counter of the joins that ran.
func blockingFan(n int, started chan<- int) (graph.Delayed[int], *atomic.Int32) {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	parts := make([]graph.Delayed[int], n)
	for i := range parts {
		parts[i] = graph.CallCtx(&g, "block", func(ctx context.Context, x int) (int, error) {
			started <- i
			<-ctx.Done()
			return 0, ctx.Err()
		}, x)
	}
	var joined atomic.Int32
	join := graph.CallSlice(&g, "join", func(ctx context.Context, xs []int) (int, error) {
		joined.Add(1)
		return len(xs), nil
	}, parts)
	return join, &joined
}

// Cancelling the caller's context while tasks block on ctx.Done: Compute
// returns (the tasks saw the cancellation), and the error says the run
// was cancelled and why.
func TestCancelWhileTasksBlock(t *testing.T) {
	for _, w := range workerCounts {
		for _, keepGoing := range []bool{false, true} {
			t.Run(fmt.Sprintf("workers=%d/keepGoing=%v", w, keepGoing), func(t *testing.T) {
				guard := hangGuard(t)
				started := make(chan int, 16)
				join, joined := blockingFan(16, started)
				ctx, cancel := context.WithCancel(guard)
				defer cancel()
				opts := []sched.Option{sched.Workers(w)}
				if keepGoing {
					opts = append(opts, sched.KeepGoing())
				}
				done := make(chan error, 1)
				go func() {
					_, err := sched.Compute(ctx, join, opts...)
					done <- err
				}()
				<-started // at least one task is blocked in its ctx
				cancel()
				err := <-done
				notHung(t, guard)
				if !errors.Is(err, context.Canceled) {
					t.Errorf("error %v does not wrap context.Canceled", err)
				}
				if !errors.Is(err, sched.ErrCancelled) {
					t.Errorf("error %q does not wrap sched.ErrCancelled", err)
				}
				if joined.Load() != 0 {
					t.Error("the join ran after its inputs were cancelled")
				}
			})
		}
	}
}

// Cancelling the caller's context stops dispatch at once: in a chain, the
// link that cancels is the last to start.
func TestCancelStopsDispatchAtOnce(t *testing.T) {
	for _, w := range workerCounts {
		ctx, cancel := context.WithCancel(context.Background())
		var g graph.Graph
		var started [50]atomic.Int32
		d := graph.Value(&g, "zero", 0)
		for i := range started {
			d = graph.Call(&g, "link", func(x int) int {
				started[i].Add(1)
				if i == 10 {
					cancel()
				}
				return x + 1
			}, d)
		}
		_, err := sched.Compute(ctx, d, sched.Workers(w))
		cancel()
		if !errors.Is(err, sched.ErrCancelled) {
			t.Errorf("workers=%d: error %v", w, err)
		}
		for i := 11; i < len(started); i++ {
			if started[i].Load() != 0 {
				t.Errorf("workers=%d: link %d started after link 10 cancelled the run", w, i)
				break
			}
		}
	}
}

func TestAlreadyCancelledRunsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var g graph.Graph
	var ran atomic.Int32
	x := graph.Value(&g, "x", 1)
	y := graph.Call(&g, "y", func(v int) int { ran.Add(1); return v }, x)
	z := graph.Call(&g, "z", func(v int) int { ran.Add(1); return v }, y)
	check := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, sched.ErrCancelled) || !errors.Is(err, context.Canceled) {
			t.Errorf("%s: error %v, want ErrCancelled wrapping context.Canceled", what, err)
		}
	}
	for _, w := range workerCounts {
		_, err := sched.Compute(ctx, z, sched.Workers(w))
		check("Compute", err)
		_, err = sched.ComputeAll(ctx, []graph.Delayed[int]{y, z}, sched.Workers(w), sched.KeepGoing())
		check("ComputeAll", err)
		s := sched.Scheduler{Workers: w}
		_, err = s.Run(ctx, z, x)
		check("Run", err)
		n := 0
		for c, err := range sched.AsCompleted(ctx, []graph.Delayed[int]{y, z}, sched.Workers(w)) {
			n++
			if c.Index != -1 {
				t.Errorf("AsCompleted yielded target %d from a cancelled run", c.Index)
			}
			check("AsCompleted", err)
		}
		if n != 1 {
			t.Errorf("AsCompleted yielded %d pairs, want 1", n)
		}
	}
	if ran.Load() != 0 {
		t.Errorf("%d tasks ran under a cancelled context", ran.Load())
	}
	// A Value needs no run: it is there even under a cancelled context.
	if v, err := sched.Compute(ctx, x); v != 1 || err != nil {
		t.Errorf("Compute(Value) = %d, %v under a cancelled context", v, err)
	}
}

// A cause given to the caller's cancel is what the run reports.
func TestCancelCauseIsReported(t *testing.T) {
	errShutdown := errors.New("server shutting down")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errShutdown)
	var g graph.Graph
	y := graph.Call(&g, "y", twice, graph.Value(&g, "x", 1))
	for _, w := range workerCounts {
		if _, err := sched.Compute(ctx, y, sched.Workers(w)); !errors.Is(err, errShutdown) || !errors.Is(err, sched.ErrCancelled) {
			t.Errorf("workers=%d: error %v, want ErrCancelled wrapping the cause", w, err)
		}
	}
}

func TestDeadlineAlreadyPassed(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	var ran atomic.Int32
	y := graph.Call(&g, "y", func(v int) int { ran.Add(1); return v }, x)
	past, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	for _, w := range workerCounts {
		if _, err := sched.Compute(past, y, sched.Workers(w)); !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, sched.ErrCancelled) {
			t.Errorf("workers=%d: expired deadline gives %v", w, err)
		}
	}
	if ran.Load() != 0 {
		t.Error("a task ran after the deadline")
	}

}

// A deadline that passes while a task waits for it: the timer fires in a
// goroutine of its own, unsynchronised with the run (-race checks that the
// run's stop path is safe from there). Only the error is checked, never
// how long it took.
func TestDeadlineWhileRunning(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	guard := hangGuard(t)
	wait := graph.CallCtx(&g, "wait", func(ctx context.Context, v int) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	}, x)
	for _, w := range workerCounts {
		ctx, cancel := context.WithTimeout(guard, 5*time.Millisecond)
		_, err := sched.Compute(ctx, wait, sched.Workers(w))
		cancel()
		notHung(t, guard)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("workers=%d: error %v, want DeadlineExceeded", w, err)
		}
	}
}

// Two runs of one graph at once take turns (the graph's RunLock) and both
// get the right answer.
func TestConcurrentRunsOfOneGraph(t *testing.T) {
	var g graph.Graph
	d := graph.Value(&g, "zero", 0)
	mids := []graph.Delayed[int]{}
	for range 200 {
		d = graph.Call(&g, "inc", func(x int) int { return x + 1 }, d)
		mids = append(mids, d)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for k := range 8 {
		wg.Go(func() {
			target := mids[len(mids)-1-k%2]
			v, err := sched.Compute(context.Background(), target, sched.Workers(1+k%3))
			if want := 200 - k%2; v != want || err != nil {
				errs <- fmt.Errorf("run %d: %d, %v; want %d", k, v, err, want)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
