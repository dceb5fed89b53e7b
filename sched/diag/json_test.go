package diag_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
	"github.com/seed001e6470/taskgraph/sched/diag/gantt"
)

// tb is what roundTrip needs of a *testing.T or a *rapid.T.
type tb interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Errorf(format string, args ...any)
}

// roundTrip writes p's profile, reads it back and checks that the
// Profiler it reads holds the same run: the same figures, records and
// samples, and the same bytes from every writer.
func roundTrip(t tb, p *diag.Profiler) *diag.Profiler {
	t.Helper()
	var saved bytes.Buffer
	if err := p.WriteJSON(&saved); err != nil {
		t.Fatal(err)
	}
	q, err := diag.ReadJSON(bytes.NewReader(saved.Bytes()))
	if err != nil {
		t.Fatalf("ReadJSON of WriteJSON: %v", err)
	}
	a, _ := p.Profile()
	b, err := q.Profile()
	if err != nil {
		t.Fatal(err)
	}
	if diff := profileDiff(a, b); diff != "" {
		t.Errorf("profile read back: %s", diff)
	}
	if diff := recordsDiff(p.Records(), q.Records()); diff != "" {
		t.Errorf("records read back: %s", diff)
	}
	if fmt.Sprint(p.Samples()) != fmt.Sprint(q.Samples()) {
		t.Errorf("samples: wrote %v, read %v", p.Samples(), q.Samples())
	}
	for name, write := range map[string]func(*diag.Profiler, *bytes.Buffer) error{
		"WriteJSON":   func(p *diag.Profiler, b *bytes.Buffer) error { return p.WriteJSON(b) },
		"WriteTrace":  func(p *diag.Profiler, b *bytes.Buffer) error { return p.WriteTrace(b) },
		"Summary":     func(p *diag.Profiler, b *bytes.Buffer) error { return p.Summary(b) },
		"gantt.Write": func(p *diag.Profiler, b *bytes.Buffer) error { return gantt.Write(b, p, "svg") },
	} {
		var x, y bytes.Buffer
		if err := errors.Join(write(p, &x), write(q, &y)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(x.Bytes(), y.Bytes()) {
			t.Errorf("%s of the profile read back differs:\n%s\nthe run's:\n%s", name, y.Bytes(), x.Bytes())
		}
	}
	for _, r := range p.Records() {
		if r.Spawned {
			continue
		}
		sa, oka := p.DotStats(r.ID)
		sb, okb := q.DotStats(r.ID)
		if sa != sb || oka != okb {
			t.Errorf("DotStats(%d): run %v %v, read back %v %v", r.ID, sa, oka, sb, okb)
		}
	}
	return q
}

func profileDiff(a, b diag.Profile) string {
	switch {
	case !a.Start.Equal(b.Start):
		return fmt.Sprintf("start %v, read %v", a.Start, b.Start)
	case errText(a.Err) != errText(b.Err):
		return fmt.Sprintf("error %q, read %q", errText(a.Err), errText(b.Err))
	}
	if d := recordsDiff(a.CriticalPath, b.CriticalPath); d != "" {
		return "critical path: " + d
	}
	a.Start, b.Start, a.Err, b.Err, a.CriticalPath, b.CriticalPath = time.Time{}, time.Time{}, nil, nil, nil, nil
	if fmt.Sprintf("%+v", a) != fmt.Sprintf("%+v", b) {
		return fmt.Sprintf("\n %+v, read\n %+v", a, b)
	}
	return ""
}

func recordsDiff(a, b []diag.Record) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d records, read %d", len(a), len(b))
	}
	for k := range a {
		x, y := a[k], b[k]
		if !x.Start.Equal(y.Start) || !x.End.Equal(y.End) || errText(x.Err) != errText(y.Err) {
			return fmt.Sprintf("record %d: %+v, read %+v", k, x, y)
		}
		x.Start, y.Start, x.End, y.End, x.Err, y.Err = time.Time{}, time.Time{}, time.Time{}, time.Time{}, nil, nil
		if x != y {
			return fmt.Sprintf("record %d: %+v, read %+v", k, a[k], b[k])
		}
	}
	return ""
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// A run with a failure, skipped tasks and resource samples reads back
// whole.
func TestReadJSONRoundTrip(t *testing.T) {
	for _, w := range workerCounts {
		t.Run(fmt.Sprintf("workers=%d", w), func(t *testing.T) {
			p, _ := profiled(t, w)
			roundTrip(t, p)
		})
	}
}

