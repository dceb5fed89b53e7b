package sched_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// Several tasks of one run compute one shared graph (a lookup table built
// once). With the graph's own tasks busy, a run computes private copies,
// so the tasks never wait for each other, whatever the worker count.
func TestTasksShareOneSubGraph(t *testing.T) {
	guard := hangGuard(t)
	// Several tasks, so that while one worker computes the table others
	// steal parts of it and it looks for more work: another "use".
	var table graph.Graph
	seed := graph.Value(&table, "seed", 3)
	parts := make([]graph.Delayed[int], 16)
	for k := range parts {
		parts[k] = graph.Call(&table, "part", func(v int) int { time.Sleep(time.Millisecond); return v * 25 }, seed)
	}
	lookup := graph.CallSlice(&table, "lookup", sumInts, parts)
	for _, w := range []int{1, 2, 4, 8} {
		var g graph.Graph
		x := graph.Value(&g, "x", 0)
		uses := make([]graph.Delayed[int], 40)
		for k := range uses {
			uses[k] = graph.CallCtx(&g, "use", func(ctx context.Context, _ int) (int, error) {
				v, err := sched.Compute(ctx, lookup)
				return v + k, err
			}, x)
		}
		vs, err := sched.ComputeAll(guard, uses, sched.Workers(w))
		notHung(t, guard)
		if err != nil {
			t.Fatalf("workers=%d: %v", w, err)
		}
		for k, v := range vs {
			if v != 16*75+k {
				t.Errorf("workers=%d: use[%d] = %d, want %d", w, k, v, 16*75+k)
			}
		}
	}
}

// A task may start goroutines (errgroup.WithContext(ctx), the documented
// way to pass its context on) that each compute a graph: none of them
// co-runs on the task's worker, so nothing races (the race detector
// watches) and nothing hangs.
func TestSpawnFromTaskGoroutines(t *testing.T) {
	guard := hangGuard(t)
	for round := range 20 {
		var g graph.Graph
		x := graph.Value(&g, "x", round)
		fan := graph.CallCtx(&g, "fan", func(ctx context.Context, v int) (int, error) {
			eg, gctx := errgroup.WithContext(ctx)
			parts := make([]int, 8)
			for k := range parts {
				eg.Go(func() error {
					var sub graph.Graph
					a := graph.Value(&sub, "a", v+k)
					b := graph.Call(&sub, "sq", func(u int) int { return u * u }, a)
					c := graph.Call2(&sub, "add", func(p, q int) int { return p + q }, b, a)
					r, err := sched.Compute(gctx, c)
					parts[k] = r
					return err
				})
			}
			err := eg.Wait()
			sum := 0
			for _, p := range parts {
				sum += p
			}
			return sum, err
		}, x)
		others := make([]graph.Delayed[int], 16)
		for k := range others {
			others[k] = graph.Call(&g, "other", func(v int) int { return v + k }, x)
		}
		want := 0
		for k := range 8 {
			u := round + k
			want += u*u + u
		}
		all := append([]graph.Delayed[int]{fan}, others...)
		vs, err := sched.ComputeAll(guard, all, sched.Workers(8))
		notHung(t, guard)
		if err != nil || vs[0] != want {
			t.Fatalf("round %d: %v, %v; want %d", round, vs[0], err, want)
		}
	}
}

// Persist adds a node; goroutines persisting parts of one graph at once
// must all get their own, right values, and every node must be there.
func TestConcurrentPersist(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	const per, routines = 100, 4
	ds := make([]graph.Delayed[int], per*routines)
	for k := range ds {
		ds[k] = graph.Call(&g, "d", func(v int) int { return v + k }, x)
	}
	before := g.Len()
	var wg sync.WaitGroup
	bad := make(chan string, len(ds))
	for r := range routines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := r * per; k < (r+1)*per; k++ {
				p, err := sched.Persist(context.Background(), ds[k], sched.Workers(2))
				if err != nil {
					bad <- err.Error()
					continue
				}
				if v, err := sched.Compute(context.Background(), p); v != 1+k || err != nil {
					bad <- "wrong persisted value"
				}
			}
		}()
	}
	wg.Wait()
	close(bad)
	for b := range bad {
		t.Error(b)
	}
	if got := g.Len() - before; got != len(ds) {
		t.Errorf("%d nodes added, want %d", got, len(ds))
	}
}

