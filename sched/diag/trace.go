package diag

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"time"
)

// WriteTrace writes the last run as Chrome trace-event JSON, which
// Perfetto (ui.perfetto.dev) and chrome://tracing open: one track per
// worker with one complete event ("ph":"X") per task that ran, named by
// the task and carrying its ID, key and state; counter tracks for heap,
// goroutines and CPU when resources were sampled. Times are in
// microseconds from the start of the run. ReadTrace reads it back.
func (p *Profiler) WriteTrace(w io.Writer) error {
	an, err := p.analysis()
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	tw := traceWriter{w: bw, enc: json.NewEncoder(bw)}
	tw.raw(`{"displayTimeUnit":"ms","traceEvents":[`)
	tw.event(metaEvent{Name: "process_name", Ph: phMeta, Pid: 1, Args: map[string]any{"name": "taskgraph"}})
	for k := range an.profile.Workers {
		tw.event(metaEvent{Name: threadName, Ph: phMeta, Pid: 1, Tid: k, Args: map[string]any{"name": fmt.Sprintf("worker %d", k)}})
		tw.event(metaEvent{Name: "thread_sort_index", Ph: phMeta, Pid: 1, Tid: k, Args: map[string]any{"sort_index": k}})
	}
	t0 := an.profile.Start
	for _, r := range an.records {
		if !r.Ran() {
			continue
		}
		ev := taskEvent{
			Name: r.Name, Cat: "task", Ph: phTask, Pid: 1, Tid: r.Worker,
			Ts: micros(r.Start.Sub(t0)), Dur: micros(r.Duration()),
			Args: taskArgs{ID: r.ID, Key: r.Key, State: r.State.String(), Spawned: r.Spawned, Where: r.Where},
		}
		if r.Err != nil {
			ev.Args.Error = r.Err.Error()
		}
		tw.event(ev)
	}
	var last Sample
	for k, s := range an.samples {
		ts := micros(s.At)
		tw.event(counterEvent{Name: heapCounter, Ph: phCounter, Pid: 1, Ts: ts, Args: map[string]float64{heapArg: mib(s.HeapBytes)}})
		tw.event(counterEvent{Name: goroutineCounter, Ph: phCounter, Pid: 1, Ts: ts, Args: map[string]float64{goroutineCounter: float64(s.Goroutines)}})
		if k > 0 {
			tw.event(counterEvent{Name: cpuCounter, Ph: phCounter, Pid: 1, Ts: micros(last.At), Args: map[string]float64{cpuArg: cores(last, s)}})
		}
		last = s
	}
	tw.raw("]}\n")
	if tw.err != nil {
		return tw.err
	}
	return bw.Flush()
}

// The phases and names of the events that ReadTrace reads back.
const (
	phTask    = "X" // a complete event: a task that ran
	phMeta    = "M"
	phCounter = "C"

	threadName       = "thread_name" // the metadata event that names a worker's track
	heapCounter      = "heap"
	heapArg          = "MiB"
	goroutineCounter = "goroutines" // its one value has the counter's name
	cpuCounter       = "cpu"        // cores busy from its time to the next sample's
	cpuArg           = "cores"
)

// The events' fields, in the order the format's documentation gives them.
// ReadTrace decodes into these same types.
type (
	taskEvent struct {
		Name string   `json:"name"`
		Cat  string   `json:"cat"`
		Ph   string   `json:"ph"`
		Ts   float64  `json:"ts"`
		Dur  float64  `json:"dur"`
		Pid  int      `json:"pid"`
		Tid  int      `json:"tid"`
		Args taskArgs `json:"args"`
	}
	taskArgs struct {
		ID      int    `json:"id"`
		Key     string `json:"key"`
		State   string `json:"state"`
		Spawned bool   `json:"spawned,omitempty"`
		Where   string `json:"where,omitempty"` // the process that ran it, when an executor did
		Error   string `json:"error,omitempty"`
	}
	metaEvent struct {
		Name string         `json:"name"`
		Ph   string         `json:"ph"`
		Pid  int            `json:"pid"`
		Tid  int            `json:"tid"`
		Args map[string]any `json:"args"`
	}
	counterEvent struct {
		Name string             `json:"name"`
		Ph   string             `json:"ph"`
		Ts   float64            `json:"ts"`
		Pid  int                `json:"pid"`
		Args map[string]float64 `json:"args"`
	}
)

// traceWriter streams the events, so that a run of a million tasks is
// not first built as one value in memory. It keeps the first error.
type traceWriter struct {
	w   *bufio.Writer
	enc *json.Encoder
	n   int
	err error
}

func (t *traceWriter) raw(s string) {
	if t.err == nil {
		_, t.err = t.w.WriteString(s)
	}
}

