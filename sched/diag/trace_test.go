package diag_test

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
)

// traceRoundTrip writes p's trace, reads it back and checks that it
// holds what a trace keeps of the run: the workers, every task that ran
// with its times as offsets from the zero time, and the samples with
// their CPU counted from the first one.
func traceRoundTrip(t tb, p *diag.Profiler) *diag.Trace {
	t.Helper()
	var buf bytes.Buffer
	if err := p.WriteTrace(&buf); err != nil {
		t.Fatal(err)
	}
	tr, err := diag.ReadTrace(&buf)
	if err != nil {
		t.Fatalf("ReadTrace of WriteTrace: %v", err)
	}
	pr, _ := p.Profile()
	if tr.Workers != pr.Workers {
		t.Errorf("%d workers, read %d", pr.Workers, tr.Workers)
	}
	var want []diag.Record
	for _, r := range p.Records() {
		if r.Ran() {
			r.Start, r.End = time.Time{}.Add(r.Start.Sub(pr.Start)), time.Time{}.Add(r.End.Sub(pr.Start))
			want = append(want, r)
		}
	}
	if diff := recordsDiff(want, tr.Records); diff != "" {
		t.Errorf("records read back: %s", diff)
	}
	samples := slices.Clone(p.Samples())
	for k := range samples {
		samples[k].CPU -= p.Samples()[0].CPU
	}
	if fmt.Sprint(samples) != fmt.Sprint(tr.Samples) {
		t.Errorf("samples: wrote %v, read %v", samples, tr.Samples)
	}
	return tr
}

// A run with a failure, skipped tasks and resource samples: what the
// trace keeps of it reads back exactly.
func TestReadTraceRoundTrip(t *testing.T) {
	for _, w := range workerCounts {
		t.Run(fmt.Sprintf("workers=%d", w), func(t *testing.T) {
			p, _ := profiled(t, w)
			tr := traceRoundTrip(t, p)
			if len(tr.Samples) < 2 || tr.Samples[len(tr.Samples)-1].CPU == 0 {
				t.Errorf("samples without CPU time: %v", tr.Samples)
			}
			if !slices.ContainsFunc(tr.Records, func(r diag.Record) bool { return r.State == sched.Failed && r.Err != nil }) {
				t.Errorf("no failed task with its error in %v", tr.Records)
			}
		})
	}
}

// Spawned tasks keep their parents' path in a trace too.
func TestReadTraceSpawned(t *testing.T) {
	tr := traceRoundTrip(t, spawningRun(t))
	if !slices.ContainsFunc(tr.Records, func(r diag.Record) bool { return r.Spawned && strings.Contains(r.Key, "/") }) {
		t.Errorf("no spawned task with its parents' path in %v", tr.Records)
	}
}

// A made-up run of any shape, with times to the nanosecond, reads back
// exactly from its trace, as from its profile.
func TestReadTraceProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) { traceRoundTrip(t, madeUpRun(t)) })
}

// validTrace is a small trace of the format, for the cases below to
// spoil. It ends with events a reader leaves alone (a name it does not
// know) or merges (a counter less than a nanosecond from another).
const validTrace = `{"traceEvents": [
 {"name": "thread_name", "ph": "M", "pid": 1, "tid": 0, "args": {"name": "worker 0"}},
 {"name": "thread_name", "ph": "M", "pid": 1, "tid": 1, "args": {"name": "worker 1"}},
 {"name": "a", "cat": "task", "ph": "X", "ts": 0, "dur": 5, "pid": 1, "tid": 0, "args": {"id": 0, "key": "a#0", "state": "done"}},
 {"name": "b", "cat": "task", "ph": "X", "ts": 1, "dur": 2, "pid": 1, "tid": 1, "args": {"id": 1, "key": "b#1", "state": "failed", "error": "boom"}},
 {"name": "heap", "ph": "C", "ts": 0, "pid": 1, "args": {"MiB": 1.5}},
 {"name": "goroutines", "ph": "C", "ts": 0, "pid": 1, "args": {"goroutines": 3}},
 {"name": "heap", "ph": "C", "ts": 10, "pid": 1, "args": {"MiB": 2}},
 {"name": "goroutines", "ph": "C", "ts": 10, "pid": 1, "args": {"goroutines": 4}},
 {"name": "cpu", "ph": "C", "ts": 0, "pid": 1, "args": {"cores": 1.5}},
 {"name": "process_name", "ph": "M", "pid": 1, "args": {"name": "taskgraph"}},
 {"name": "gc", "ph": "C", "ts": 7, "pid": 1, "args": {"pauses": 1}},
 {"name": "heap", "ph": "C", "ts": 10.0001, "pid": 1, "args": {"MiB": 2}}]}`

func TestReadTraceValid(t *testing.T) {
	tr, err := diag.ReadTrace(strings.NewReader(validTrace))
	if err != nil {
		t.Fatal(err)
	}
	us := func(n int) time.Time { return time.Time{}.Add(time.Duration(n) * time.Microsecond) }
	want := []diag.Record{
		{ID: 0, Key: "a#0", Name: "a", Worker: 0, Start: us(0), End: us(5), State: sched.Done},
		{ID: 1, Key: "b#1", Name: "b", Worker: 1, Start: us(1), End: us(3), State: sched.Failed, Err: errors.New("boom")},
	}
	if diff := recordsDiff(want, tr.Records); diff != "" || tr.Workers != 2 {
		t.Errorf("%d workers; records: %s", tr.Workers, diff)
	}
	samples := []diag.Sample{{At: 0, HeapBytes: 3 << 19, Goroutines: 3}, {At: 10 * time.Microsecond, HeapBytes: 2 << 20, Goroutines: 4, CPU: 15 * time.Microsecond}}
	if fmt.Sprint(samples) != fmt.Sprint(tr.Samples) {
		t.Errorf("samples %v, want %v", tr.Samples, samples)
	}
}

