package diag_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
)

// spin keeps a worker busy for about d, so that pictures have bars to
// show; nothing checks how long it took.
func spin(d time.Duration) {
	for t := time.Now(); time.Since(t) < d; {
	}
}

// profiled is a small run of two stages and a join, with a failure.
func profiled(t *testing.T, workers int) (*diag.Profiler, graph.Delayed[int]) {
	t.Helper()
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	var parts []graph.Delayed[int]
	for i := range 40 {
		load := graph.CallCtx(&g, "load", func(_ context.Context, x int) (int, error) {
			spin(50 * time.Microsecond)
			if i == 7 {
				return 0, errBoom
			}
			return x, nil
		}, x)
		parts = append(parts, graph.Call(&g, "square", func(x int) int { spin(100 * time.Microsecond); return x * x }, load))
	}
	d := graph.CallSlice(&g, "sum", sumAll, parts)
	p := diag.NewProfiler(diag.SampleEvery(time.Millisecond))
	_, err := sched.Compute(context.Background(), d, sched.Workers(workers), sched.KeepGoing(), sched.WithHooks(p.Hooks()))
	if !errors.Is(err, errBoom) {
		t.Fatalf("error %v, want %v", err, errBoom)
	}
	return p, d
}

type traceDoc struct {
	TraceEvents []struct {
		Name string         `json:"name"`
		Ph   string         `json:"ph"`
		Ts   float64        `json:"ts"`
		Dur  float64        `json:"dur"`
		Pid  int            `json:"pid"`
		Tid  int            `json:"tid"`
		Args map[string]any `json:"args"`
	} `json:"traceEvents"`
}

func TestTraceHasOneEventPerTaskThatRan(t *testing.T) {
	for _, w := range workerCounts {
		p, _ := profiled(t, w)
		var buf bytes.Buffer
		if err := p.WriteTrace(&buf); err != nil {
			t.Fatal(err)
		}
		var doc traceDoc
		if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatalf("the trace does not parse: %v", err)
		}
		pr, _ := p.Profile()
		seen := map[float64]int{}
		failed := 0
		for _, ev := range doc.TraceEvents {
			if ev.Pid != 1 {
				t.Errorf("event %+v: pid %d, want 1", ev, ev.Pid)
			}
			if ev.Ph != "X" {
				continue
			}
			seen[ev.Args["id"].(float64)]++
			if ev.Tid < 0 || ev.Tid >= w || ev.Ts < 0 || ev.Dur < 0 {
				t.Errorf("event %+v: worker or times out of range", ev)
			}
			if ev.Args["state"] == "failed" {
				failed++
				if !strings.Contains(ev.Args["error"].(string), "boom") {
					t.Errorf("failed task's event %+v does not carry the error", ev)
				}
			}
		}
		if len(seen) != pr.Done+pr.Failed || failed != pr.Failed {
			t.Errorf("workers=%d: %d tasks in the trace (%d failed); the run had %d done, %d failed", w, len(seen), failed, pr.Done, pr.Failed)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("task %v has %d complete events", id, n)
			}
		}
	}
}

func TestSummaryCountsMatchGraph(t *testing.T) {
	p, d := profiled(t, 2)
	var buf bytes.Buffer
	if err := p.Summary(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	// 40 loads, 40 squares and the join; one load fails, so its square
	// and the join are skipped.
	if n := len(needed(d)); n != 81 {
		t.Fatalf("the graph has %d tasks, want 81", n)
	}
	for _, want := range []string{
		`(?m)^tasks +81: 78 done, 1 failed, 2 skipped, 0 not run$`,
		`(?m)^workers +2$`,
		`(?m)^load +40 +1 `,
		`(?m)^square +40 +0 `,
		`(?m)^sum +1 +0 `,
		`(?m)^error +task load#\d+: boom`, // the first line of the run's error
	} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("summary does not match %s:\n%s", want, out)
		}
	}
}