func (t *traceWriter) event(v any) {
	if t.n > 0 {
		t.raw(",")
	}
	t.n++
	if t.err == nil {
		t.err = t.enc.Encode(v) // Encode ends each event with a newline
	}
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// mib is a number of bytes in MiB: a float64 keeps every byte count
// under 2⁵³ exactly, so bytesOf gives it back.
func mib(b uint64) float64 { return float64(b) / (1 << 20) }

func bytesOf(mib float64) uint64 { return uint64(math.Round(mib * (1 << 20))) }

// cores is how many cores the process kept busy between two samples.
func cores(a, b Sample) float64 {
	if b.At <= a.At {
		return 0
	}
	return float64(b.CPU-a.CPU) / float64(b.At-a.At)
}

// ErrNotTrace is returned by ReadTrace for input that is no trace at
// all: not JSON, or not an object with a traceEvents array. A reader of
// several formats takes it to mean another one.
var ErrNotTrace = errors.New("diag: not a trace")

// ErrBadTrace is returned by ReadTrace for a trace that WriteTrace could
// not have written; the error it wraps says what is wrong.
var ErrBadTrace = errors.New("diag: not a valid trace")

// Trace is what a trace that WriteTrace wrote tells of its run. It is not
// a Profiler, because a trace holds too little to be one honestly: it
// has no start of the run (times here are offsets from the zero
// time.Time), only the tasks that ran (none that were skipped or not
// run, so not the run's count of tasks either), no wall time, peak of
// live results or error of the run (its tasks keep theirs), no critical
// path, and CPU time only from the first sample on. The JSON profile
// (WriteJSON, ReadJSON) keeps all of these.
type Trace struct {
	Workers int // one track each in the trace
	// Records are the tasks that ran, in the trace's order: for a trace
	// that WriteTrace wrote, that of Profiler.Records.
	Records []Record
	// Samples are in time order. A sample's CPU counts from the first
	// sample's, which is zero.
	Samples []Sample
}

// ReadTrace reads a trace that WriteTrace wrote, with times to the
// nanosecond as WriteTrace has them. It is the reading side of the
// format: the events it does not know (the process's name, the tracks'
// order) it leaves alone.
//
// Input that is not a JSON object with a traceEvents array gives an
// error wrapping ErrNotTrace. A trace that WriteTrace could not have
// written (an event of the wrong shape, a task that is not done or
// failed, on a worker the trace does not name, with times no
// time.Duration holds or ending before it starts, a counter of a
// negative or fractional count) gives one wrapping ErrBadTrace that says
// what is wrong. An error of r's comes back wrapped, neither of these.
func ReadTrace(r io.Reader) (*Trace, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("diag: reading a trace: %w", err)
	}
	var doc struct {
		Events []json.RawMessage `json:"traceEvents"` // as WriteTrace opens the document
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return nil, fmt.Errorf("%w: %w", ErrBadTrace, typeError(err))
		}
		return nil, fmt.Errorf("%w: %w", ErrNotTrace, typeError(err))
	}
	if doc.Events == nil {
		return nil, fmt.Errorf("%w: traceEvents is missing", ErrNotTrace)
	}
	var tr traceReader
	for k, raw := range doc.Events {
		if err := tr.event(k, raw); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrBadTrace, err)
		}
	}
	t, err := tr.trace()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadTrace, err)
	}
	return t, nil
}

// traceReader gathers a trace's events; trace makes a Trace of them.
type traceReader struct {
	threads []int // the tracks named, by worker
	records []Record
	// By time: the counters of one sample share it. Times read back to
	// the nanosecond, so that two that differ less are one.
	samples map[time.Duration]*Sample
	cpu     map[time.Duration]float64 // cores busy from a sample's time on
}

// event reads traceEvents[k]. Every event decodes as a metaEvent, whose
// args may be any object; its phase then tells the type that holds it.
func (tr *traceReader) event(k int, raw json.RawMessage) error {
	var head metaEvent
	if err := decodeEvent(k, raw, &head); err != nil {
		return err
	}
	switch head.Ph {
	case phMeta:
		if head.Name == threadName {
			tr.threads = append(tr.threads, head.Tid)
		}
	case phTask:
		var ev taskEvent
		if err := decodeEvent(k, raw, &ev); err != nil {
			return err
		}
		r, err := taskRecord(ev, len(tr.records))
		if err != nil {
			return err
		}
		tr.records = append(tr.records, r)
	case phCounter:
		var ev counterEvent
		if err := decodeEvent(k, raw, &ev); err != nil {
			return err
		}
		return tr.counter(ev)
	}
	return nil
}

func decodeEvent(k int, raw json.RawMessage, v any) error {
	err := json.Unmarshal(raw, v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te) && te.Field == "":
		return fmt.Errorf("traceEvents[%d] is a JSON %s, not an object", k, te.Value)
	}
	return fmt.Errorf("traceEvents[%d]: %w", k, typeError(err))
}

