package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/dashboard"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
)

// TestFramesBounded: a frame's size does not grow with the number of
// tasks: a run of 10^6 tasks makes frames no larger than one of 10^3.
func TestFramesBounded(t *testing.T) {
	sizes := map[int]int{}
	for _, n := range []int{1_000, 1_000_000} {
		if testing.Short() && n > 1000 {
			t.Skip("10^6 tasks: not in -short")
		}
		d := dashboard.New(dashboard.Options{FrameEvery: time.Millisecond})
		if _, err := sched.Compute(context.Background(), fan(n, 0), sched.Workers(2), sched.WithHooks(d.Hooks())); err != nil {
			t.Fatal(err)
		}
		s := d.Snapshot()
		if s.Done != n+1 {
			t.Fatalf("%d tasks: %d done", n+1, s.Done)
		}
		for _, fr := range s.Frames {
			b, _ := json.Marshal(fr)
			sizes[n] = max(sizes[n], len(b))
		}
		if len(s.Frames) > 1024 {
			t.Errorf("%d frames kept, want at most 1024", len(s.Frames))
		}
	}
	// Two workers with at most 32 rectangles each, two stages: a few kB.
	for n, size := range sizes {
		if size > 8<<10 {
			t.Errorf("%d tasks: a frame of %d bytes", n, size)
		}
	}
	t.Logf("largest frame: %v bytes by run size", sizes)
}

// TestReplay: a replay of the profile of a run shows the same totals as
// the run's own dashboard.
func TestReplay(t *testing.T) {
	p := diag.NewProfiler()
	live := dashboard.New(dashboard.Options{Profiler: p, FrameEvery: 2 * time.Millisecond})
	if _, err := sched.Compute(context.Background(), fan(300, 50*time.Microsecond), sched.Workers(2), sched.WithHooks(live.Hooks())); err != nil {
		t.Fatal(err)
	}
	var prof bytes.Buffer
	if err := p.WriteJSON(&prof); err != nil {
		t.Fatal(err)
	}
	rep, err := dashboard.Replay(bytes.NewReader(prof.Bytes()), dashboard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	a, b := live.Snapshot(), rep.Snapshot()
	if !b.Replay || b.State != "done" {
		t.Errorf("replay: replay %v, state %s", b.Replay, b.State)
	}
	if a.Total != b.Total || a.Done != b.Done || a.Failed != b.Failed || a.Workers != b.Workers {
		t.Errorf("live %d/%d done (%d failed, %d workers), replay %d/%d (%d, %d)",
			a.Done, a.Total, a.Failed, a.Workers, b.Done, b.Total, b.Failed, b.Workers)
	}
	if fmt.Sprint(a.Stages) != fmt.Sprint(b.Stages) {
		t.Errorf("stages: live %v, replay %v", a.Stages, b.Stages)
	}
	la, lb := a.Frames[len(a.Frames)-1], b.Frames[len(b.Frames)-1]
	for k := range la.Stages {
		if la.Stages[k].Done != lb.Stages[k].Done || fmt.Sprint(la.Stages[k].Hist) != fmt.Sprint(lb.Stages[k].Hist) {
			t.Errorf("stage %d: live %+v, replay %+v", k, la.Stages[k], lb.Stages[k])
		}
	}
	if len(b.Frames) < 100 {
		t.Errorf("a replay of %d frames: too few for a scrubber", len(b.Frames))
	}
	if a.Final.CriticalMs != b.Final.CriticalMs || fmt.Sprint(a.Final.CriticalStages) != fmt.Sprint(b.Final.CriticalStages) {
		t.Errorf("critical path: live %v %v, replay %v %v", a.Final.CriticalMs, a.Final.CriticalStages, b.Final.CriticalMs, b.Final.CriticalStages)
	}
	// The replay serves the profile it was made of.
	rec := httptest.NewRecorder()
	rep.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "http://127.0.0.1/download/profile.json", nil))
	if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), prof.Bytes()) {
		t.Errorf("profile download: %d, %d bytes of %d", rec.Code, rec.Body.Len(), prof.Len())
	}
}

