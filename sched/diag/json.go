package diag

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"time"

	"github.com/seed001e6470/taskgraph/sched"
)

// ProfileVersion is the version of the JSON profile format that
// WriteJSON writes and ReadJSON reads. It changes when a field changes
// its meaning, so that an old reader refuses a new file rather than
// misreading it; adding a field does not change it. Files written before
// the format had a version have none and are version 1.
const ProfileVersion = 1

// ErrBadProfile is returned by ReadJSON for input that is not a profile
// WriteJSON could have written; the error it wraps says what is wrong.
var ErrBadProfile = errors.New("diag: not a valid profile")

// ErrProfileVersion is returned by ReadJSON for a profile of another
// version than ProfileVersion.
var ErrProfileVersion = errors.New("diag: unsupported profile version")

// WriteJSON writes the last run's profile as one JSON document: the
// format's version, the run's figures, each worker's, the critical path
// (task keys), every task and every resource sample. Times are
// microseconds from the start of the run; tasks come in the order of
// Records. ReadJSON reads it back.
func (p *Profiler) WriteJSON(w io.Writer) error {
	an, err := p.analysis()
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetIndent("", " ")
	if err := enc.Encode(toJSON(an)); err != nil {
		return err
	}
	return bw.Flush()
}

func toJSON(an *analysis) *jsonProfile {
	pr := an.profile
	doc := &jsonProfile{
		Version: ProfileVersion,
		Start:   pr.Start.UTC().Format(time.RFC3339Nano), WallUs: micros(pr.Wall), Workers: pr.Workers,
		Tasks: pr.Tasks, Done: pr.Done, Failed: pr.Failed, Skipped: pr.Skipped, NotRun: pr.NotRun, Spawned: pr.Spawned,
		BusyUs: micros(pr.Busy), Utilisation: pr.Utilisation, PeakLive: pr.PeakLive,
		CriticalPath: jsonPath{Us: micros(pr.CriticalTime), Tasks: make([]string, len(pr.CriticalPath))},
		PerWorker:    make([]jsonWorker, len(pr.PerWorker)),
		TaskRecords:  make([]jsonTask, len(an.records)),
		Samples:      make([]jsonSample, len(an.samples)),
	}
	doc.Error = errText(pr.Err)
	for k, r := range pr.CriticalPath {
		doc.CriticalPath.Tasks[k] = r.Key
	}
	for k, wp := range pr.PerWorker {
		doc.PerWorker[k] = jsonWorker{Worker: k, Tasks: wp.Tasks, BusyUs: micros(wp.Busy), Utilisation: wp.Utilisation}
	}
	for k, r := range an.records {
		t := jsonTask{ID: r.ID, Key: r.Key, Name: r.Name, Spawned: r.Spawned, Worker: r.Worker, Where: r.Where, State: r.State.String(), Error: errText(r.Err)}
		if r.Ran() {
			start, end := micros(r.Start.Sub(pr.Start)), micros(r.End.Sub(pr.Start))
			t.StartUs, t.EndUs = &start, &end
		}
		doc.TaskRecords[k] = t
	}
	for k, s := range an.samples {
		doc.Samples[k] = jsonSample{AtUs: micros(s.At), HeapBytes: s.HeapBytes, Goroutines: s.Goroutines, CPUUs: micros(s.CPU)}
	}
	return doc
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// The profile format. A field's absence is told by the value the reader
// puts there before decoding (see ReadJSON), so required fields need no
// pointers.
type (
	jsonProfile struct {
		Version      int          `json:"version"`
		Start        string       `json:"start"`
		WallUs       float64      `json:"wall_us"`
		Workers      int          `json:"workers"`
		Tasks        int          `json:"tasks"`
		Done         int          `json:"done"`
		Failed       int          `json:"failed"`
		Skipped      int          `json:"skipped"`
		NotRun       int          `json:"not_run"`
		Spawned      int          `json:"spawned"`
		BusyUs       float64      `json:"busy_us"`
		Utilisation  float64      `json:"utilisation"`
		PeakLive     int          `json:"peak_live"`
		Error        string       `json:"error,omitempty"`
		CriticalPath jsonPath     `json:"critical_path"`
		PerWorker    []jsonWorker `json:"per_worker"`
		TaskRecords  []jsonTask   `json:"records"`
		Samples      []jsonSample `json:"samples"`
	}
	jsonPath struct {
		Us    float64  `json:"us"`
		Tasks []string `json:"tasks"`
	}
	jsonWorker struct {
		Worker      int     `json:"worker"`
		Tasks       int     `json:"tasks"`
		BusyUs      float64 `json:"busy_us"`
		Utilisation float64 `json:"utilisation"`
	}
	jsonTask struct {
		ID      int      `json:"id"`
		Key     string   `json:"key"`
		Name    string   `json:"name"`
		Spawned bool     `json:"spawned,omitempty"`
		Worker  int      `json:"worker"`
		Where   string   `json:"where,omitempty"`
		State   string   `json:"state"`
		StartUs *float64 `json:"start_us,omitempty"`
		EndUs   *float64 `json:"end_us,omitempty"`
		Error   string   `json:"error,omitempty"`
	}
	jsonSample struct {
		AtUs       float64 `json:"at_us"`
		HeapBytes  uint64  `json:"heap_bytes"`
		Goroutines int     `json:"goroutines"`
		CPUUs      float64 `json:"cpu_us"`
	}
)

// ReadJSON reads a profile that WriteJSON wrote and returns a Profiler
// holding that run, as if it had observed it: Profile, Records, Samples,
// Slowest, DotStats, Summary, WriteTrace, WriteJSON and package gantt's
// charts describe the saved
// run (WriteJSON writes the same bytes again), with times to the
// nanosecond, in UTC. Its Hooks work as a new Profiler's: a run they
// observe replaces the saved one.
//
// Input that is not one JSON document of the format, or that is
// inconsistent (a task on a worker the run did not have, a state that is
// not a task state, a task that ran without times, a critical path
// through a task that is not in the profile), gives an error wrapping
// ErrBadProfile that says what is wrong; a profile of another version
// gives one wrapping ErrProfileVersion. An error of r's comes back
// wrapped, neither of these.
func ReadJSON(r io.Reader) (*Profiler, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("diag: reading a profile: %w", err)
	}
	// What a document leaves out keeps these: version 1 for the files
	// written before there were versions, and impossible values that
	// tell a missing required field.
	doc := jsonProfile{Version: 1, WallUs: -1, Tasks: -1}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadProfile, typeError(err))
	}
	if doc.Version != ProfileVersion {
		return nil, fmt.Errorf("%w %d (this program reads version %d)", ErrProfileVersion, doc.Version, ProfileVersion)
	}
	an, err := doc.analysis()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadProfile, err)
	}
	p := NewProfiler()
	p.ended, p.an, p.samples = true, an, an.samples
	return p, nil
}

