package dashboard

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
)

// ErrProfile is returned by Replay for input that is not a profile or a
// trace; it wraps the error of sched/diag's reader too: ReadJSON's for a
// profile (diag.ErrBadProfile, diag.ErrProfileVersion), ReadTrace's for a
// trace (diag.ErrBadTrace).
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
	// Anything but a trace is read as a profile, whose reader says what
	// is wrong with it.
	run, err := fromTrace(raw)
	if errors.Is(err, diag.ErrNotTrace) {
		run, err = fromProfile(raw)
	}
	if err != nil {
		return nil, err
	}
	d := New(o)
	d.profile = raw
	d.replay(run)
	return d, nil
}

// savedRun is what a replay shows: a profile read back, or what a trace
// tells of its run.
type savedRun struct {
	pr      diag.Profile
	records []diag.Record
	samples []diag.Sample
}

func fromProfile(raw []byte) (*savedRun, error) {
	p, err := diag.ReadJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProfile, err)
	}
	pr, err := p.Profile()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProfile, err)
	}
	return &savedRun{pr: pr, records: p.Records(), samples: p.Samples()}, nil
}

// fromTrace makes a run of a trace (sched/diag's ReadTrace): its tasks
// are the run's, and its first failure is the run's error. A trace has no
// start: its run's times are offsets from the zero time.
func fromTrace(raw []byte) (*savedRun, error) {
	t, err := diag.ReadTrace(bytes.NewReader(raw))
	if errors.Is(err, diag.ErrNotTrace) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProfile, err)
	}
	run := &savedRun{records: t.Records, samples: t.Samples}
	pr := &run.pr
	pr.Workers = t.Workers
	for _, r := range t.Records {
		pr.Wall = max(pr.Wall, r.End.Sub(pr.Start))
		if r.Spawned {
			continue
		}
		pr.Tasks++
		if r.State == sched.Failed && pr.Err == nil {
			pr.Err = fmt.Errorf("task %s: %s", r.Key, errText(r.Err))
		}
	}
	return run, nil
}

// event is a task starting or ending, at a time of the replayed run.
type event struct {
	at  time.Duration
	end bool
	rec int
}

// replay feeds the run's tasks to a collector in the order they happened
// and takes a frame at replayFrames moments of the run.
func (d *Dashboard) replay(run *savedRun) {
	c := new(collector)
	pr := &run.pr
	c.start(nil, time.Time{}, pr.Tasks, pr.Workers)
	stages := replayStageOf(c, run.records)
	d.update(func(s *Snapshot) {
		s.Replay, s.State, s.Start, s.Workers, s.Total = true, "running", startText(pr.Start), pr.Workers, pr.Tasks
		s.Stages = d.replayStages(c, run.records, stages)
	})
	f := newFramer(c, len(c.names))
	every := max(pr.Wall/replayFrames, time.Microsecond)
	next, nfail := time.Duration(0), 0
	emit := func(at time.Duration) {
		fr := f.frame(at, run.runtimeAt(at))
		var fails []Failure
		if fr.NFailures != nfail {
			nfail, fails = fr.NFailures, slices.Clone(c.failures)
		}
		d.addFrame(fr, fails)
	}
	for _, e := range run.events() {
		for e.at > next && next < pr.Wall {
			emit(next)
			next += every
		}
		d.apply(c, run, e, stages[e.rec])
	}
	emit(pr.Wall)
	fin := &Final{WallMs: ms(pr.Wall), Error: errText(pr.Err), CriticalMs: ms(pr.CriticalTime), CriticalStages: run.criticalStages(stages)}
	d.finish(fin, pr.Err != nil)
}

// startText is a run's start as a live dashboard shows it; "" for a
// trace's run, which has none.
func startText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// replayStageOf gives every record its stage: the run's own stages first,
// numbered as a live run numbers them (by the lowest node ID of their
// tasks), then the spawned ones.
func replayStageOf(c *collector, recs []diag.Record) []int32 {
	stages := make([]int32, len(recs))
	byID := make([]int, 0, len(recs))
	for k, r := range recs {
		if !r.Spawned {
			byID = append(byID, k)
		}
	}
	slices.SortStableFunc(byID, func(a, b int) int { return cmp.Compare(recs[a].ID, recs[b].ID) })
	own := map[string]int32{}
	for _, k := range byID {
		stages[k] = c.ownStage(own, recs[k].Name)
	}
	c.ownN = len(c.names)
	for k, r := range recs {
		if r.Spawned {
			stages[k] = c.spawnedStage(r.Stage())
		}
	}
	return stages
}

// events lists the tasks' starts and ends in the order they happened; a
// task that did not run ends with the run.
func (run *savedRun) events() []event {
	evs := make([]event, 0, 2*len(run.records))
	for k, r := range run.records {
		if r.Ran() {
			evs = append(evs, event{r.Start.Sub(run.pr.Start), false, k}, event{r.End.Sub(run.pr.Start), true, k})
		} else {
			evs = append(evs, event{run.pr.Wall, true, k})
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
func (run *savedRun) criticalStages(stages []int32) []int {
	keyStage := map[string]int{}
	for k, r := range run.records {
		keyStage[r.Key] = int(stages[k])
	}
	var out []int
	for _, r := range run.pr.CriticalPath {
		if s, ok := keyStage[r.Key]; ok {
			out = appendStage(out, s)
		}
	}
	return out
}

// apply feeds one event to the collector.
func (d *Dashboard) apply(c *collector, run *savedRun, e event, st int32) {
	r := run.records[e.rec]
	if !e.end {
		c.started(r.Worker, st, -1, e.at)
		return
	}
	var start, dur time.Duration
	if r.Ran() {
		start, dur = r.Start.Sub(run.pr.Start), r.Duration()
	}
	c.finished(r.Worker, st, -1, r.State, start, dur)
	if r.State == sched.Failed {
		c.failed(Failure{Task: cmp.Or(r.Key, r.Name), Stage: c.names[st].name, Worker: r.Worker, Error: errText(r.Err), AtMs: ms(e.at)})
	}
}

// replayStages lists the stages with their totals: the run's own stages
// hold every record that is not spawned.
func (d *Dashboard) replayStages(c *collector, recs []diag.Record, stages []int32) []Stage {
	out, _ := stageTables(nil, nil, c.names, 0, nil)
	for k := range out {
		if !out[k].Spawned {
			out[k].Total = 0
		}
	}
	for k, r := range recs {
		if !r.Spawned {
			out[stages[k]].Total++
		}
	}
	return out
}

// runtimeAt is the last resource sample taken at or before at.
func (run *savedRun) runtimeAt(at time.Duration) *Runtime {
	rt := &Runtime{GCShare: -1}
	for _, s := range run.samples {
		if s.At > at {
			break
		}
		rt.HeapMB, rt.Goroutines = float64(s.HeapBytes)/(1<<20), s.Goroutines
	}
	return rt
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