// A task's total demand of one resource must fit its limit: two
// declarations of one resource add up.
func TestResourceDeclaredTwice(t *testing.T) {
	for _, w := range workerCounts {
		var g graph.Graph
		x := graph.Value(&g, "x", 1)
		d := graph.Call(&g, "twice", twice, x, graph.Uses("gpu", 1), graph.Uses("gpu", 1))
		done := make(chan error, 1)
		go func() {
			_, err := sched.Compute(context.Background(), d, sched.Workers(w), sched.Limit("gpu", 1))
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, sched.ErrResource) {
				t.Errorf("workers=%d: %v, want ErrResource", w, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("workers=%d: the run did not end", w)
		}
	}
}

// A graph spawned inside a task draws on the limits of the run that
// spawned it: at no moment do more tasks hold the resource than allowed.
func TestSpawnedTasksCountAgainstLimits(t *testing.T) {
	guard := hangGuard(t)
	var holding, most atomic.Int32
	hold := func(v int) int {
		n := holding.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(2 * time.Millisecond)
		holding.Add(-1)
		return v
	}
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	outer := make([]graph.Delayed[int], 6)
	for k := range outer {
		outer[k] = graph.CallCtx(&g, "spawn", func(ctx context.Context, v int) (int, error) {
			var sub graph.Graph
			y := graph.Value(&sub, "y", v)
			inner := make([]graph.Delayed[int], 4)
			for j := range inner {
				inner[j] = graph.Call(&sub, "hold", hold, y, graph.Uses("disk", 1))
			}
			vs, err := sched.ComputeAll(ctx, inner)
			return len(vs), err
		}, x)
	}
	// Top-level tasks that hold the resource too, beside the spawners.
	for range 6 {
		outer = append(outer, graph.Call(&g, "hold", hold, x, graph.Uses("disk", 1)))
	}
	_, err := sched.ComputeAll(guard, outer, sched.Workers(8), sched.Limit("disk", 2))
	notHung(t, guard)
	if err != nil {
		t.Fatal(err)
	}
	if most.Load() > 2 {
		t.Errorf("%d tasks held the resource at once, limit 2", most.Load())
	}
}

// A task that holds a resource and spawns tasks needing it lends it while
// it waits, instead of waiting for its own children.
func TestSpawnerLendsItsResource(t *testing.T) {
	guard := hangGuard(t)
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	parent := graph.CallCtx(&g, "parent", func(ctx context.Context, v int) (int, error) {
		var sub graph.Graph
		child := graph.Call(&sub, "child", twice, graph.Value(&sub, "y", v), graph.Uses("gpu", 1))
		return sched.Compute(ctx, child)
	}, x, graph.Uses("gpu", 1))
	for _, w := range []int{2, 4} {
		v, err := sched.Compute(guard, parent, sched.Workers(w), sched.Limit("gpu", 1))
		notHung(t, guard)
		if v != 2 || err != nil {
			t.Errorf("workers=%d: %d, %v", w, v, err)
		}
	}
}

// runtime.Goexit in a task (what t.Fatal does) fails the task. On a pool
// goroutine the run goes on and Compute returns ErrGoexit; on the caller's
// goroutine that goroutine ends, as Goexit demands, once the run is over.
// Either way nothing hangs and no goroutine is left behind (goleak).
func TestGoexitInTask(t *testing.T) {
	guard := hangGuard(t)
	for _, w := range []int{1, 2, 8} {
		returned, exited := 0, 0
		for range 20 {
			var g graph.Graph
			x := graph.Value(&g, "x", 1)
			ds := make([]graph.Delayed[int], 16)
			for k := range ds {
				ds[k] = graph.Call(&g, "t", func(v int) int {
					if k == 7 {
						runtime.Goexit()
					}
					time.Sleep(100 * time.Microsecond)
					return v
				}, x)
			}
			res := make(chan error, 1)
			gone := make(chan struct{})
			go func() {
				defer close(gone)
				_, err := sched.ComputeAll(guard, ds, sched.Workers(w))
				res <- err
			}()
			<-gone
			notHung(t, guard)
			select {
			case err := <-res:
				returned++
				if !errors.Is(err, sched.ErrGoexit) {
					t.Fatalf("workers=%d: %v, want ErrGoexit", w, err)
				}
			default:
				exited++ // the task ran on the caller's goroutine
			}
		}
		if w == 8 && returned == 0 {
			t.Errorf("workers=%d: Compute never returned (%d exits)", w, exited)
		}
	}
}

// A hook that panics does not crash the process from a worker goroutine,
// nor unwind out of Compute from the caller's: the panic stops the run and
// is its error, once every worker has stopped.
func TestHookPanicBecomesRunError(t *testing.T) {
	for _, w := range workerCounts {
		var running, after atomic.Int32
		var over atomic.Bool
		var g graph.Graph
		x := graph.Value(&g, "x", 1)
		ds := make([]graph.Delayed[int], 64)
		for k := range ds {
			ds[k] = graph.Call(&g, "t", func(v int) int {
				running.Add(1)
				defer running.Add(-1)
				if over.Load() {
					after.Add(1)
				}
				time.Sleep(50 * time.Microsecond)
				return v
			}, x)
		}
		var seen atomic.Int32
		hook := sched.Hooks{TaskDone: func(ev sched.TaskEvent) {
			if seen.Add(1) == 5 {
				panic("hook bug")
			}
		}}
		_, err := sched.ComputeAll(context.Background(), ds, sched.Workers(w), sched.WithHooks(hook))
		over.Store(true)
		var he *sched.HookError
		if !errors.As(err, &he) || he.Value != "hook bug" || len(he.Stack) == 0 {
			t.Errorf("workers=%d: %v, want a HookError", w, err)
		}
		if n := running.Load(); n != 0 {
			t.Errorf("workers=%d: %d tasks still running after Compute returned", w, n)
		}
		time.Sleep(5 * time.Millisecond)
		if n := after.Load(); n != 0 {
			t.Errorf("workers=%d: %d tasks started after Compute returned", w, n)
		}
	}
	// RunStart and RunDone hooks are called on the caller's goroutine.
	for _, h := range []sched.Hooks{
		{RunStart: func(sched.RunInfo) { panic("start") }},
		{RunDone: func(sched.RunStats) { panic("done") }},
	} {
		var g graph.Graph
		d := graph.Call(&g, "t", twice, graph.Value(&g, "x", 1))
		var he *sched.HookError
		if _, err := sched.Compute(context.Background(), d, sched.WithHooks(h)); !errors.As(err, &he) {
			t.Errorf("%v, want a HookError", err)
		}
	}
}

// What Deps hands out is a copy: writing a cycle into it changes nothing.
func TestDepsCannotBeWritten(t *testing.T) {
	var g graph.Graph
	a := graph.Value(&g, "a", 1)
	b := graph.Call(&g, "b", twice, a)
	c := graph.Call(&g, "c", twice, b)
	deps := g.Deps(b.ID())
	deps[0] = int32(c.ID()) // b <- c <- b, if it were shared
	for _, w := range workerCounts {
		if v, err := sched.Compute(hangGuard(t), c, sched.Workers(w)); v != 4 || err != nil {
			t.Errorf("workers=%d: %d, %v", w, v, err)
		}
	}
}

// Nil misuse is an error, never a nil dereference.
func TestNilMisuse(t *testing.T) {
	d := graph.Value[int](nil, "v", 1)
	e := graph.Call(nil, "e", twice, d)
	if ds := graph.CallN(nil, "n", 3, func(context.Context, int, int) (int, error) { return 0, nil }, d); ds != nil {
		t.Errorf("CallN on a nil graph: %v", ds)
	}
	if _, err := sched.Compute(context.Background(), e); !errors.Is(err, sched.ErrNoTarget) {
		t.Errorf("a handle of a nil graph: %v, want ErrNoTarget", err)
	}
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	//lint:ignore SA1012 the nil context is the point
	if _, err := sched.Compute(nil, x); !errors.Is(err, sched.ErrNilContext) { //nolint:staticcheck
		t.Errorf("a nil context: %v, want ErrNilContext", err)
	}
}

// Spawning inside tasks has a depth limit, far below where a goroutine's
// stack would overflow (Workers(1) computes a spawned graph in place).
func TestSpawnTooDeep(t *testing.T) {
	defer sched.SetMaxDepth(2_000)()
	var step func(ctx context.Context, n int) (int, error)
	step = func(ctx context.Context, n int) (int, error) {
		var g graph.Graph
		d := graph.CallCtx(&g, "step", step, graph.Value(&g, "n", n+1))
		return sched.Compute(ctx, d)
	}
	var g graph.Graph
	d := graph.CallCtx(&g, "step", step, graph.Value(&g, "n", 0))
	if _, err := sched.Compute(context.Background(), d, sched.Workers(1)); !errors.Is(err, sched.ErrTooDeep) {
		t.Errorf("unbounded recursion: %.200v, want ErrTooDeep", err)
	}
}

// With KeepGoing, a caller can tell target by target which ones have a
// value.
func TestKeepGoingSaysWhichTargetsFailed(t *testing.T) {
	for _, w := range workerCounts {
		var g graph.Graph
		x := graph.Value(&g, "x", 1)
		ok := graph.Call(&g, "ok", twice, x)
		bad := graph.CallCtx(&g, "bad", func(context.Context, int) (int, error) { return 0, errDisk }, x)
		skipped := graph.Call(&g, "after", twice, bad)
		vs, err := sched.ComputeAll(context.Background(), []graph.Delayed[int]{ok, bad, skipped, ok}, sched.Workers(w), sched.KeepGoing())
		var pe *sched.PartialError
		if !errors.As(err, &pe) {
			t.Fatalf("workers=%d: %v, want a PartialError", w, err)
		}
		if pe.Failed(0) || !pe.Failed(1) || !pe.Failed(2) || pe.Failed(3) || vs[0] != 2 || vs[3] != 2 {
			t.Errorf("workers=%d: %v %v", w, vs, pe.Targets)
		}
		if !errors.Is(pe.Targets[1], errDisk) || !errors.Is(pe.Targets[2], sched.ErrSkipped) || !errors.Is(err, errDisk) {
			t.Errorf("workers=%d: target errors %v", w, pe.Targets)
		}
	}
}

// A *Scheduler given as an option sets what it sets, wherever it is among
// the options.
func TestSchedulerOptionOrder(t *testing.T) {
	var g graph.Graph
	d := graph.Call(&g, "t", twice, graph.Value(&g, "x", 1))
	var starts atomic.Int32
	hooks := sched.WithHooks(sched.Hooks{RunStart: func(sched.RunInfo) { starts.Add(1) }})
	var workers atomic.Int32
	s := &sched.Scheduler{Workers: 3, Hooks: []sched.Hooks{{RunStart: func(ri sched.RunInfo) { workers.Store(int32(ri.Workers)) }}}}
	for _, opts := range [][]sched.Option{{hooks, s}, {s, hooks}} {
		starts.Store(0)
		if _, err := sched.Compute(context.Background(), d, opts...); err != nil {
			t.Fatal(err)
		}
		if starts.Load() != 1 || workers.Load() != 3 {
			t.Errorf("options %v: the hook before or after the Scheduler ran %d times; workers %d", opts, starts.Load(), workers.Load())
		}
	}
}

// A task spawning a graph announces its tasks to SubRunStart, so a
// progress count can grow as spawned work appears.
func TestSubRunStartAnnouncesSpawnedTasks(t *testing.T) {
	for _, w := range workerCounts {
		var announced, done atomic.Int32
		h := sched.Hooks{
			SubRunStart: func(ri sched.RunInfo) { announced.Add(int32(ri.Tasks)) },
			TaskDone:    func(sched.TaskEvent) { done.Add(1) },
		}
		var total int32
		var g graph.Graph
		d := graph.CallCtx(&g, "spawn", func(ctx context.Context, v int) (int, error) {
			var sub graph.Graph
			y := graph.Value(&sub, "y", v)
			a := graph.Call(&sub, "a", twice, y)
			b := graph.Call(&sub, "b", twice, a)
			return sched.Compute(ctx, b)
		}, graph.Value(&g, "x", 1))
		start := sched.Hooks{RunStart: func(ri sched.RunInfo) { total = int32(ri.Tasks) }}
		if _, err := sched.Compute(context.Background(), d, sched.Workers(w), sched.WithHooks(h), sched.WithHooks(start)); err != nil {
			t.Fatal(err)
		}
		if total+announced.Load() != done.Load() || announced.Load() != 2 {
			t.Errorf("workers=%d: %d tasks at the start + %d announced, %d done", w, total, announced.Load(), done.Load())
		}
	}
}

// Pure tasks collapse only when they call the very same function value:
// closures built in a loop capture different values and must not.
func TestPureClosuresDoNotCollapse(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 0)
	var ds []graph.Delayed[int]
	for k := 1; k <= 3; k++ {
		ds = append(ds, graph.Call(&g, "add", func(v int) int { return v + k }, x, graph.Pure()))
	}
	vs, err := sched.ComputeAll(context.Background(), ds)
	if err != nil || vs[0] != 1 || vs[1] != 2 || vs[2] != 3 {
		t.Errorf("%v, %v; want [1 2 3]", vs, err)
	}
	// One function value named twice is one task.
	a := graph.Call(&g, "tw", twice, x, graph.Pure())
	b := graph.Call(&g, "tw", twice, x, graph.Pure())
	if a.ID() != b.ID() {
		t.Errorf("identical Pure calls of a top-level function: %d and %d", a.ID(), b.ID())
	}
}