// analysis makes of a profile what a Profiler makes of a run, checking
// what a Profiler would never have written.
func (doc *jsonProfile) analysis() (*analysis, error) {
	start, err := time.Parse(time.RFC3339Nano, doc.Start)
	switch {
	case err != nil:
		return nil, fmt.Errorf("start %q is not an RFC 3339 time", doc.Start)
	case doc.WallUs < 0:
		return nil, errors.New("wall_us is missing or negative")
	case doc.Workers < 1:
		return nil, errors.New("workers is missing or less than 1")
	case doc.Tasks < 0:
		return nil, errors.New("tasks is missing or negative")
	case doc.TaskRecords == nil:
		return nil, errors.New("records are missing")
	case len(doc.PerWorker) != doc.Workers:
		return nil, fmt.Errorf("per_worker has %d entries for %d workers", len(doc.PerWorker), doc.Workers)
	}
	if err := doc.checkTimes(); err != nil {
		return nil, err
	}
	pr := Profile{
		Start: start, Wall: duration(doc.WallUs), Workers: doc.Workers,
		Tasks: doc.Tasks, Done: doc.Done, Failed: doc.Failed, Skipped: doc.Skipped, NotRun: doc.NotRun, Spawned: doc.Spawned,
		Busy: duration(doc.BusyUs), Utilisation: doc.Utilisation, PeakLive: doc.PeakLive,
		CriticalTime: duration(doc.CriticalPath.Us),
	}
	if doc.Error != "" {
		pr.Err = errors.New(doc.Error)
	}
	if pr.PerWorker, err = doc.perWorker(); err != nil {
		return nil, err
	}
	an := &analysis{profile: pr, records: make([]Record, len(doc.TaskRecords)), samples: make([]Sample, len(doc.Samples))}
	for k := range doc.TaskRecords {
		if an.records[k], err = doc.record(k, start); err != nil {
			return nil, err
		}
	}
	for k, s := range doc.Samples {
		an.samples[k] = Sample{At: duration(s.AtUs), HeapBytes: s.HeapBytes, Goroutines: s.Goroutines, CPU: duration(s.CPUUs)}
	}
	if an.own, err = ownIndexOf(an.records); err != nil {
		return nil, err
	}
	an.profile.CriticalPath, err = doc.criticalPath(an.records)
	return an, err
}