// Spawned tasks keep their parents' path, and stay out of the critical
// path, when read back.
func TestReadJSONSpawned(t *testing.T) {
	q := roundTrip(t, spawningRun(t))
	if pr, _ := q.Profile(); pr.Spawned == 0 || len(pr.CriticalPath) != 2 {
		t.Errorf("read back: %d spawned, critical path %v", pr.Spawned, pr.CriticalPath)
	}
}

// spawningRun is a profiled run on 2 workers whose tasks spawn graphs.
func spawningRun(t *testing.T) *diag.Profiler {
	var g graph.Graph
	d := graph.Call(&g, "inc", inc, graph.CallCtx(&g, "sum", sumSpawn, graph.Value(&g, "xs", make([]int, 256))))
	p := diag.NewProfiler(diag.SampleEvery(0))
	if _, err := sched.Compute(context.Background(), d, sched.Workers(2), sched.WithHooks(p.Hooks())); err != nil {
		t.Fatal(err)
	}
	return p
}

// A made-up run of any shape, with times to the nanosecond, reads back
// exactly: nothing is lost in the microseconds of the format.
func TestReadJSONProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) { roundTrip(t, madeUpRun(t)) })
}

// madeUpRun is a Profiler that observed a run of any shape: tasks in
// every state, on any worker, at any nanosecond, some remote.
func madeUpRun(t *rapid.T) *diag.Profiler {
	n := rapid.IntRange(1, 30).Draw(t, "tasks")
	workers := rapid.IntRange(1, 4).Draw(t, "workers")
	var g graph.Graph
	parts := make([]graph.Delayed[int], n)
	for k := range parts {
		parts[k] = graph.Source(&g, "load", func(context.Context) (int, error) { return k, nil })
	}
	sum := graph.CallSlice(&g, "sum", sumAll, parts)
	t0 := time.Date(2026, 1, 1, 12, 0, 0, rapid.IntRange(0, 999_999_999).Draw(t, "ns"), time.UTC)
	p := diag.NewProfiler(diag.SampleEvery(0))
	h := p.Hooks()
	h.RunStart(sched.RunInfo{Graph: &g, Tasks: n + 1, Workers: workers, Start: t0})
	var end time.Duration
	for id := range n + 1 {
		st := sched.State(rapid.IntRange(0, 3).Draw(t, "state"))
		ev := sched.TaskEvent{Graph: &g, ID: id, Name: g.Name(id), Worker: -1, State: st}
		if st == sched.Done || st == sched.Failed {
			start := time.Duration(rapid.Int64Range(0, int64(time.Hour)).Draw(t, "start"))
			ev.Worker = rapid.IntRange(0, workers-1).Draw(t, "worker")
			ev.Start, ev.Duration = t0.Add(start), time.Duration(rapid.Int64Range(0, int64(time.Minute)).Draw(t, "dur"))
			ev.Where = rapid.SampledFrom([]string{"", "host-b/4242"}).Draw(t, "where")
			end = max(end, start+ev.Duration)
		}
		if st == sched.Failed {
			ev.Err = fmt.Errorf("task %d: \"boom\"\n\tat line 2", id)
		}
		h.TaskDone(ev)
	}
	_ = sum
	h.RunDone(sched.RunStats{Tasks: n + 1, Elapsed: end + time.Duration(rapid.Int64Range(0, 1e6).Draw(t, "tail")), PeakLive: n})
	return p
}

// Files written before the format had a version read as version 1.
func TestReadJSONWithoutVersion(t *testing.T) {
	p := diag.NewProfiler(diag.SampleEvery(0))
	replay(p)
	var buf bytes.Buffer
	if err := p.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	old := strings.Replace(buf.String(), fmt.Sprintf(`"version": %d,`, diag.ProfileVersion), "", 1)
	if old == buf.String() {
		t.Fatalf("no version in\n%s", old)
	}
	q, err := diag.ReadJSON(strings.NewReader(old))
	if err != nil {
		t.Fatal(err)
	}
	if diff := recordsDiff(p.Records(), q.Records()); diff != "" {
		t.Error(diff)
	}
}

// A profile read back is a Profiler like another: a run its hooks
// observe replaces the saved one.
func TestReadJSONThenRun(t *testing.T) {
	p := diag.NewProfiler(diag.SampleEvery(0))
	replay(p)
	var buf bytes.Buffer
	_ = p.WriteJSON(&buf)
	q, err := diag.ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sched.Compute(context.Background(), chain(3), sched.Workers(1), sched.WithHooks(q.Hooks())); err != nil {
		t.Fatal(err)
	}
	if pr, _ := q.Profile(); pr.Tasks != 3 || pr.Workers != 1 || len(q.Records()) != 3 {
		t.Errorf("after a run: %d tasks on %d workers, %d records", pr.Tasks, pr.Workers, len(q.Records()))
	}
}

