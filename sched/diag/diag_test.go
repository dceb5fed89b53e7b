package diag_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/graph/dot"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
)

var workerCounts = []int{1, 2, 8}

// needed lists the tasks a run of target needs: the nodes it depends on,
// itself included, that are not constants.
func needed(target graph.Node) []int {
	g := target.Graph()
	seen := map[int]bool{}
	var out []int
	var visit func(int)
	visit = func(id int) {
		if seen[id] {
			return
		}
		seen[id] = true
		for _, d := range g.Deps(id) {
			visit(int(d))
		}
		if g.Kind(id) == graph.KindTask {
			out = append(out, id)
		}
	}
	visit(target.ID())
	slices.Sort(out)
	return out
}

// tally counts hook calls per task, for comparing with what the
// diagnostics made of the same run.
type tally struct {
	mu    sync.Mutex
	done  map[int]int
	stats sched.RunStats
	runs  int
}

func (c *tally) hooks() sched.Hooks {
	c.done = map[int]int{}
	return sched.Hooks{
		TaskDone: func(ev sched.TaskEvent) { c.mu.Lock(); c.done[ev.ID]++; c.mu.Unlock() },
		RunDone:  func(st sched.RunStats) { c.stats = st; c.runs++ },
	}
}

// observed is one run with every diagnostic of the package attached.
type observed struct {
	prof     *diag.Profiler
	rec      *dot.Recorder
	progress *bytes.Buffer
	log      *bytes.Buffer
	tally    *tally
	err      error
}