func TestReadTraceRejects(t *testing.T) {
	spoil := spoiler(t, validTrace)
	notTrace := []struct{ in, why string }{
		{"", "unexpected end of JSON input"},
		{"{", "unexpected end"},
		{"[1, 2]", "the document is a JSON array, not an object"},
		{`{"tasks": 1}`, "traceEvents is missing"},
		{`{"traceEvents": null}`, "traceEvents is missing"},
		{validTrace + "{}", "after top-level value"},
	}
	for _, c := range notTrace {
		_, err := diag.ReadTrace(strings.NewReader(c.in))
		if !errors.Is(err, diag.ErrNotTrace) || errors.Is(err, diag.ErrBadTrace) || !strings.Contains(err.Error(), c.why) {
			t.Errorf("ReadTrace(%.60q…): %v, want ErrNotTrace saying %q", c.in, err, c.why)
		}
	}
	bad := []struct{ in, why string }{
		{`{"traceEvents": 3}`, "traceEvents is a JSON number where an array belongs"},
		{`{"traceEvents": []}`, "a trace without workers"},
		{spoil(`{"name": "a"`, `7, {"name": "a"`), "traceEvents[2] is a JSON number, not an object"},
		{spoil(`"ts": 0, "dur": 5`, `"ts": "0", "dur": 5`), `traceEvents[2]: ts is a JSON string where a number belongs`},
		{spoil(`"tid": 0, "args": {"id": 0`, `"tid": 0.5, "args": {"id": 0`), "traceEvents[2]: tid is a JSON number 0.5 where a whole number belongs"},
		{spoil(`"args": {"name": "worker 0"}`, `"args": 1`), "traceEvents[0]: args is a JSON number where an object belongs"},
		{spoil(`"id": 0,`, `"id": "0",`), "args.id is a JSON string where a whole number belongs"},
		{spoil(`"MiB": 1.5`, `"MiB": "lots"`), "JSON string where a number belongs"},
		{spoil(`"state": "done"`, `"state": "odd"`), `task event 0 has state "odd", not done or failed`},
		{spoil(`"state": "done"`, `"state": "skipped"`), `task event 0 has state "skipped"`},
		{spoil(`"id": 1,`, `"id": -1,`), "task event 1 has node ID -1"},
		{spoil(`"dur": 5`, `"dur": -5`), "task event 0 lasts -5 µs"},
		{spoil(`"ts": 1,`, `"ts": 1e300,`), "task event 1 has a time beyond"},
		{spoil(`"tid": 1, "args": {"id": 1`, `"tid": 2, "args": {"id": 1`), "task event 1 ran on worker 2 of 2"},
		{spoil(`"tid": 1, "args": {"name"`, `"tid": 0, "args": {"name"`), "thread_name events name worker 0 twice or of 2 workers"},
		{spoil(`"tid": 1, "args": {"name"`, `"tid": 5, "args": {"name"`), "thread_name events name worker 5 twice or of 2 workers"},
		{spoil(`"MiB": 1.5`, `"MiB": -1`), "the heap counter at 0 µs is -1 MiB"},
		{spoil(`"goroutines": 3`, `"goroutines": 2.5`), "the goroutines counter at 0 µs is 2.5"},
		{spoil(`"cores": 1.5`, `"cores": -1`), "the cpu counter at 0 µs is -1 cores"},
		{spoil(`"cores": 1.5`, `"cores": 1e300`), "the cpu counters add up to more than"},
		{spoil(`"ts": 0, "pid": 1, "args": {"cores"`, `"ts": 4, "pid": 1, "args": {"cores"`), "a cpu counter at 4 µs, where there is no sample"},
		{spoil(`"ts": 10, "pid": 1, "args": {"MiB"`, `"ts": -1e300, "pid": 1, "args": {"MiB"`), "a heap counter has a time of -1e+300 µs"},
	}
	for _, c := range bad {
		_, err := diag.ReadTrace(strings.NewReader(c.in))
		if !errors.Is(err, diag.ErrBadTrace) || errors.Is(err, diag.ErrNotTrace) || !strings.Contains(err.Error(), c.why) {
			t.Errorf("ReadTrace(%.60q…): %v, want ErrBadTrace saying %q", c.in, err, c.why)
		}
	}
}

// Any input either fails with one of ReadTrace's errors or is a Trace
// that keeps the promises of its doc: never a panic.
func FuzzReadTrace(f *testing.F) {
	f.Add([]byte(validTrace))
	f.Add([]byte(`{"traceEvents": [{"ph": "M", "name": "thread_name", "tid": 0}]}`))
	f.Add(replayed((*diag.Profiler).WriteTrace))
	f.Fuzz(func(t *testing.T, in []byte) {
		tr, err := diag.ReadTrace(bytes.NewReader(in))
		if err != nil {
			if !errors.Is(err, diag.ErrBadTrace) && !errors.Is(err, diag.ErrNotTrace) {
				t.Fatalf("an error of neither kind: %v", err)
			}
			return
		}
		if tr.Workers < 1 {
			t.Fatalf("%d workers", tr.Workers)
		}
		for k, r := range tr.Records {
			if !r.Ran() || r.Worker < 0 || r.Worker >= tr.Workers || r.End.Before(r.Start) {
				t.Errorf("record %d: %+v", k, r)
			}
		}
		for k := 1; k < len(tr.Samples); k++ {
			if a, b := tr.Samples[k-1], tr.Samples[k]; a.At >= b.At || a.CPU > b.CPU {
				t.Errorf("samples %d and %d out of order: %v", k-1, k, tr.Samples)
			}
		}
	})
}