// TestReplayTrace: a Chrome trace of a run replays with the same totals
// when every task ran.
func TestReplayTrace(t *testing.T) {
	p := diag.NewProfiler()
	live := dashboard.New(dashboard.Options{Profiler: p})
	if _, err := sched.Compute(context.Background(), fan(50, 10*time.Microsecond), sched.Workers(2), sched.WithHooks(live.Hooks())); err != nil {
		t.Fatal(err)
	}
	var trace bytes.Buffer
	if err := p.WriteTrace(&trace); err != nil {
		t.Fatal(err)
	}
	rep, err := dashboard.Replay(&trace, dashboard.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := live.Snapshot(), rep.Snapshot()
	if a.Total != b.Total || a.Done != b.Done || a.Workers != b.Workers || fmt.Sprint(a.Stages) != fmt.Sprint(b.Stages) {
		t.Errorf("live %d/%d on %d %v, trace replay %d/%d on %d %v", a.Done, a.Total, a.Workers, a.Stages, b.Done, b.Total, b.Workers, b.Stages)
	}
	if _, err := dashboard.Replay(strings.NewReader(`{"traceEvents": []}`), dashboard.Options{}); !errors.Is(err, dashboard.ErrProfile) {
		t.Errorf("an empty trace: %v", err)
	}
}

func TestReplayRejects(t *testing.T) {
	for _, in := range []string{"", "{", `{"tasks": 1}`, `{"tasks": 1, "workers": 1, "wall_us": 1, "records": [{"state": "odd"}]}`,
		`{"tasks": 1, "workers": 1, "wall_us": 1, "records": [{"state": "done", "worker": 3}]}`} {
		if _, err := dashboard.Replay(strings.NewReader(in), dashboard.Options{}); !errors.Is(err, dashboard.ErrProfile) {
			t.Errorf("Replay(%q): %v, want ErrProfile", in, err)
		}
	}
	// What is wrong with a profile is sched/diag's to say.
	_, err := dashboard.Replay(strings.NewReader(`{"version": 99, "tasks": 1}`), dashboard.Options{})
	if !errors.Is(err, dashboard.ErrProfile) || !errors.Is(err, diag.ErrProfileVersion) {
		t.Errorf("a profile of version 99: %v, want ErrProfile and diag.ErrProfileVersion", err)
	}
	_, err = dashboard.Replay(strings.NewReader(`{"traceEvents": [{"ph": "M", "name": "thread_name", "tid": 0}, {"ph": "X", "name": "a", "tid": 0, "args": {"state": "odd"}}]}`), dashboard.Options{})
	if !errors.Is(err, dashboard.ErrProfile) || !strings.Contains(err.Error(), `task event 0 has state "odd"`) {
		t.Errorf("a trace with an odd state: %v", err)
	}
}

// TestFailures: a failing task shows with its name, stage and error; the
// state says the run failed; skipped tasks are counted.
func TestFailures(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	boom := errors.New("boom")
	parts := graph.CallN(&g, "part", 4, func(_ context.Context, k, x int) (int, error) {
		if k == 2 {
			return 0, boom
		}
		return k, nil
	}, x)
	res := graph.CallSlice(&g, "join", func(_ context.Context, xs []int) (int, error) { return len(xs), nil }, parts)
	d := dashboard.New(dashboard.Options{})
	_, err := sched.Compute(context.Background(), res, sched.Workers(1), sched.KeepGoing(), sched.WithHooks(d.Hooks()))
	if !errors.Is(err, boom) {
		t.Fatalf("Compute: %v", err)
	}
	s := d.Snapshot()
	if s.State != "failed" || s.Failed != 1 || s.Done != 3 || s.Skipped != 1 {
		t.Errorf("state %s, %d failed, %d done, %d skipped", s.State, s.Failed, s.Done, s.Skipped)
	}
	if len(s.Failures) != 1 || s.Failures[0].Stage != "part" || !strings.Contains(s.Failures[0].Error, "boom") || s.Failures[0].Worker != 0 {
		t.Errorf("failures %+v", s.Failures)
	}
	if s.Final == nil || !strings.Contains(s.Final.Error, "boom") {
		t.Errorf("final %+v", s.Final)
	}
}

// TestSpawned: tasks of a graph that a task computes show in a stage of
// their own, outside the run's counts.
func TestSpawned(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 3)
	res := graph.CallCtx(&g, "outer", func(ctx context.Context, n int) (int, error) {
		var sub graph.Graph
		y := graph.Value(&sub, "y", n)
		return sched.Compute(ctx, graph.Call(&sub, "inner", func(v int) int { return v * 2 }, y))
	}, x)
	d := dashboard.New(dashboard.Options{})
	if v, err := sched.Compute(context.Background(), res, sched.Workers(2), sched.WithHooks(d.Hooks())); err != nil || v != 6 {
		t.Fatalf("Compute = %d, %v", v, err)
	}
	s := d.Snapshot()
	if s.Total != 1 || s.Done != 1 {
		t.Errorf("%d of %d done, want 1 of 1", s.Done, s.Total)
	}
	var spawned *dashboard.Stage
	for k := range s.Stages {
		if s.Stages[k].Name == "inner" {
			spawned = &s.Stages[k]
		}
	}
	if spawned == nil || !spawned.Spawned || spawned.Total != -1 {
		t.Fatalf("stages %+v: want a spawned stage inner", s.Stages)
	}
}

