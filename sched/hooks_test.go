package sched_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// journal records a run's hook calls in the order they happened.
type journal struct {
	mu     sync.Mutex
	lines  []string
	info   []sched.RunInfo
	stats  []sched.RunStats
	starts map[int][]sched.TaskEvent
	dones  map[int][]sched.TaskEvent
}

func newJournal() *journal {
	return &journal{starts: map[int][]sched.TaskEvent{}, dones: map[int][]sched.TaskEvent{}}
}

func (j *journal) hooks() sched.Hooks {
	return sched.Hooks{
		RunStart: func(i sched.RunInfo) {
			j.mu.Lock()
			defer j.mu.Unlock()
			j.lines = append(j.lines, "run start")
			j.info = append(j.info, i)
		},
		TaskStart: func(e sched.TaskEvent) {
			j.mu.Lock()
			defer j.mu.Unlock()
			j.lines = append(j.lines, fmt.Sprint("start ", e.ID))
			j.starts[e.ID] = append(j.starts[e.ID], e)
		},
		TaskDone: func(e sched.TaskEvent) {
			j.mu.Lock()
			defer j.mu.Unlock()
			j.lines = append(j.lines, fmt.Sprint("done ", e.ID))
			j.dones[e.ID] = append(j.dones[e.ID], e)
		},
		RunDone: func(s sched.RunStats) {
			j.mu.Lock()
			defer j.mu.Unlock()
			j.lines = append(j.lines, "run done")
			j.stats = append(j.stats, s)
		},
	}
}

// check verifies the journal of a run of the given tasks (graph IDs)
// that returned err: the run's hooks once each, around everything else;
// every task's TaskDone once, after its TaskStart if it started; the
// states as want says (tasks missing from want may be Done or NotRun);
// RunStats agreeing with the events.
func (j *journal) check(t *testing.T, tasks []int, workers int, want map[int]sched.State, err error) {
	t.Helper()
	if len(j.info) != 1 || len(j.stats) != 1 {
		t.Fatalf("RunStart called %d times, RunDone %d times", len(j.info), len(j.stats))
	}
	if j.lines[0] != "run start" || j.lines[len(j.lines)-1] != "run done" {
		t.Errorf("RunStart and RunDone do not frame the run: %v", j.lines)
	}
	count := map[sched.State]int{}
	for id := range j.dones {
		if !slices.Contains(tasks, id) {
			t.Errorf("TaskDone reports node %d, which is not a task of the run", id)
		}
	}
	for _, id := range tasks {
		dones := j.dones[id]
		if len(dones) != 1 {
			t.Errorf("task %d: TaskDone called %d times", id, len(dones))
			continue
		}
		e := dones[0]
		count[e.State]++
		if st, ok := want[id]; ok && e.State != st {
			t.Errorf("task %d ended %v, want %v", id, e.State, st)
		} else if !ok && e.State != sched.Done && e.State != sched.NotRun {
			t.Errorf("task %d ended %v, want done or not run", id, e.State)
		}
		started := len(j.starts[id])
		ran := e.State == sched.Done || e.State == sched.Failed
		if ran != (started == 1) || started > 1 {
			t.Errorf("task %d ended %v after %d TaskStart calls", id, e.State, started)
		}
		if ran {
			s := j.starts[id][0]
			if slices.Index(j.lines, fmt.Sprint("start ", id)) > slices.Index(j.lines, fmt.Sprint("done ", id)) {
				t.Errorf("task %d: TaskDone before TaskStart", id)
			}
			if s.Worker != e.Worker || e.Worker < 0 || e.Worker >= workers || e.Start.IsZero() || !e.Start.Equal(s.Start) || e.Duration < 0 {
				t.Errorf("task %d: started %+v, done %+v", id, s, e)
			}
		} else if e.Worker != -1 || !e.Start.IsZero() || e.Duration != 0 {
			t.Errorf("task %d did not run but reports %+v", id, e)
		}
		var te *sched.TaskError
		if (e.State == sched.Failed) != (e.Err != nil) || (e.Err != nil && (!errors.As(e.Err, &te) || te.ID != id)) {
			t.Errorf("task %d ended %v with error %v", id, e.State, e.Err)
		}
	}
	s, i := j.stats[0], j.info[0]
	if i.Tasks != len(tasks) || s.Tasks != len(tasks) || i.Workers != workers || i.Start.IsZero() || i.Graph == nil {
		t.Errorf("RunInfo %+v, RunStats.Tasks %d; want %d tasks, %d workers", i, s.Tasks, len(tasks), workers)
	}
	if s.Done != count[sched.Done] || s.Failed != count[sched.Failed] || s.Skipped != count[sched.Skipped] || s.NotRun != count[sched.NotRun] {
		t.Errorf("RunStats %+v, but TaskDone reported %v", s, count)
	}
	if s.Err != err {
		t.Errorf("RunStats.Err = %v, the run returned %v", s.Err, err)
	}
}

