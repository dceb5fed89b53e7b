package dashboard

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/seed001e6470/taskgraph/sched"
)

// ErrProfile is returned by Replay for input that is not a profile.
var ErrProfile = errors.New("dashboard: not a taskgraph profile")

// replayFrames is how many frames a replay makes of a run, whatever its
// length: enough for a smooth scrubber.
const replayFrames = 240

// Replay reads a profile that sched/diag wrote (Profiler.WriteJSON,
// "taskgraph run --profile") and returns a dashboard showing that run as
// it went, frame by frame, for the page's time scrubber. Stages are the
// tasks' names; a profile holds no dependencies, so the stage graph has
// no edges. A Chrome trace of a run (Profiler.WriteTrace) replays too,
// with less: it holds only the tasks that ran, so they are its total, and
// no critical path. The dashboard holds no goroutine: serve it and Close
// it.
func Replay(r io.Reader, o Options) (*Dashboard, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("dashboard: reading the profile: %w", err)
	}
	var p profileDoc
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProfile, err)
	}
	if p.Events != nil {
		p = fromTrace(p.Events)
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	d := New(o)
	d.profile = raw
	d.replay(&p)
	return d, nil
}

// profileDoc is the part of diag's profile JSON that a replay reads.
type profileDoc struct {
	Start   string  `json:"start"`
	WallUs  float64 `json:"wall_us"`
	Workers int     `json:"workers"`
	Tasks   *int    `json:"tasks"`
	Error   string  `json:"error"`
	Path    struct {
		Us    float64  `json:"us"`
		Tasks []string `json:"tasks"`
	} `json:"critical_path"`
	Records []profileRecord `json:"records"`
	Samples []profileSample `json:"samples"`
	// Events is a Chrome trace's: when set, the rest is made of it.
	Events []traceEvent `json:"traceEvents"`
}

type profileRecord = struct {
	ID      int      `json:"id"`
	Key     string   `json:"key"`
	Name    string   `json:"name"`
	Spawned bool     `json:"spawned"`
	Worker  int      `json:"worker"`
	State   string   `json:"state"`
	StartUs *float64 `json:"start_us"`
	EndUs   *float64 `json:"end_us"`
	Error   string   `json:"error"`
}

type profileSample struct {
	AtUs       float64 `json:"at_us"`
	HeapBytes  uint64  `json:"heap_bytes"`
	Goroutines int     `json:"goroutines"`
}

// traceEvent is the part of a trace event (sched/diag's WriteTrace) that
// a replay reads.
type traceEvent struct {
	Name string         `json:"name"`
	Ph   string         `json:"ph"`
	Ts   float64        `json:"ts"`
	Dur  float64        `json:"dur"`
	Tid  int            `json:"tid"`
	Args map[string]any `json:"args"`
}

// fromTrace makes a profile of a trace's task events ("X"), workers
// (thread names) and heap and goroutine counters.
func fromTrace(evs []traceEvent) profileDoc {
	var p profileDoc
	tasks := 0
	samples := map[float64]*profileSample{}
	for _, e := range evs {
		switch {
		case e.Ph == "M" && e.Name == "thread_name":
			p.Workers = max(p.Workers, e.Tid+1)
		case e.Ph == "X":
			str := func(k string) string { v, _ := e.Args[k].(string); return v }
			id, _ := e.Args["id"].(float64)
			spawned, _ := e.Args["spawned"].(bool)
			start, end := e.Ts, e.Ts+e.Dur
			p.Records = append(p.Records, profileRecord{ID: int(id), Key: str("key"), Name: e.Name, Spawned: spawned,
				Worker: e.Tid, State: str("state"), StartUs: &start, EndUs: &end, Error: str("error")})
			p.WallUs = max(p.WallUs, end)
			if !spawned {
				tasks++
			}
		case e.Ph == "C" && (e.Name == "heap" || e.Name == "goroutines"):
			s := samples[e.Ts]
			if s == nil {
				s = &profileSample{AtUs: e.Ts}
				samples[e.Ts] = s
			}
			if v, ok := e.Args["MiB"].(float64); ok {
				s.HeapBytes = uint64(v * (1 << 20))
			}
			if v, ok := e.Args["goroutines"].(float64); ok {
				s.Goroutines = int(v)
			}
		}
	}
	p.Tasks = &tasks
	for _, s := range samples {
		p.Samples = append(p.Samples, *s)
	}
	slices.SortFunc(p.Samples, func(a, b profileSample) int { return cmp.Compare(a.AtUs, b.AtUs) })
	for _, r := range p.Records { // the run's error is not in a trace: its first failure is
		if r.State == sched.Failed.String() && !r.Spawned {
			p.Error = fmt.Sprintf("task %s: %s", r.Key, r.Error)
			break
		}
	}
	return p
}

func (p *profileDoc) check() error {
	if p.Tasks == nil || p.Workers <= 0 || p.WallUs < 0 {
		return fmt.Errorf("%w: no tasks, workers or wall_us", ErrProfile)
	}
	for k, r := range p.Records {
		if _, ok := parseState(r.State); !ok {
			return fmt.Errorf("%w: record %d has state %q", ErrProfile, k, r.State)
		}
		if r.Worker >= p.Workers {
			return fmt.Errorf("%w: record %d ran on worker %d of %d", ErrProfile, k, r.Worker, p.Workers)
		}
	}
	return nil
}

func parseState(s string) (sched.State, bool) {
	for _, st := range []sched.State{sched.NotRun, sched.Done, sched.Failed, sched.Skipped} {
		if st.String() == s {
			return st, true
		}
	}
	return 0, false
}

