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

// gauge tracks how many units of a resource are held at once.
type gauge struct {
	cur, peak atomic.Int64
}

func (g *gauge) take(n int64) {
	v := g.cur.Add(n)
	for p := g.peak.Load(); v > p && !g.peak.CompareAndSwap(p, v); p = g.peak.Load() {
	}
}

func (g *gauge) give(n int64) { g.cur.Add(-n) }

// At most the limit run at once, and up to the limit do: each task waits
// until it has seen two tasks inside together, which can only happen if
// the scheduler admits two (and hangs, caught by the guard, if it admits
// fewer).
func TestResourceLimit(t *testing.T) {
	for _, w := range []int{2, 4, 8} {
		guard := hangGuard(t)
		var g graph.Graph
		var disk gauge
		var pairOnce sync.Once
		pair := make(chan struct{})
		x := graph.Value(&g, "x", 1)
		parts := make([]graph.Delayed[int], 12)
		for i := range parts {
			parts[i] = graph.CallCtx(&g, "write", func(ctx context.Context, v int) (int, error) {
				disk.take(1)
				defer disk.give(1)
				if disk.cur.Load() == 2 {
					pairOnce.Do(func() { close(pair) })
				}
				if !wait(ctx, pair) {
					return 0, ctx.Err()
				}
				return v, nil
			}, x, graph.Uses("disk", 1))
		}
		total := graph.CallSlice(&g, "total", sumInts, parts)
		v, err := sched.Compute(guard, total, sched.Workers(w), sched.Limit("disk", 2))
		notHung(t, guard)
		if v != 12 || err != nil {
			t.Fatalf("workers=%d: %d, %v", w, v, err)
		}
		if p := disk.peak.Load(); p != 2 {
			t.Errorf("workers=%d: %d disk tasks ran at once, limit 2", w, p)
		}
	}
}

// Amounts count, several resources per task are taken together, and the
// Scheduler's Resources field works like Limit.
func TestResourceAmounts(t *testing.T) {
	for _, w := range workerCounts {
		var g graph.Graph
		var gpu, mem gauge
		x := graph.Value(&g, "x", 1)
		var parts []graph.Delayed[int]
		for i := range 16 {
			amount := int64(1 + i%3)
			parts = append(parts, graph.Call(&g, "train", func(v int) int {
				gpu.take(amount)
				mem.take(1)
				defer gpu.give(amount)
				defer mem.give(1)
				return v
			}, x, graph.Uses("gpu", amount), graph.Uses("mem", 1)))
		}
		total := graph.CallSlice(&g, "total", sumInts, parts)
		s := &sched.Scheduler{Workers: w, Resources: map[string]int64{"gpu": 3, "mem": 2}}
		if v, err := sched.Compute(context.Background(), total, s); v != 16 || err != nil {
			t.Fatalf("workers=%d: %d, %v", w, v, err)
		}
		if gpu.peak.Load() > 3 || mem.peak.Load() > 2 {
			t.Errorf("workers=%d: peaks gpu %d (limit 3), mem %d (limit 2)", w, gpu.peak.Load(), mem.peak.Load())
		}
	}
}

// A request that can never be granted is refused before anything runs.
func TestResourceErrors(t *testing.T) {
	cases := []struct {
		name   string
		uses   graph.Option
		limits []sched.Option
	}{
		{"no limit", graph.Uses("disk", 1), nil},
		{"other limit", graph.Uses("disk", 1), []sched.Option{sched.Limit("gpu", 4)}},
		{"above limit", graph.Uses("disk", 3), []sched.Option{sched.Limit("disk", 2)}},
		{"zero amount", graph.Uses("disk", 0), []sched.Option{sched.Limit("disk", 2)}},
		{"negative amount", graph.Uses("disk", -1), []sched.Option{sched.Limit("disk", 2)}},
	}
	for _, c := range cases {
		for _, w := range workerCounts {
			var g graph.Graph
			var ran atomic.Int32
			x := graph.Value(&g, "x", 1)
			first := graph.Call(&g, "first", func(v int) int { ran.Add(1); return v }, x)
			bad := graph.Call(&g, "bad", func(v int) int { ran.Add(1); return v }, first, c.uses)
			_, err := sched.Compute(context.Background(), bad, append(c.limits, sched.Workers(w))...)
			if !errors.Is(err, sched.ErrResource) {
				t.Errorf("%s, workers=%d: error %v, want ErrResource", c.name, w, err)
			}
			if ran.Load() != 0 {
				t.Errorf("%s, workers=%d: %d tasks ran before the bad request was refused", c.name, w, ran.Load())
			}
		}
	}
}

