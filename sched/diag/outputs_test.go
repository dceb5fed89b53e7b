package diag_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image/png"
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

func TestGanttPNGDecodes(t *testing.T) {
	for _, w := range []int{2, 8} { // drawing is slow under -race: two sizes do
		p, _ := profiled(t, w)
		var buf bytes.Buffer
		if err := p.WriteGantt(&buf, "png"); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(&buf)
		if err != nil {
			t.Fatalf("the PNG does not decode: %v", err)
		}
		if b := img.Bounds(); b.Dx() < 800 || b.Dx() > 2000 || b.Dy() < 300 || b.Dy() > 2000 {
			t.Errorf("workers=%d: picture of %v", w, b)
		}
	}
}

func TestGanttSVG(t *testing.T) {
	p, _ := profiled(t, 2)
	var buf bytes.Buffer
	if err := p.WriteGantt(&buf, "svg"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "<svg") || !strings.Contains(buf.String(), "worker 1") {
		t.Errorf("not an SVG of the run: %.200s", buf.String())
	}
	if err := p.WriteGantt(&buf, "gif"); !errors.Is(err, diag.ErrFormat) {
		t.Errorf("gif: error %v, want ErrFormat", err)
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
		"WriteJSON": p.WriteJSON(&buf), "WriteGantt": p.WriteGantt(&buf, "png"),
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
	s := diag.New(diag.Options{
		ForceProgress: true, ProgressTo: &progress, Summary: &summary,
		Profile: filepath.Join(dir, "prof.json"), Trace: filepath.Join(dir, "trace.json"),
		Gantt: filepath.Join(dir, "run.svg"),
	})
	d := wide(100)
	if _, err := sched.Compute(context.Background(), d, sched.WithHooks(s.Hooks())); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"prof.json", "trace.json", "run.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %d bytes, %v", name, len(b), err)
		}
		if strings.HasSuffix(name, ".json") && !json.Valid(b) {
			t.Errorf("%s is not JSON", name)
		}
	}
	if !strings.Contains(summary.String(), "101: 101 done") || !strings.Contains(lastBar(progress.String()), "101/101") {
		t.Errorf("summary %q, progress %q", summary.String(), lastBar(progress.String()))
	}
	bad := diag.New(diag.Options{Trace: filepath.Join(dir, "no", "such", "dir.json")})
	if _, err := sched.Compute(context.Background(), d, sched.WithHooks(bad.Hooks())); err != nil {
		t.Fatal(err)
	}
	if err := bad.Close(); err == nil {
		t.Error("writing into a missing directory did not fail")
	}
	if s := diag.New(diag.Options{}); s.Profiler() != nil || s.Close() != nil {
		t.Error("an empty session made a profiler or failed to close")
	}
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