// diamondWithExtras: x → a, b → c, plus a culled task and a Value target.
func hookedDiamond(g *graph.Graph, fail bool) (c graph.Delayed[int], tasks []int) {
	x := graph.Value(g, "x", 1)
	a := graph.Call(g, "a", twice, x)
	b := graph.CallCtx(g, "b", func(_ context.Context, v int) (int, error) {
		if fail {
			return 0, errDisk
		}
		return v + 1, nil
	}, x)
	graph.Call(g, "culled", twice, a)
	c = graph.Call2(g, "c", addInts, a, b)
	return c, []int{a.ID(), b.ID(), c.ID()}
}

func TestHooksSuccess(t *testing.T) {
	for _, w := range workerCounts {
		var g graph.Graph
		c, tasks := hookedDiamond(&g, false)
		j := newJournal()
		v, err := sched.Compute(context.Background(), c, sched.Workers(w), sched.WithHooks(j.hooks()))
		if v != 4 || err != nil {
			t.Fatal(v, err)
		}
		want := map[int]sched.State{}
		for _, id := range tasks {
			want[id] = sched.Done
		}
		j.check(t, tasks, w, want, nil)
		if j.info[0].Graph != &g {
			t.Errorf("RunInfo.Graph is not the graph run")
		}
		if s := j.stats[0]; s.PeakLive < 1 || s.PeakLive > 3 {
			t.Errorf("PeakLive = %d for three tasks", s.PeakLive)
		}
	}
}

func TestHooksFailFast(t *testing.T) {
	for _, w := range workerCounts {
		var g graph.Graph
		c, tasks := hookedDiamond(&g, true)
		j := newJournal()
		_, err := sched.Compute(context.Background(), c, sched.Workers(w), sched.WithHooks(j.hooks()))
		if !errors.Is(err, errDisk) {
			t.Fatal(err)
		}
		// b failed, c never started; a may or may not have run.
		j.check(t, tasks, w, map[int]sched.State{tasks[1]: sched.Failed, tasks[2]: sched.NotRun}, err)
	}
}

func TestHooksKeepGoing(t *testing.T) {
	for _, w := range workerCounts {
		var g graph.Graph
		c, tasks := hookedDiamond(&g, true)
		j := newJournal()
		_, err := sched.Compute(context.Background(), c, sched.Workers(w), sched.KeepGoing(), sched.WithHooks(j.hooks()))
		if !errors.Is(err, errDisk) {
			t.Fatal(err)
		}
		j.check(t, tasks, w, map[int]sched.State{tasks[0]: sched.Done, tasks[1]: sched.Failed, tasks[2]: sched.Skipped}, err)
	}
}