// maxNanos bounds the times a profile or a trace may hold: a
// time.Duration holds 292 years; this is half that, so that sums of two
// do not overflow.
const (
	maxNanos  = 1 << 62
	maxMicros = float64(maxNanos) / float64(time.Microsecond)
)

// tooLong tells a time that no time.Duration holds.
func tooLong(us float64) bool { return math.Abs(us) > maxMicros }

// checkTimes refuses times that no time.Duration holds.
func (doc *jsonProfile) checkTimes() error {
	for _, v := range []float64{doc.WallUs, doc.BusyUs, doc.CriticalPath.Us} {
		if tooLong(v) {
			return fmt.Errorf("a time of %g µs", v)
		}
	}
	for k, t := range doc.TaskRecords {
		if (t.StartUs != nil && tooLong(*t.StartUs)) || (t.EndUs != nil && tooLong(*t.EndUs)) {
			return fmt.Errorf("record %d has a time beyond %g µs", k, maxMicros)
		}
	}
	for k, w := range doc.PerWorker {
		if tooLong(w.BusyUs) {
			return fmt.Errorf("per_worker entry %d has busy_us %g", k, w.BusyUs)
		}
	}
	for k, s := range doc.Samples {
		if tooLong(s.AtUs) || tooLong(s.CPUUs) {
			return fmt.Errorf("sample %d has a time beyond %g µs", k, maxMicros)
		}
	}
	return nil
}

// ownIndexOf indexes the run's own records by node ID, refusing two
// records of one node. IDs close enough together get a Profiler's slice;
// others a map, so that no input makes a slice over a range of IDs far
// larger than itself.
func ownIndexOf(recs []Record) (ownIndex, error) {
	byID := make(map[int]int32, len(recs))
	lo, hi := math.MaxInt, -1
	for k, r := range recs {
		if r.Spawned {
			continue
		}
		if j, dup := byID[r.ID]; dup {
			return ownIndex{}, fmt.Errorf("records %d and %d are both node %d", j, k, r.ID)
		}
		byID[r.ID] = int32(k)
		lo, hi = min(lo, r.ID), max(hi, r.ID)
	}
	if hi < 0 || hi-lo < 2*len(byID)+1024 {
		return newOwnIndex(recs), nil
	}
	return ownIndex{byID: byID}, nil
}

// perWorker places each worker's figures at its index: every worker of
// the run has an entry, as in a Profile made by a run.
func (doc *jsonProfile) perWorker() ([]WorkerProfile, error) {
	ws := make([]WorkerProfile, doc.Workers)
	seen := make([]bool, doc.Workers)
	for _, w := range doc.PerWorker {
		if w.Worker < 0 || w.Worker >= doc.Workers || seen[w.Worker] {
			return nil, fmt.Errorf("per_worker has worker %d twice or of %d workers", w.Worker, doc.Workers)
		}
		seen[w.Worker] = true
		ws[w.Worker] = WorkerProfile{Tasks: w.Tasks, Busy: duration(w.BusyUs), Utilisation: w.Utilisation}
	}
	return ws, nil
}