// TestManyStages: a graph whose every task has its own name is shown
// with a bounded number of stages, the rest under one.
func TestManyStages(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	var parts []graph.Delayed[int]
	for k := range 100 {
		parts = append(parts, graph.Call(&g, fmt.Sprintf("t%03d", k), func(v int) int { return v }, x))
	}
	res := graph.CallSlice(&g, "join", func(_ context.Context, xs []int) (int, error) { return len(xs), nil }, parts)
	d := dashboard.New(dashboard.Options{Targets: []graph.Node{res}})
	if _, err := sched.Compute(context.Background(), res, sched.WithHooks(d.Hooks())); err != nil {
		t.Fatal(err)
	}
	s := d.Snapshot()
	if len(s.Stages) != 64 || s.Stages[63].Name != "(other stages)" {
		t.Fatalf("%d stages, last %q", len(s.Stages), s.Stages[len(s.Stages)-1].Name)
	}
	total, done := 0, 0
	for k, st := range s.Stages {
		total += st.Total
		done += s.Frames[len(s.Frames)-1].Stages[k].Done
	}
	if total != 101 || done != 101 {
		t.Errorf("stages hold %d tasks, %d done; want 101", total, done)
	}
}

// TestTargets: with targets, stage totals count only what the run needs.
func TestTargets(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	a := graph.Call(&g, "a", func(v int) int { return v }, x)
	graph.Call(&g, "unused", func(v int) int { return v }, x)
	for _, o := range []dashboard.Options{{Targets: []graph.Node{a}}, {}} {
		d := dashboard.New(o)
		if _, err := sched.Compute(context.Background(), a, sched.WithHooks(d.Hooks())); err != nil {
			t.Fatal(err)
		}
		s := d.Snapshot()
		want := "[{a 1 false} {unused 0 false}]"
		if o.Targets == nil {
			want = "[{a -1 false} {unused -1 false}]" // 2 tasks in the graph, 1 in the run: unknown
		}
		if fmt.Sprint(s.Stages) != want || s.Total != 1 || s.Done != 1 {
			t.Errorf("targets %v: stages %v (want %s), %d of %d", o.Targets != nil, s.Stages, want, s.Done, s.Total)
		}
	}
}

// TestReport: one self-contained file: no reference to anything outside
// it, the run's data inside.
func TestReport(t *testing.T) {
	d := dashboard.New(dashboard.Options{Title: "fan", FrameEvery: time.Millisecond})
	if _, err := sched.Compute(context.Background(), fan(2000, 0), sched.WithHooks(d.Hooks())); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := d.WriteReport(&buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, bad := range []string{`src="`, `href="app.css"`, `href="uPlot`, "http://", "https://"} {
		if strings.Contains(html, bad) && bad != "http://" && bad != "https://" {
			t.Errorf("the report refers to %s", bad)
		}
	}
	if !strings.Contains(html, `<script id="tg-data" type="application/json">{"title":"fan"`) || !strings.Contains(html, "uPlot") {
		t.Error("the report lacks its data or its chart library")
	}
	if buf.Len() > 1<<20 {
		t.Errorf("report of %d bytes", buf.Len())
	}
}

// TestDownloads: with a profiler, the finished run offers its profile,
// trace, Gantt chart, DOT picture and report.
func TestDownloads(t *testing.T) {
	res := fan(20, 0)
	d := dashboard.New(dashboard.Options{Profiler: diag.NewProfiler(), Targets: []graph.Node{res}})
	if _, err := sched.Compute(context.Background(), res, sched.WithHooks(d.Hooks())); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	fin := d.Snapshot().Final
	if len(fin.Downloads) != 5 {
		t.Fatalf("downloads %v", fin.Downloads)
	}
	want := map[string]string{"profile.json": `"records"`, "trace.json": `"traceEvents"`, "gantt.svg": "<svg", "graph.dot": "digraph", "report.html": "<!doctype html>"}
	for _, dl := range fin.Downloads {
		resp, err := http.Get(srv.URL + dl.Path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		file := dl.Path[strings.LastIndexByte(dl.Path, '/')+1:]
		if resp.StatusCode != 200 || !strings.Contains(string(b), want[file]) {
			t.Errorf("%s: %d, %.80q", dl.Path, resp.StatusCode, b)
		}
	}
	if len(fin.CriticalStages) != 2 || fin.CriticalMs <= 0 {
		t.Errorf("critical path %v %v", fin.CriticalStages, fin.CriticalMs)
	}
}

// TestConcurrentClients: several streams at once, all see the run end.
func TestConcurrentClients(t *testing.T) {
	d := dashboard.New(dashboard.Options{FrameEvery: time.Millisecond})
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	var chans []<-chan []event
	for range 4 {
		chans = append(chans, stream(t, srv.URL))
	}
	if _, err := sched.Compute(context.Background(), fan(500, 10*time.Microsecond), sched.Workers(2), sched.WithHooks(d.Hooks())); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, ch := range chans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			evs := <-ch
			if evs[len(evs)-1].name != "done" {
				t.Errorf("a stream ended with %q", evs[len(evs)-1].name)
			}
		}()
	}
	wg.Wait()
}