// A task waiting for a resource does not hold up its worker: with two
// workers and a limit of 1, while one "disk" task holds the disk (until
// the plain task has run) the other waits, and a worker is free to run the
// plain task.
func TestResourceWaitDoesNotBlockWorker(t *testing.T) {
	guard := hangGuard(t)
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	plainRan := make(chan struct{})
	var disk gauge
	holdDisk := func(ctx context.Context, v int) (int, error) {
		disk.take(1)
		defer disk.give(1)
		if !wait(ctx, plainRan) {
			return 0, ctx.Err()
		}
		return v, nil
	}
	d1 := graph.CallCtx(&g, "disk1", holdDisk, x, graph.Uses("disk", 1))
	d2 := graph.CallCtx(&g, "disk2", holdDisk, x, graph.Uses("disk", 1))
	plain := graph.Call(&g, "plain", func(v int) int { close(plainRan); return v }, x)
	vs, err := sched.ComputeAll(guard, []graph.Delayed[int]{d1, d2, plain}, sched.Workers(2), sched.Limit("disk", 1))
	notHung(t, guard)
	if err != nil || fmt.Sprint(vs) != "[1 1 1]" {
		t.Fatalf("%v, %v", vs, err)
	}
	if disk.peak.Load() != 1 {
		t.Errorf("%d disk tasks at once, limit 1", disk.peak.Load())
	}
}

// With fail-fast, tasks queued for a resource never start after a failure.
// Each worker may have been about to start one task when the failure
// happened, but the queue itself is not drained.
func TestResourceQueueStopsOnFailure(t *testing.T) {
	guard := hangGuard(t)
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	var started atomic.Int32
	parts := make([]graph.Delayed[int], 50)
	for i := range parts {
		parts[i] = graph.CallCtx(&g, "write", func(ctx context.Context, v int) (int, error) {
			started.Add(1)
			return 0, errDisk
		}, x, graph.Uses("disk", 1))
	}
	total := graph.CallSlice(&g, "total", sumInts, parts)
	_, err := sched.Compute(guard, total, sched.Workers(4), sched.Limit("disk", 1))
	notHung(t, guard)
	if !errors.Is(err, errDisk) {
		t.Fatal(err)
	}
	if n := started.Load(); n > 4 {
		t.Errorf("%d of %d disk tasks started; with a limit of 1 the first failure stops the rest", n, len(parts))
	}
}

func TestRetries(t *testing.T) {
	errFlaky := errors.New("connection reset")
	for _, w := range workerCounts {
		var g graph.Graph
		x := graph.Value(&g, "x", 21)
		var attempts, panicky, hopeless atomic.Int32
		fetch := graph.CallCtx(&g, "fetch", func(_ context.Context, v int) (int, error) {
			if attempts.Add(1) <= 2 {
				return 0, errFlaky
			}
			return 2 * v, nil
		}, x, graph.Retries(2))
		shaky := graph.Call(&g, "shaky", func(v int) int {
			if panicky.Add(1) == 1 {
				panic("first attempt panics")
			}
			return v
		}, x, graph.Retries(1))
		never := graph.CallCtx(&g, "never", func(context.Context, int) (int, error) {
			return 0, fmt.Errorf("attempt %d: %w", hopeless.Add(1), errFlaky)
		}, x, graph.Retries(3))

		if v, err := sched.Compute(context.Background(), fetch, sched.Workers(w)); v != 42 || err != nil || attempts.Load() != 3 {
			t.Errorf("workers=%d: Retries(2) after two failures: %d, %v, %d attempts", w, v, err, attempts.Load())
		}
		if v, err := sched.Compute(context.Background(), shaky, sched.Workers(w)); v != 21 || err != nil || panicky.Load() != 2 {
			t.Errorf("workers=%d: a panicking attempt is retried: %d, %v, %d attempts", w, v, err, panicky.Load())
		}
		_, err := sched.Compute(context.Background(), never, sched.Workers(w))
		var te *sched.TaskError
		if !errors.As(err, &te) || te.Name != "never" || !errors.Is(err, errFlaky) || hopeless.Load() != 4 {
			t.Errorf("workers=%d: Retries(3) always failing: %v after %d attempts", w, err, hopeless.Load())
		}
		if err != nil && err.Error() != fmt.Sprintf("task never#%d: attempt 4: connection reset", never.ID()) {
			t.Errorf("workers=%d: the error is not the last attempt's: %v", w, err)
		}
	}
}

