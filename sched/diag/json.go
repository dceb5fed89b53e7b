package diag

import (
	"bufio"
	"encoding/json"
	"io"
	"time"
)

// WriteJSON writes the last run's profile as one JSON document: the
// run's figures, each worker's, the critical path (task keys), every
// task and every resource sample. Times are microseconds from the start
// of the run; tasks come in the order of Records.
func (p *Profiler) WriteJSON(w io.Writer) error {
	an, err := p.analysis()
	if err != nil {
		return err
	}
	pr := an.profile
	doc := jsonProfile{
		Start: pr.Start.UTC().Format(time.RFC3339Nano), WallUs: micros(pr.Wall), Workers: pr.Workers,
		Tasks: pr.Tasks, Done: pr.Done, Failed: pr.Failed, Skipped: pr.Skipped, NotRun: pr.NotRun, Spawned: pr.Spawned,
		BusyUs: micros(pr.Busy), Utilisation: pr.Utilisation, PeakLive: pr.PeakLive,
		CriticalPath: jsonPath{Us: micros(pr.CriticalTime), Tasks: make([]string, len(pr.CriticalPath))},
		PerWorker:    make([]jsonWorker, len(pr.PerWorker)),
		TaskRecords:  make([]jsonTask, len(an.records)),
		Samples:      make([]jsonSample, len(an.samples)),
	}
	if pr.Err != nil {
		doc.Error = pr.Err.Error()
	}
	for k, r := range pr.CriticalPath {
		doc.CriticalPath.Tasks[k] = r.Key
	}
	for k, wp := range pr.PerWorker {
		doc.PerWorker[k] = jsonWorker{Worker: k, Tasks: wp.Tasks, BusyUs: micros(wp.Busy), Utilisation: wp.Utilisation}
	}
	for k, r := range an.records {
		t := jsonTask{ID: r.ID, Key: r.Key, Name: r.Name, Spawned: r.Spawned, Worker: r.Worker, State: r.State.String()}
		if r.ran() {
			start, end := micros(r.Start.Sub(pr.Start)), micros(r.End.Sub(pr.Start))
			t.StartUs, t.EndUs = &start, &end
		}
		if r.Err != nil {
			t.Error = r.Err.Error()
		}
		doc.TaskRecords[k] = t
	}
	for k, s := range an.samples {
		doc.Samples[k] = jsonSample{AtUs: micros(s.At), HeapBytes: s.HeapBytes, Goroutines: s.Goroutines, CPUUs: micros(s.CPU)}
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetIndent("", " ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	return bw.Flush()
}

type (
	jsonProfile struct {
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
