package diag

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"time"
)

// WriteTrace writes the last run as Chrome trace-event JSON, which
// Perfetto (ui.perfetto.dev) and chrome://tracing open: one track per
// worker with one complete event ("ph":"X") per task that ran, named by
// the task and carrying its ID, key and state; counter tracks for heap,
// goroutines and CPU when resources were sampled. Times are in
// microseconds from the start of the run.
func (p *Profiler) WriteTrace(w io.Writer) error {
	an, err := p.analysis()
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	tw := traceWriter{w: bw, enc: json.NewEncoder(bw)}
	tw.raw(`{"displayTimeUnit":"ms","traceEvents":[`)
	tw.event(metaEvent{Name: "process_name", Ph: "M", Pid: 1, Args: map[string]any{"name": "taskgraph"}})
	for k := range an.profile.Workers {
		tw.event(metaEvent{Name: "thread_name", Ph: "M", Pid: 1, Tid: k, Args: map[string]any{"name": fmt.Sprintf("worker %d", k)}})
		tw.event(metaEvent{Name: "thread_sort_index", Ph: "M", Pid: 1, Tid: k, Args: map[string]any{"sort_index": k}})
	}
	t0 := an.profile.Start
	for _, r := range an.records {
		if !r.Ran() {
			continue
		}
		ev := taskEvent{
			Name: r.Name, Cat: "task", Ph: "X", Pid: 1, Tid: r.Worker,
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
		tw.event(counterEvent{Name: "heap", Ph: "C", Pid: 1, Ts: ts, Args: map[string]float64{"MiB": mib(s.HeapBytes)}})
		tw.event(counterEvent{Name: "goroutines", Ph: "C", Pid: 1, Ts: ts, Args: map[string]float64{"goroutines": float64(s.Goroutines)}})
		if k > 0 {
			tw.event(counterEvent{Name: "cpu", Ph: "C", Pid: 1, Ts: micros(last.At), Args: map[string]float64{"cores": cores(last, s)}})
		}
		last = s
	}
	tw.raw("]}\n")
	if tw.err != nil {
		return tw.err
	}
	return bw.Flush()
}

// The events' fields, in the order the format's documentation gives them.
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

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// cores is how many cores the process kept busy between two samples.
func cores(a, b Sample) float64 {
	if b.At <= a.At {
		return 0
	}
	return float64(b.CPU-a.CPU) / float64(b.At-a.At)
}