// valid is a small profile of the format, for the cases below to spoil.
const valid = `{"version": 1, "start": "2026-01-01T12:00:00Z", "wall_us": 10, "workers": 1, "tasks": 2,
 "per_worker": [{"worker": 0, "tasks": 1, "busy_us": 5}],
 "critical_path": {"us": 5, "tasks": ["a#0"]},
 "records": [{"id": 0, "key": "a#0", "name": "a", "worker": 0, "state": "done", "start_us": 0, "end_us": 5},
  {"id": 1, "key": "b#1", "name": "b", "worker": -1, "state": "skipped"}],
 "samples": [{"at_us": 0, "heap_bytes": 1024, "goroutines": 3, "cpu_us": 0}]}`

func TestReadJSONRejects(t *testing.T) {
	if _, err := diag.ReadJSON(strings.NewReader(valid)); err != nil {
		t.Fatalf("the valid profile: %v", err)
	}
	spoil := spoiler(t, valid)
	for _, c := range []struct{ in, why string }{
		{"", "unexpected end of JSON input"},
		{"{", "unexpected end"},
		{"[1, 2]", "the document is a JSON array, not an object"},
		{spoil(`"records": [`, `"records": 3, "x": [`), "records is a JSON number where an array belongs"},
		{spoil(`"heap_bytes": 1024`, `"heap_bytes": -1`), "samples.heap_bytes is a JSON number -1 where a whole number from 0 belongs"},
		{spoil(`"state": "done"`, `"state": 1`), "records.state is a JSON number where a string belongs"},
		{valid + "{}", "after top-level value"},
		{`{"traceEvents": []}`, "start"},
		{spoil(`"start": "2026-01-01T12:00:00Z"`, `"start": "noon"`), `start "noon"`},
		{spoil(`"wall_us": 10,`, ""), "wall_us is missing"},
		{spoil(`"wall_us": 10`, `"wall_us": 1e300`), "a time of 1e+300"},
		{spoil(`"workers": 1,`, ""), "workers is missing"},
		{spoil(`"tasks": 2,`, ""), "tasks is missing"},
		{spoil(`"tasks": 2`, `"tasks": "2"`), "tasks is a JSON string where a whole number belongs"},
		{spoil(`"tasks": 2`, `"tasks": -1`), "tasks is missing or negative"},
		{spoil(`"records": [`, `"tasks_": [`), "records are missing"},
		{spoil(`"per_worker": [{"worker": 0, "tasks": 1, "busy_us": 5}]`, `"per_worker": []`), "per_worker has 0 entries for 1 workers"},
		{spoil(`"per_worker": [{"worker": 0`, `"per_worker": [{"worker": 4`), "per_worker has worker 4"},
		{spoil(`"state": "done"`, `"state": "odd"`), `record 0 has state "odd"`},
		{spoil(`"worker": 0, "state"`, `"worker": 3, "state"`), "record 0 is done on worker 3 of 1"},
		{spoil(`"worker": 0, "state"`, `"worker": -1, "state"`), "record 0 is done on worker -1 of 1"},
		{spoil(`"id": 1,`, `"id": -1,`), "record 1 has node ID -1"},
		{spoil(`"id": 1,`, `"id": 0,`), "records 0 and 1 are both node 0"},
		{spoil(`, "start_us": 0, "end_us": 5`, ""), "record 0 is done and has start_us missing, end_us missing"},
		{spoil(`, "end_us": 5`, ""), "start_us set, end_us missing"},
		{spoil(`"state": "skipped"`, `"state": "skipped", "start_us": 1, "end_us": 2`), "record 1 is skipped and has start_us set"},
		{spoil(`"end_us": 5`, `"end_us": -5`), "record 0 ends (-5 µs) before it starts (0 µs)"},
		{spoil(`"tasks": ["a#0"]`, `"tasks": ["z#9"]`), `the critical path's task "z#9" is not among the records`},
		{spoil(`"at_us": 0`, `"at_us": -1e200`), "sample 0 has a time"},
	} {
		_, err := diag.ReadJSON(strings.NewReader(c.in))
		if !errors.Is(err, diag.ErrBadProfile) || !strings.Contains(err.Error(), c.why) {
			t.Errorf("ReadJSON(%.60q…): %v, want ErrBadProfile saying %q", c.in, err, c.why)
		}
	}
}

// spoiler returns a function that replaces old by new in valid, once:
// old must be there.
func spoiler(t *testing.T, valid string) func(old, new string) string {
	return func(old, new string) string {
		t.Helper()
		if !strings.Contains(valid, old) {
			t.Fatalf("%q is not in %s", old, valid)
		}
		return strings.Replace(valid, old, new, 1)
	}
}