// record reads record k; a task has times exactly when it ran, as
// WriteJSON writes them.
func (doc *jsonProfile) record(k int, start time.Time) (Record, error) {
	t := doc.TaskRecords[k]
	st, ok := parseState(t.State)
	switch {
	case !ok:
		return Record{}, fmt.Errorf("record %d has state %q, not one of not run, done, failed, skipped", k, t.State)
	case t.ID < 0:
		return Record{}, fmt.Errorf("record %d has node ID %d", k, t.ID)
	case t.Worker < -1 || t.Worker >= doc.Workers || (ran(st) && t.Worker < 0):
		return Record{}, fmt.Errorf("record %d is %s on worker %d of %d", k, t.State, t.Worker, doc.Workers)
	case ran(st) != (t.StartUs != nil && t.EndUs != nil) || (t.StartUs == nil) != (t.EndUs == nil):
		return Record{}, fmt.Errorf("record %d is %s and has start_us %s, end_us %s", k, t.State, present(t.StartUs), present(t.EndUs))
	case t.StartUs != nil && *t.EndUs < *t.StartUs:
		return Record{}, fmt.Errorf("record %d ends (%v µs) before it starts (%v µs)", k, *t.EndUs, *t.StartUs)
	}
	r := Record{ID: t.ID, Key: t.Key, Name: t.Name, Spawned: t.Spawned, Worker: t.Worker, Where: t.Where, State: st}
	if t.StartUs != nil {
		r.Start, r.End = start.Add(duration(*t.StartUs)), start.Add(duration(*t.EndUs))
	}
	if t.Error != "" {
		r.Err = errors.New(t.Error)
	}
	return r, nil
}

// typeError says what a JSON value of the wrong kind is in the format's
// terms, not in those of the Go types it is decoded into.
func typeError(err error) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || te.Type == nil {
		return err
	}
	want := map[reflect.Kind]string{reflect.Slice: "an array", reflect.Struct: "an object", reflect.String: "a string",
		reflect.Bool: "true or false", reflect.Float64: "a number", reflect.Pointer: "a number", reflect.Map: "an object"}[te.Type.Kind()]
	if want == "" {
		want = "a whole number" // the ints
		if te.Type.Kind() == reflect.Uint64 {
			want = "a whole number from 0"
		}
	}
	if te.Field == "" {
		return fmt.Errorf("the document is a JSON %s, not an object", te.Value)
	}
	return fmt.Errorf("%s is a JSON %s where %s belongs", te.Field, te.Value, want)
}

func present(v *float64) string {
	if v == nil {
		return "missing"
	}
	return "set"
}

// criticalPath finds the records of the critical path's keys: tasks of
// the run's own graph, whose keys are unique.
func (doc *jsonProfile) criticalPath(recs []Record) ([]Record, error) {
	if len(doc.CriticalPath.Tasks) == 0 {
		return nil, nil
	}
	byKey := make(map[string]int, len(recs))
	for k, r := range recs {
		if !r.Spawned {
			byKey[r.Key] = k
		}
	}
	path := make([]Record, len(doc.CriticalPath.Tasks))
	for k, key := range doc.CriticalPath.Tasks {
		j, ok := byKey[key]
		if !ok {
			return nil, fmt.Errorf("the critical path's task %q is not among the records", key)
		}
		path[k] = recs[j]
	}
	return path, nil
}

func parseState(s string) (sched.State, bool) {
	for _, st := range []sched.State{sched.NotRun, sched.Done, sched.Failed, sched.Skipped} {
		if st.String() == s {
			return st, true
		}
	}
	return 0, false
}

// duration is the inverse of micros: rounding, not truncating, gives
// back the nanoseconds micros was given (for anything under 26 days,
// where a float64 still holds them exactly).
func duration(us float64) time.Duration {
	return time.Duration(math.Round(us * float64(time.Microsecond)))
}