// taskRecord is the record of ev, the trace's k-th task event.
func taskRecord(ev taskEvent, k int) (Record, error) {
	a := ev.Args
	st, ok := parseState(a.State)
	switch {
	case !ok || !ran(st):
		return Record{}, fmt.Errorf("task event %d has state %q, not done or failed", k, a.State)
	case a.ID < 0:
		return Record{}, fmt.Errorf("task event %d has node ID %d", k, a.ID)
	case tooLong(ev.Ts) || tooLong(ev.Dur):
		return Record{}, fmt.Errorf("task event %d has a time beyond %g µs", k, maxMicros)
	case ev.Dur < 0:
		return Record{}, fmt.Errorf("task event %d lasts %v µs", k, ev.Dur)
	}
	start := time.Time{}.Add(duration(ev.Ts))
	r := Record{ID: a.ID, Key: a.Key, Name: ev.Name, Spawned: a.Spawned, Worker: ev.Tid, Where: a.Where,
		Start: start, End: start.Add(duration(ev.Dur)), State: st}
	if a.Error != "" {
		r.Err = errors.New(a.Error)
	}
	return r, nil
}

// counter reads a resource counter.
func (tr *traceReader) counter(ev counterEvent) error {
	if tooLong(ev.Ts) {
		return fmt.Errorf("a %s counter has a time of %g µs", ev.Name, ev.Ts)
	}
	if tr.samples == nil {
		tr.samples, tr.cpu = map[time.Duration]*Sample{}, map[time.Duration]float64{}
	}
	at := duration(ev.Ts)
	switch ev.Name {
	case heapCounter:
		v := ev.Args[heapArg]
		if v < 0 || v >= 1<<44 { // 2⁶⁴ bytes
			return fmt.Errorf("the heap counter at %g µs is %g MiB", ev.Ts, v)
		}
		tr.sample(at).HeapBytes = bytesOf(v)
	case goroutineCounter:
		v := ev.Args[goroutineCounter]
		if v < 0 || v > 1<<53 || v != math.Trunc(v) {
			return fmt.Errorf("the goroutines counter at %g µs is %g", ev.Ts, v)
		}
		tr.sample(at).Goroutines = int(v)
	case cpuCounter:
		v := ev.Args[cpuArg]
		if v < 0 {
			return fmt.Errorf("the cpu counter at %g µs is %g cores", ev.Ts, v)
		}
		tr.cpu[at] = v
	}
	return nil
}

// sample is the sample taken at at.
func (tr *traceReader) sample(at time.Duration) *Sample {
	s := tr.samples[at]
	if s == nil {
		s = &Sample{At: at}
		tr.samples[at] = s
	}
	return s
}

// trace checks what needs every event and makes the Trace: the workers
// are the tracks named, each once.
func (tr *traceReader) trace() (*Trace, error) {
	t := &Trace{Workers: len(tr.threads), Records: tr.records}
	if t.Workers == 0 {
		return nil, errors.New("a trace without workers (no thread_name events)")
	}
	seen := make([]bool, t.Workers)
	for _, k := range tr.threads {
		if k < 0 || k >= t.Workers || seen[k] {
			return nil, fmt.Errorf("thread_name events name worker %d twice or of %d workers", k, t.Workers)
		}
		seen[k] = true
	}
	for k, r := range t.Records {
		if r.Worker < 0 || r.Worker >= t.Workers {
			return nil, fmt.Errorf("task event %d ran on worker %d of %d", k, r.Worker, t.Workers)
		}
	}
	var err error
	t.Samples, err = tr.sampled()
	return t, err
}

// sampled lists the samples in time order and adds up their CPU from
// the cpu counters: a counter is the cores busy from its sample to the
// next, so it times the gap between the two is the CPU time spent in it.
func (tr *traceReader) sampled() ([]Sample, error) {
	at := slices.Sorted(maps.Keys(tr.samples))
	out := make([]Sample, len(at))
	var cpu time.Duration
	for k, ts := range at {
		if k > 0 {
			step := math.Round(tr.cpu[at[k-1]] * float64(ts-at[k-1]))
			if step > float64(maxNanos-cpu) {
				return nil, fmt.Errorf("the cpu counters add up to more than %v", time.Duration(maxNanos))
			}
			cpu += time.Duration(step)
		}
		out[k] = *tr.samples[ts]
		out[k].CPU = cpu
	}
	for _, ts := range slices.Sorted(maps.Keys(tr.cpu)) {
		if tr.samples[ts] == nil {
			return nil, fmt.Errorf("a cpu counter at %g µs, where there is no sample", micros(ts))
		}
	}
	return out, nil
}