// event is a task starting or ending, at a time of the replayed run.
type event struct {
	at  time.Duration
	end bool
	rec int
}

// replay feeds the profile's tasks to a collector in the order they
// happened and takes a frame at replayFrames moments of the run.
func (d *Dashboard) replay(p *profileDoc) {
	c := new(collector)
	wall := us(p.WallUs)
	c.start(nil, time.Time{}, *p.Tasks, p.Workers)
	stages := replayStageOf(c, p)
	d.update(func(s *Snapshot) {
		s.Replay, s.State, s.Start, s.Workers, s.Total = true, "running", p.Start, p.Workers, *p.Tasks
		s.Stages = d.replayStages(c, p, stages)
	})
	f := newFramer(c, len(c.names))
	every := max(wall/replayFrames, time.Microsecond)
	next, nfail := time.Duration(0), 0
	emit := func(at time.Duration) {
		fr := f.frame(at, p.runtimeAt(at))
		var fails []Failure
		if fr.NFailures != nfail {
			nfail, fails = fr.NFailures, slices.Clone(c.failures)
		}
		d.addFrame(fr, fails)
	}
	for _, e := range replayEvents(p, wall) {
		for e.at > next && next < wall {
			emit(next)
			next += every
		}
		d.apply(c, p, e, stages[e.rec])
	}
	emit(wall)
	fin := &Final{WallMs: ms(wall), Error: p.Error, CriticalMs: ms(us(p.Path.Us)), CriticalStages: p.criticalStages(stages)}
	d.finish(fin, p.Error != "")
}

// replayStageOf gives every record its stage: the run's own stages first,
// numbered as a live run numbers them (by the lowest node ID of their
// tasks), then the spawned ones.
func replayStageOf(c *collector, p *profileDoc) []int32 {
	stages := make([]int32, len(p.Records))
	byID := make([]int, 0, len(p.Records))
	for k, r := range p.Records {
		if !r.Spawned {
			byID = append(byID, k)
		}
	}
	slices.SortStableFunc(byID, func(a, b int) int { return cmp.Compare(p.Records[a].ID, p.Records[b].ID) })
	own := map[string]int32{}
	for _, k := range byID {
		stages[k] = c.ownStage(own, p.Records[k].Name)
	}
	c.ownN = len(c.names)
	for k, r := range p.Records {
		if r.Spawned {
			stages[k] = c.spawnedStage(r.Name[strings.LastIndexByte(r.Name, '/')+1:])
		}
	}
	return stages
}

// replayEvents lists the tasks' starts and ends in the order they
// happened; a task that did not run ends with the run.
func replayEvents(p *profileDoc, wall time.Duration) []event {
	evs := make([]event, 0, 2*len(p.Records))
	for k, r := range p.Records {
		if r.StartUs != nil && r.EndUs != nil {
			evs = append(evs, event{us(*r.StartUs), false, k}, event{us(*r.EndUs), true, k})
		} else {
			evs = append(evs, event{wall, true, k})
		}
	}
	slices.SortStableFunc(evs, func(a, b event) int {
		// At one instant, ends first: a worker ends a task before it
		// starts the next.
		return cmp.Or(cmp.Compare(a.at, b.at), -cmp.Compare(boolInt(a.end), boolInt(b.end)))
	})
	return evs
}

// criticalStages is the stages the critical path passes through.
func (p *profileDoc) criticalStages(stages []int32) []int {
	keyStage := map[string]int{}
	for k, r := range p.Records {
		keyStage[r.Key] = int(stages[k])
	}
	var out []int
	for _, key := range p.Path.Tasks {
		if s, ok := keyStage[key]; ok {
			out = appendStage(out, s)
		}
	}
	return out
}

// apply feeds one event to the collector.
func (d *Dashboard) apply(c *collector, p *profileDoc, e event, st int32) {
	r := p.Records[e.rec]
	state, _ := parseState(r.State)
	if !e.end {
		c.started(r.Worker, st, -1, e.at)
		return
	}
	var start, dur time.Duration
	if r.StartUs != nil && r.EndUs != nil {
		start, dur = us(*r.StartUs), us(*r.EndUs-*r.StartUs)
	}
	c.finished(r.Worker, st, -1, state, start, dur)
	if state == sched.Failed {
		c.failed(Failure{Task: cmp.Or(r.Key, r.Name), Stage: c.names[st].name, Worker: r.Worker, Error: r.Error, AtMs: ms(e.at)})
	}
}

// replayStages lists the stages with their totals: the run's own stages
// hold every record that is not spawned.
func (d *Dashboard) replayStages(c *collector, p *profileDoc, stages []int32) []Stage {
	out, _ := stageTables(nil, nil, c.names, 0, nil)
	for k := range out {
		if !out[k].Spawned {
			out[k].Total = 0
		}
	}
	for k, r := range p.Records {
		if !r.Spawned {
			out[stages[k]].Total++
		}
	}
	return out
}

// runtimeAt is the last resource sample taken at or before at.
func (p *profileDoc) runtimeAt(at time.Duration) *Runtime {
	rt := &Runtime{GCShare: -1}
	for _, s := range p.Samples {
		if us(s.AtUs) > at {
			break
		}
		rt.HeapMB, rt.Goroutines = float64(s.HeapBytes)/(1<<20), s.Goroutines
	}
	return rt
}

func us(v float64) time.Duration { return time.Duration(v * 1e3) }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