// Asking for an absurd number of workers is an error, not an attempt to
// start them all.
func TestTooManyWorkers(t *testing.T) {
	var g graph.Graph
	d := graph.Call(&g, "t", twice, graph.Value(&g, "x", 1))
	if _, err := sched.Compute(context.Background(), d, sched.Workers(99_999_999_999)); !errors.Is(err, sched.ErrWorkers) {
		t.Errorf("%v, want ErrWorkers", err)
	}
	if v, err := sched.Compute(context.Background(), d, sched.Workers(sched.MaxWorkers)); v != 2 || err != nil {
		t.Errorf("MaxWorkers: %d, %v", v, err)
	}
}

// Many targets (looked up through a map), with repeats and constants
// among them, each get their own value.
func TestManyTargets(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	var ds []graph.Delayed[int]
	for k := range 50 {
		ds = append(ds, graph.Call(&g, "t", func(v int) int { return v + k }, x))
	}
	ds = append(ds, x, ds[3], ds[0], x)
	for _, w := range workerCounts {
		vs, err := sched.ComputeAll(context.Background(), ds, sched.Workers(w))
		if err != nil {
			t.Fatal(err)
		}
		for k := range 50 {
			if vs[k] != 1+k {
				t.Fatalf("workers=%d: target %d = %d, want %d", w, k, vs[k], 1+k)
			}
		}
		if vs[50] != 1 || vs[51] != 4 || vs[52] != 1 || vs[53] != 1 {
			t.Errorf("workers=%d: repeats and constants %v", w, vs[50:])
		}
	}
}