func TestHooksPanic(t *testing.T) {
	for _, w := range workerCounts {
		var g graph.Graph
		x := graph.Value(&g, "x", 1)
		p := graph.Call(&g, "p", explodingSquare, x)
		q := graph.Call(&g, "q", twice, p)
		j := newJournal()
		_, err := sched.Compute(context.Background(), q, sched.Workers(w), sched.WithHooks(j.hooks()))
		j.check(t, []int{p.ID(), q.ID()}, w, map[int]sched.State{p.ID(): sched.Failed, q.ID(): sched.NotRun}, err)
		var pe *sched.PanicError
		if !errors.As(j.dones[p.ID()][0].Err, &pe) {
			t.Errorf("TaskDone of a panicking task has error %v", j.dones[p.ID()][0].Err)
		}
	}
}

// Cancelled while tasks block: every task is still reported once.
func TestHooksCancelled(t *testing.T) {
	for _, w := range workerCounts {
		guard := hangGuard(t)
		started := make(chan int, 16)
		join, _ := blockingFan(8, started)
		g := join.Graph()
		tasks := []int{}
		for id := range g.Len() {
			if g.Kind(id) == graph.KindTask {
				tasks = append(tasks, id)
			}
		}
		ctx, cancel := context.WithCancel(guard)
		j := newJournal()
		done := make(chan error, 1)
		go func() {
			_, err := sched.Compute(ctx, join, sched.Workers(w), sched.WithHooks(j.hooks()))
			done <- err
		}()
		<-started
		cancel()
		err := <-done
		notHung(t, guard)
		if !errors.Is(err, sched.ErrCancelled) {
			t.Errorf("workers=%d: %v", w, err)
		}
		want := map[int]sched.State{join.ID(): sched.NotRun}
		for _, id := range tasks[:len(tasks)-1] { // blocked ones failed with ctx.Err(), the others never started
			if st := j.dones[id]; len(st) == 1 && st[0].State != sched.NotRun {
				want[id] = sched.Failed
			}
		}
		j.check(t, tasks, w, want, err)
	}
}

// Value leaves are not tasks: a run of Values alone calls RunStart and
// RunDone, and no task hook.
func TestHooksValuesOnly(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	y := graph.Value(&g, "y", 2)
	j := newJournal()
	vs, err := sched.ComputeAll(context.Background(), []graph.Delayed[int]{x, y}, sched.WithHooks(j.hooks()))
	if err != nil || fmt.Sprint(vs) != "[1 2]" {
		t.Fatal(vs, err)
	}
	j.check(t, nil, runtime.GOMAXPROCS(0), nil, nil)
}

// Several hooks all hear everything; nil fields are fine; a Scheduler's
// Hooks and WithHooks add up.
func TestSeveralHooks(t *testing.T) {
	var g graph.Graph
	c, tasks := hookedDiamond(&g, false)
	j1, j2 := newJournal(), newJournal()
	var doneOnly int
	s := &sched.Scheduler{Workers: 2, Hooks: []sched.Hooks{j1.hooks(), {RunDone: func(sched.RunStats) { doneOnly++ }}}}
	if _, err := sched.Compute(context.Background(), c, s, sched.WithHooks(j2.hooks())); err != nil {
		t.Fatal(err)
	}
	all := map[int]sched.State{tasks[0]: sched.Done, tasks[1]: sched.Done, tasks[2]: sched.Done}
	j1.check(t, tasks, 2, all, nil)
	j2.check(t, tasks, 2, all, nil)
	if doneOnly != 1 {
		t.Errorf("a hook with only RunDone was called %d times", doneOnly)
	}
	if len(s.Hooks) != 2 {
		t.Errorf("WithHooks changed the Scheduler passed as an option: %d hooks", len(s.Hooks))
	}
}

func TestStateString(t *testing.T) {
	for st, want := range map[sched.State]string{sched.NotRun: "not run", sched.Done: "done", sched.Failed: "failed", sched.Skipped: "skipped"} {
		if st.String() != want {
			t.Errorf("%d.String() = %q, want %q", st, st.String(), want)
		}
	}
}