func observe(ctx context.Context, d graph.Delayed[int], opts ...sched.Option) *observed {
	o := &observed{
		prof: diag.NewProfiler(diag.SampleEvery(100 * time.Microsecond)), rec: new(dot.Recorder),
		progress: new(bytes.Buffer), log: new(bytes.Buffer), tally: new(tally),
	}
	logger := slog.New(slog.NewJSONHandler(o.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	hooks := diag.Combine(
		o.prof.Hooks(), diag.Dot(o.rec), o.tally.hooks(), diag.Log(logger),
		diag.Progress(o.progress, diag.ProgressOptions{Force: true, Redraw: 1}),
	)
	_, o.err = sched.Compute(ctx, d, append(opts, sched.WithHooks(hooks))...)
	return o
}

// check verifies that every diagnostic saw each task of the run once and
// agrees with the scheduler's own counts.
func (o *observed) check(t *testing.T, target graph.Node, workers int) diag.Profile {
	t.Helper()
	tasks := needed(target)
	if o.tally.runs != 1 {
		t.Fatalf("RunDone called %d times", o.tally.runs)
	}
	st := o.tally.stats
	for _, id := range tasks {
		if n := o.tally.done[id]; n != 1 {
			t.Errorf("task %d: TaskDone called %d times", id, n)
		}
	}
	pr, err := o.prof.Profile()
	if err != nil {
		t.Fatal(err)
	}
	if pr.Tasks != len(tasks) || pr.Done != st.Done || pr.Failed != st.Failed || pr.Skipped != st.Skipped || pr.NotRun != st.NotRun || pr.Spawned != 0 {
		t.Errorf("profile counts %+v; the run: %d tasks, %+v", pr, len(tasks), st)
	}
	if pr.Workers != workers || len(pr.PerWorker) != workers || !errors.Is(pr.Err, o.err) {
		t.Errorf("profile: %d workers (%d rows), error %v; want %d, %v", pr.Workers, len(pr.PerWorker), pr.Err, workers, o.err)
	}
	recs := o.prof.Records()
	if !sortedRecords(recs) {
		t.Error("records are not in start order, those that ran first")
	}
	var ids []int
	ran := 0
	for _, r := range recs {
		ids = append(ids, r.ID)
		switch r.State {
		case sched.Done, sched.Failed:
			ran++
			if r.Worker < 0 || r.Worker >= workers || r.End.Before(r.Start) || r.Start.Before(pr.Start) {
				t.Errorf("record %+v: worker or times out of range", r)
			}
		default:
			if r.Worker != -1 || !r.Start.IsZero() {
				t.Errorf("record %+v did not run but has a worker or a start", r)
			}
		}
		if (r.State == sched.Failed) != (r.Err != nil) {
			t.Errorf("record %+v: state and error disagree", r)
		}
		if r.Key != target.Graph().Key(r.ID) {
			t.Errorf("record %+v: key %q, want %q", r, r.Key, target.Graph().Key(r.ID))
		}
		s, ok := o.rec.Stats(r.ID)
		if ds, ok2 := o.prof.DotStats(r.ID); !ok || !ok2 || s != ds || string(s.State) != r.State.String() {
			t.Errorf("task %d: recorder has %+v, %v; profiler %+v, %v; record %+v", r.ID, s, ok, ds, ok2, r)
		}
	}
	slices.Sort(ids)
	if !slices.Equal(ids, tasks) {
		t.Errorf("records cover tasks %v, want %v", ids, tasks)
	}
	perWorker := 0
	for _, w := range pr.PerWorker {
		perWorker += w.Tasks
		// An invariant, not a timing threshold: a worker's busy time is
		// a union of intervals inside the run.
		if w.Busy < 0 || w.Busy > pr.Wall {
			t.Errorf("worker busy %v in a run of %v", w.Busy, pr.Wall)
		}
	}
	if perWorker != ran {
		t.Errorf("workers ran %d tasks, records say %d", perWorker, ran)
	}
	if got := strings.Count(o.log.String(), `"msg":"task `); got != len(tasks)+ran {
		t.Errorf("log has %d task lines, want %d (a done line per task and a start line per task that ran)", got, len(tasks)+ran)
	}
	if got, want := lastBar(o.progress.String()), fmt.Sprintf("%d/%d", len(tasks), len(tasks)); !strings.Contains(got, "100%") || !strings.Contains(got, want) {
		t.Errorf("the progress bar ends with %q; want 100%% and %s", got, want)
	}
	return pr
}

// lastBar is what a terminal would show last: the text after the final
// carriage return.
func lastBar(out string) string {
	out = strings.TrimRight(out, "\n")
	return strings.TrimSpace(out[strings.LastIndexByte(out, '\r')+1:])
}

func TestEveryTaskOnce(t *testing.T) {
	for _, w := range workerCounts {
		t.Run(fmt.Sprintf("workers=%d", w), func(t *testing.T) {
			d := wide(1000)
			o := observe(context.Background(), d, sched.Workers(w))
			if o.err != nil {
				t.Fatal(o.err)
			}
			pr := o.check(t, d, w)
			if pr.Done != 1001 {
				t.Errorf("%d tasks done, want 1001", pr.Done)
			}
			// The critical path of a fan-in is one of its tasks and the join.
			if len(pr.CriticalPath) != 2 || pr.CriticalPath[1].ID != d.ID() {
				t.Errorf("critical path %v", pr.CriticalPath)
			}
		})
	}
}

func TestEveryTaskOnceFailFast(t *testing.T) {
	for _, w := range workerCounts {
		t.Run(fmt.Sprintf("workers=%d", w), func(t *testing.T) {
			d := failing(300, 150)
			o := observe(context.Background(), d, sched.Workers(w))
			if !errors.Is(o.err, errBoom) {
				t.Fatalf("error %v, want %v", o.err, errBoom)
			}
			pr := o.check(t, d, w)
			if pr.Failed != 1 || pr.Done+pr.Failed+pr.Skipped+pr.NotRun != 601 {
				t.Errorf("profile %+v", pr)
			}
		})
	}
}

func TestEveryTaskOnceKeepGoing(t *testing.T) {
	for _, w := range workerCounts {
		t.Run(fmt.Sprintf("workers=%d", w), func(t *testing.T) {
			d := failing(300, 150)
			o := observe(context.Background(), d, sched.Workers(w), sched.KeepGoing())
			if !errors.Is(o.err, errBoom) {
				t.Fatalf("error %v, want %v", o.err, errBoom)
			}
			pr := o.check(t, d, w)
			// The failed load's reader and the join are skipped.
			if pr.Done != 598 || pr.Failed != 1 || pr.Skipped != 2 || pr.NotRun != 0 {
				t.Errorf("profile %+v", pr)
			}
		})
	}
}

func TestEveryTaskOnceCancelled(t *testing.T) {
	for _, w := range workerCounts {
		t.Run(fmt.Sprintf("workers=%d", w), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			d := cancelling(500, 100, cancel)
			o := observe(ctx, d, sched.Workers(w))
			if !errors.Is(o.err, context.Canceled) {
				t.Fatalf("error %v, want context.Canceled", o.err)
			}
			pr := o.check(t, d, w)
			if pr.NotRun == 0 {
				t.Errorf("profile %+v: the join at least cannot have run", pr)
			}
		})
	}
}

// A chain's critical path is the whole chain, in order, and its time is
// the sum of the tasks' durations.
func TestCriticalPathOfChain(t *testing.T) {
	d := chain(50)
	p := diag.NewProfiler(diag.SampleEvery(0))
	if _, err := sched.Compute(context.Background(), d, sched.Workers(2), sched.WithHooks(p.Hooks())); err != nil {
		t.Fatal(err)
	}
	pr, _ := p.Profile()
	if len(pr.CriticalPath) != 50 {
		t.Fatalf("critical path of %d tasks, want 50", len(pr.CriticalPath))
	}
	var sum time.Duration
	for k, r := range pr.CriticalPath {
		if r.ID != k+1 {
			t.Errorf("critical path step %d is task %d, want %d", k, r.ID, k+1)
		}
		sum += r.Duration()
	}
	if sum != pr.CriticalTime {
		t.Errorf("critical time %v, the path's durations add up to %v", pr.CriticalTime, sum)
	}
}

// The critical path follows the heavier branch of a diamond, by the
// recorded durations (replayed with a fixed clock).
func TestCriticalPathFollowsHeavierBranch(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	a := graph.Call(&g, "a", inc, x)
	b := graph.Call(&g, "b", inc, a)
	c := graph.Call(&g, "c", inc, a)
	e := graph.Call2(&g, "e", add, b, c)
	for _, slow := range []int{b.ID(), c.ID()} {
		p := diag.NewProfiler(diag.SampleEvery(0))
		h := p.Hooks()
		t0 := time.Unix(0, 0)
		h.RunStart(sched.RunInfo{Graph: &g, Tasks: 4, Workers: 2, Start: t0})
		at := time.Duration(0)
		for _, id := range []int{a.ID(), b.ID(), c.ID(), e.ID()} {
			dur := time.Millisecond
			if id == slow {
				dur = 5 * time.Millisecond
			}
			h.TaskDone(sched.TaskEvent{Graph: &g, ID: id, Name: g.Name(id), Start: t0.Add(at), Duration: dur, State: sched.Done})
			at += dur
		}
		h.RunDone(sched.RunStats{Tasks: 4, Done: 4, Elapsed: at})
		pr, _ := p.Profile()
		var path []int
		for _, r := range pr.CriticalPath {
			path = append(path, r.ID)
		}
		if want := []int{a.ID(), slow, e.ID()}; !slices.Equal(path, want) || pr.CriticalTime != 7*time.Millisecond {
			t.Errorf("critical path %v (%v), want %v (7ms)", path, pr.CriticalTime, want)
		}
	}
}

// sortedRecords tells whether the tasks that ran come first, by start,
// and the others after them, by ID.
func sortedRecords(recs []diag.Record) bool {
	ran := func(r diag.Record) bool { return r.State == sched.Done || r.State == sched.Failed }
	for k := 1; k < len(recs); k++ {
		a, b := recs[k-1], recs[k]
		switch {
		case ran(a) && ran(b) && b.Start.Before(a.Start),
			!ran(a) && ran(b),
			!ran(a) && !ran(b) && b.ID < a.ID:
			return false
		}
	}
	return true
}
