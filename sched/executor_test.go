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

// blockingExecutor holds every hand-off until its context ends, then
// reports the context's error: a remote task that only a cancellation
// stops.
type blockingExecutor struct {
	wg        sync.WaitGroup
	submitted atomic.Int32
	cancelled atomic.Int32
}

func (b *blockingExecutor) Submit(ctx context.Context, h sched.Handoff, done func(sched.Report)) {
	b.submitted.Add(1)
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		<-ctx.Done()
		b.cancelled.Add(1)
		done(sched.Report{Err: ctx.Err(), Worker: "blocked/1"})
	}()
}

// Cancelling the caller's context reaches handed-off tasks, and Compute
// returns once every hand-off has been reported: none is left behind.
func TestExecutorCancellation(t *testing.T) {
	for _, w := range workerCounts {
		var g graph.Graph
		x := graph.Value(&g, "x", 1)
		var local atomic.Int32
		ds := []graph.Delayed[int]{
			graph.CallCtx(&g, "away", func(context.Context, int) (int, error) { return 0, nil }, x, graph.Remote()),
			graph.CallCtx(&g, "away", func(context.Context, int) (int, error) { return 0, nil }, x, graph.Remote()),
		}
		if w > 1 { // local tasks go on meanwhile (the reference waits in order)
			ds = append(ds, graph.Call(&g, "here", func(v int) int { local.Add(1); return v }, x))
		}
		exec := &blockingExecutor{}
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			for exec.submitted.Load() == 0 || (w > 1 && local.Load() == 0) {
				time.Sleep(100 * time.Microsecond)
			}
			cancel()
		}()
		_, err := sched.ComputeAll(ctx, ds, sched.Workers(w), sched.WithExecutor(exec))
		if !errors.Is(err, sched.ErrCancelled) {
			t.Errorf("workers=%d: %v, want ErrCancelled", w, err)
		}
		if s, c := exec.submitted.Load(), exec.cancelled.Load(); s == 0 || s != c {
			t.Errorf("workers=%d: %d hand-offs, %d saw the cancellation before Compute returned", w, s, c)
		}
		exec.wg.Wait()
	}
}

// inProcess runs hand-offs on goroutines of its own, reporting where.
type inProcess struct{ wg sync.WaitGroup }

func (e *inProcess) Submit(ctx context.Context, h sched.Handoff, done func(sched.Report)) {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		done(sched.Report{Err: h.Task.Run(ctx), Worker: "elsewhere/42"})
	}()
}

// A handed-off task's timeout bounds each attempt; its retries are new
// hand-offs; its error names where it ran; AsCompleted streams it.
func TestExecutorOptionsAndStreams(t *testing.T) {
	for _, w := range workerCounts {
		exec := &inProcess{}
		var g graph.Graph
		x := graph.Value(&g, "x", 1)
		var tries atomic.Int32
		flaky := graph.CallCtx(&g, "flaky", func(_ context.Context, v int) (int, error) {
			if tries.Add(1) == 1 {
				return 0, errDisk
			}
			return v + 10, nil
		}, x, graph.Remote(), graph.Retries(1))
		slow := graph.CallCtx(&g, "slow", func(ctx context.Context, v int) (int, error) {
			<-ctx.Done()
			return 0, ctx.Err()
		}, x, graph.Remote(), graph.Timeout(5*time.Millisecond))
		if v, err := sched.Compute(context.Background(), flaky, sched.Workers(w), sched.WithExecutor(exec)); v != 11 || err != nil || tries.Load() != 2 {
			t.Errorf("workers=%d: retried hand-off %d, %v after %d tries", w, v, err, tries.Load())
		}
		_, err := sched.Compute(context.Background(), slow, sched.Workers(w), sched.WithExecutor(exec))
		var te *sched.TaskError
		if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &te) || te.Where != "elsewhere/42" {
			t.Errorf("workers=%d: timed-out hand-off: %v (where %q)", w, err, te.Where)
		}
		ds := []graph.Delayed[int]{graph.Call(&g, "a", twice, x, graph.Remote()), graph.Call(&g, "b", twice, x)}
		var got []int
		for c, err := range sched.AsCompleted(context.Background(), ds, sched.Workers(w), sched.WithExecutor(exec)) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, c.Index)
		}
		if len(got) != 2 {
			t.Errorf("workers=%d: AsCompleted gave %v", w, got)
		}
		exec.wg.Wait()
	}
}

// refusing is a Preparer that will not take tasks of one name.
type refusing struct{ inProcess }

func (r *refusing) Prepare(_ context.Context, g *graph.Graph, ids []int) error {
	for _, id := range ids {
		if g.Name(id) == "closure" {
			return fmt.Errorf("task %s: its result cannot travel", g.Key(id))
		}
	}
	return nil
}

// A Preparer's refusal fails the run before any task runs.
func TestExecutorPrepareRefuses(t *testing.T) {
	var g graph.Graph
	var ran atomic.Int32
	x := graph.Call(&g, "first", func(v int) int { ran.Add(1); return v }, graph.Value(&g, "v", 1))
	y := graph.Call(&g, "closure", twice, x, graph.Remote())
	_, err := sched.Compute(context.Background(), y, sched.Workers(2), sched.WithExecutor(&refusing{}))
	if err == nil || ran.Load() != 0 {
		t.Errorf("%v after %d tasks ran", err, ran.Load())
	}
}

// Without an executor, tasks marked Remote run on the run's own workers.
func TestRemoteWithoutExecutorRunsLocally(t *testing.T) {
	var g graph.Graph
	d := graph.Call(&g, "t", twice, graph.Value(&g, "x", 4), graph.Remote())
	for _, w := range workerCounts {
		if v, err := sched.Compute(context.Background(), d, sched.Workers(w)); v != 8 || err != nil {
			t.Errorf("workers=%d: %d, %v", w, v, err)
		}
	}
}

// The result of a handed-off task is released once its readers are done,
// like any other.
func TestExecutorResultsAreReleased(t *testing.T) {
	exec := &inProcess{}
	for _, w := range workerCounts {
		var g graph.Graph
		x := graph.Value(&g, "x", 1)
		big := graph.Call(&g, "big", func(int) []byte { return make([]byte, 1<<20) }, x, graph.Remote())
		n := graph.Call(&g, "len", func(b []byte) int { return len(b) }, big)
		if v, err := sched.Compute(context.Background(), n, sched.Workers(w), sched.WithExecutor(exec)); v != 1<<20 || err != nil {
			t.Fatalf("workers=%d: %d, %v", w, v, err)
		}
		if sched.Stored(big) != nil {
			t.Errorf("workers=%d: the handed-off task's result was kept after its reader ran", w)
		}
	}
	exec.wg.Wait()
}