func TestReadJSONVersion(t *testing.T) {
	_, err := diag.ReadJSON(strings.NewReader(strings.Replace(valid, `"version": 1`, `"version": 2`, 1)))
	if !errors.Is(err, diag.ErrProfileVersion) || errors.Is(err, diag.ErrBadProfile) {
		t.Fatalf("version 2: %v, want ErrProfileVersion alone", err)
	}
	if want := "diag: unsupported profile version 2 (this program reads version 1)"; err.Error() != want {
		t.Errorf("version 2: %q, want %q", err, want)
	}
}

// The readers pass on an error of their reader's, as none of theirs.
func TestReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	_, err := diag.ReadJSON(iotest.ErrReader(boom))
	if !errors.Is(err, boom) || errors.Is(err, diag.ErrBadProfile) {
		t.Errorf("ReadJSON of a reader that fails: %v", err)
	}
	_, err = diag.ReadTrace(iotest.ErrReader(boom))
	if !errors.Is(err, boom) || errors.Is(err, diag.ErrBadTrace) || errors.Is(err, diag.ErrNotTrace) {
		t.Errorf("ReadTrace of a reader that fails: %v", err)
	}
}

// replayed is what write writes of the made-up run of the examples.
func replayed(write func(*diag.Profiler, io.Writer) error) []byte {
	p := diag.NewProfiler(diag.SampleEvery(0))
	replay(p)
	var buf bytes.Buffer
	_ = write(p, &buf)
	return buf.Bytes()
}

// Any input either fails with one of ReadJSON's errors or is a profile
// that writes itself back the same way: never a panic.
func FuzzReadJSON(f *testing.F) {
	f.Add([]byte(valid))
	f.Add([]byte(`{"start": "2026-01-01T12:00:00Z", "wall_us": 0, "workers": 1, "tasks": 0, "per_worker": [{}], "records": []}`))
	f.Add([]byte(strings.Replace(valid, `"id": 1`, `"id": 9000000000`, 1)))
	f.Add(replayed((*diag.Profiler).WriteJSON))
	f.Fuzz(func(t *testing.T, in []byte) {
		q, err := diag.ReadJSON(bytes.NewReader(in))
		if err != nil {
			if !errors.Is(err, diag.ErrBadProfile) && !errors.Is(err, diag.ErrProfileVersion) {
				t.Fatalf("an error of neither kind: %v", err)
			}
			return
		}
		var once, twice bytes.Buffer
		if err := q.WriteJSON(&once); err != nil {
			t.Fatal(err)
		}
		r, err := diag.ReadJSON(bytes.NewReader(once.Bytes()))
		if err != nil {
			t.Fatalf("what it wrote does not read back: %v\n%s", err, once.Bytes())
		}
		_ = r.WriteJSON(&twice)
		if !bytes.Equal(once.Bytes(), twice.Bytes()) {
			t.Errorf("written twice, differently:\n%s\n%s", once.Bytes(), twice.Bytes())
		}
		_ = q.Summary(&once)
		_ = q.WriteTrace(&once)
		_, _ = q.DotStats(0)
	})
}

// elsewhere runs hand-offs on goroutines of its own, as if in another
// process named "elsewhere/7".
type elsewhere struct{ wg sync.WaitGroup }

func (e *elsewhere) Submit(ctx context.Context, h sched.Handoff, done func(sched.Report)) {
	e.wg.Go(func() { done(sched.Report{Err: h.Task.Run(ctx), Worker: "elsewhere/7"}) })
}

// A task an executor ran keeps the process that ran it, in the records,
// the profile's JSON (read back too) and the trace.
func TestRemoteTasksNameTheirProcess(t *testing.T) {
	var g graph.Graph
	far := graph.Call(&g, "far", inc, graph.Value(&g, "x", 1), graph.Remote())
	d := graph.Call(&g, "near", inc, far)
	p := diag.NewProfiler(diag.SampleEvery(0))
	e := &elsewhere{}
	_, err := sched.Compute(context.Background(), d, sched.WithExecutor(e), sched.WithHooks(p.Hooks()))
	e.wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	where := map[string]string{}
	for _, r := range roundTrip(t, p).Records() {
		where[r.Name] = r.Where
	}
	if where["far"] != "elsewhere/7" || where["near"] != "" {
		t.Errorf("read back, the tasks ran in %q", where)
	}
	var trace bytes.Buffer
	if err := p.WriteTrace(&trace); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(trace.String(), `"where":"elsewhere/7"`); n != 1 {
		t.Errorf("the trace names the process %d times, want once: %s", n, trace.String())
	}
}