func TestTimeout(t *testing.T) {
	guard := hangGuard(t)
	for _, w := range workerCounts {
		var g graph.Graph
		x := graph.Value(&g, "x", 1)
		stuck := graph.CallCtx(&g, "stuck", func(ctx context.Context, v int) (int, error) {
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-guard.Done():
				return 0, errors.New("the task's timeout never fired")
			}
		}, x, graph.Timeout(10*time.Millisecond))
		_, err := sched.Compute(guard, stuck, sched.Workers(w))
		notHung(t, guard)
		var te *sched.TaskError
		if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &te) || te.Name != "stuck" {
			t.Errorf("workers=%d: error %v, want stuck's DeadlineExceeded", w, err)
		}
		if errors.Is(err, sched.ErrCancelled) {
			t.Errorf("workers=%d: a task's own timeout is reported as a cancelled run: %v", w, err)
		}

		// Each attempt has its own timeout: the first times out, the
		// second succeeds.
		var attempts atomic.Int32
		second := graph.CallCtx(&g, "second", func(ctx context.Context, v int) (int, error) {
			if attempts.Add(1) == 1 {
				<-ctx.Done()
				return 0, ctx.Err()
			}
			if ctx.Err() != nil {
				return 0, errors.New("the second attempt started with an expired context")
			}
			return v, nil
		}, x, graph.Timeout(10*time.Millisecond), graph.Retries(1))
		if v, err := sched.Compute(guard, second, sched.Workers(w)); v != 1 || err != nil {
			t.Errorf("workers=%d: retry after a timeout: %d, %v", w, v, err)
		}

		// A generous timeout does not disturb a task that finishes.
		quick := graph.CallCtx(&g, "quick", func(_ context.Context, v int) (int, error) { return 2 * v, nil }, x, graph.Timeout(time.Hour))
		if v, err := sched.Compute(guard, quick, sched.Workers(w)); v != 2 || err != nil {
			t.Errorf("workers=%d: %d, %v", w, v, err)
		}
	}
}

// A plain function (no context) cannot be told to stop, so a timeout on it
// is refused when the graph is built, never silently ignored.
func TestTimeoutOnPlainTaskIsRefused(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	slow := graph.Call(&g, "slow", func(v int) int { time.Sleep(50 * time.Millisecond); return v }, x, graph.Timeout(time.Millisecond))
	if !errors.Is(g.Err(), graph.ErrOption) {
		t.Fatalf("building a plain task with a timeout: %v, want ErrOption", g.Err())
	}
	for _, w := range workerCounts {
		if _, err := sched.Compute(context.Background(), slow, sched.Workers(w)); !errors.Is(err, graph.ErrOption) {
			t.Errorf("workers=%d: %v, want the building error", w, err)
		}
	}
	var h graph.Graph
	graph.Value(&h, "v", 1, graph.Retries(2))
	if !errors.Is(h.Err(), graph.ErrOption) {
		t.Errorf("a Value with Retries: %v, want ErrOption", h.Err())
	}
}