func TestProfileJSON(t *testing.T) {
	p, _ := profiled(t, 2)
	var buf bytes.Buffer
	if err := p.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tasks, Done, Failed, Skipped int
		Records                      []struct {
			ID      int
			State   string
			StartUs *float64 `json:"start_us"`
		}
		Samples []struct {
			Goroutines int
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tasks != 81 || len(doc.Records) != 81 || doc.Done != 78 || doc.Failed != 1 || doc.Skipped != 2 {
		t.Errorf("profile: %d tasks, %d records, %d done, %d failed, %d skipped", doc.Tasks, len(doc.Records), doc.Done, doc.Failed, doc.Skipped)
	}
	for _, r := range doc.Records {
		if (r.StartUs != nil) != (r.State == "done" || r.State == "failed") {
			t.Errorf("record %+v", r)
		}
	}
	// One sample when the run starts and one when it ends, at least.
	if len(doc.Samples) < 2 || doc.Samples[0].Goroutines == 0 {
		t.Errorf("samples %+v", doc.Samples)
	}
}

func TestNoRunNoOutput(t *testing.T) {
	p := diag.NewProfiler()
	var buf bytes.Buffer
	for name, err := range map[string]error{
		"Summary": p.Summary(&buf), "WriteTrace": p.WriteTrace(&buf),
		"WriteJSON": p.WriteJSON(&buf),
	} {
		if !errors.Is(err, diag.ErrNoRun) {
			t.Errorf("%s before a run: %v, want ErrNoRun", name, err)
		}
	}
	if _, err := p.Profile(); !errors.Is(err, diag.ErrNoRun) || p.Records() != nil || p.Slowest(3) != nil {
		t.Errorf("results before a run")
	}
}

// A session writes what its options name, to paths, as the CLI asks.
func TestSessionWritesFiles(t *testing.T) {
	dir := t.TempDir()
	var summary, progress bytes.Buffer
	picture := diag.Output{Path: filepath.Join(dir, "run.txt"), Write: func(w io.Writer, p *diag.Profiler, runErr error) error {
		pr, err := p.Profile()
		fmt.Fprintln(w, pr.Done, "done;", runErr)
		return err
	}}
	s, err := diag.New(diag.Options{
		ForceProgress: true, ProgressTo: &progress, Summary: &summary, Description: "wide",
		Profile: filepath.Join(dir, "prof.json"), Trace: filepath.Join(dir, "trace.json"),
		Outputs: []diag.Output{picture},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := wide(100)
	if _, err := sched.Compute(context.Background(), d, sched.WithHooks(s.Hooks())); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"prof.json", "trace.json", "run.txt"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %d bytes, %v", name, len(b), err)
		}
		if strings.HasSuffix(name, ".json") && !json.Valid(b) {
			t.Errorf("%s is not JSON", name)
		}
	}
	if b, _ := os.ReadFile(picture.Path); string(b) != "101 done; <nil>\n" {
		t.Errorf("run.txt holds %q", b)
	}
	if w := s.Written(); len(w) != 3 || w[2] != picture.Path {
		t.Errorf("Written() = %q", w)
	}
	if !strings.Contains(summary.String(), "101: 101 done") || !strings.Contains(lastBar(progress.String()), "101/101") || !strings.HasPrefix(lastBar(progress.String()), "wide") {
		t.Errorf("summary %q, progress %q", summary.String(), lastBar(progress.String()))
	}
	if s, err := diag.New(diag.Options{}); err != nil || s.Profiler() != nil || s.Close(nil) != nil {
		t.Error("an empty session made a profiler or failed to close")
	}
	if got := len(files(t, dir)); got != 3 {
		t.Errorf("%d files in the directory, want 3", got)
	}
}

// An output that cannot be created fails New, naming it, and removes the
// ones created before it.
func TestSessionUnwritable(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "no", "such", "dir.json")
	_, err := diag.New(diag.Options{Profile: filepath.Join(dir, "p.json"), Trace: bad})
	if err == nil || !strings.Contains(err.Error(), "cannot write "+bad) {
		t.Fatalf("error %v", err)
	}
	if left := files(t, dir); len(left) != 0 {
		t.Errorf("left %q", left)
	}
}

// No diagnostics file is ever left half-written: an output whose writer
// fails, a run that never began, an aborted session leave nothing.
func TestSessionLeavesNothingHalfWritten(t *testing.T) {
	dir := t.TempDir()
	boom := errors.New("boom")
	failing := diag.Output{Path: filepath.Join(dir, "half.txt"), Write: func(w io.Writer, _ *diag.Profiler, _ error) error {
		fmt.Fprint(w, "the first half")
		return boom
	}}
	s, err := diag.New(diag.Options{Profile: filepath.Join(dir, "p.json"), Outputs: []diag.Output{failing}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sched.Compute(context.Background(), wide(10), sched.WithHooks(s.Hooks())); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(nil); !errors.Is(err, boom) || !strings.Contains(err.Error(), "cannot write "+failing.Path) {
		t.Errorf("Close: %v", err)
	}
	if got := files(t, dir); len(got) != 1 || got[0] != "p.json" {
		t.Errorf("directory holds %q, want only p.json", got)
	}

	// A run that never began (no target): nothing to show, nothing left.
	dir = t.TempDir()
	s, _ = diag.New(diag.Options{Profile: filepath.Join(dir, "p.json")})
	_, err = sched.Compute(context.Background(), graph.Delayed[int]{}, sched.WithHooks(s.Hooks()))
	if err == nil || s.Close(err) != nil || len(files(t, dir)) != 0 {
		t.Errorf("run error %v; directory holds %q", err, files(t, dir))
	}
	s, _ = diag.New(diag.Options{Trace: filepath.Join(dir, "t.json")})
	s.Abort()
	if got := files(t, dir); len(got) != 0 {
		t.Errorf("Abort left %q", got)
	}
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// Without Force and on something that is not a terminal, Progress gives
// empty hooks: the run takes its hook-less path.
func TestProgressOnlyOnTerminals(t *testing.T) {
	var buf bytes.Buffer
	h := diag.Progress(&buf, diag.ProgressOptions{})
	if h.RunStart != nil || h.TaskStart != nil || h.TaskDone != nil || h.RunDone != nil {
		t.Error("Progress on a buffer returned hooks")
	}
	if diag.IsTerminal(&buf) {
		t.Error("a buffer is a terminal")
	}
}

// A run with no tasks (its target a constant) draws no bar.
func TestProgressEmptyRun(t *testing.T) {
	var g graph.Graph
	var buf bytes.Buffer
	h := diag.Progress(&buf, diag.ProgressOptions{Force: true})
	if _, err := sched.Compute(context.Background(), graph.Value(&g, "x", 1), sched.WithHooks(h)); err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Errorf("bar drawn for no tasks: %q", buf.String())
	}
}

func TestCombineKeepsUnsetCallbacksNil(t *testing.T) {
	var n int
	h := diag.Combine(sched.Hooks{}, sched.Hooks{RunDone: func(sched.RunStats) { n++ }}, sched.Hooks{RunDone: func(sched.RunStats) { n += 10 }})
	if h.RunStart != nil || h.TaskStart != nil || h.TaskDone != nil || h.RunDone == nil {
		t.Fatalf("combined hooks %+v", h)
	}
	h.RunDone(sched.RunStats{})
	if n != 11 {
		t.Errorf("RunDone callbacks added up to %d, want 11", n)
	}
}
