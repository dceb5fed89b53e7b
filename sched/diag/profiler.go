package diag

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// ErrNoRun is returned by the outputs of a Profiler that has not seen a
// run end yet.
var ErrNoRun = errors.New("diag: no finished run was observed")

// DefaultSampleEvery is how often a Profiler samples heap, goroutines and
// CPU unless told otherwise: often enough to draw a run of a few tens of
// milliseconds, rarely enough to cost nothing measurable.
const DefaultSampleEvery = 10 * time.Millisecond

// Record is what a Profiler measured of one task.
type Record struct {
	ID   int    // node ID in the task's graph
	Key  string // unique within the task's graph (graph.Graph.Key); a spawned task's has its parents' path
	Name string // as the hooks report it: a spawned task's has its parents' path
	// Spawned tells a task of a graph that a task of the run built and
	// computed while it ran; its time is also part of its parent's.
	Spawned    bool
	Worker     int       // -1 when it did not run
	Where      string    // the process that ran it, when an executor did (sched.TaskEvent.Where)
	Start, End time.Time // zero when it did not run
	State      sched.State
	Err        error // when State is Failed
}

// Duration is how long the task ran.
func (r Record) Duration() time.Duration { return r.End.Sub(r.Start) }

// Ran tells whether the task took time on a worker (it is Done or
// Failed): only then has it a worker, a start and an end.
func (r Record) Ran() bool { return ran(r.State) }

// ProfilerOption configures a Profiler.
type ProfilerOption func(*Profiler)

// SampleEvery sets how often the Profiler samples the resources of the
// process while a run goes (see [Sample]); d <= 0 turns sampling off, so
// the profiler starts no goroutine.
func SampleEvery(d time.Duration) ProfilerOption {
	return func(p *Profiler) { p.every = max(d, 0) }
}

// Profiler records a run, task by task (Dask's Profiler and
// ResourceProfiler in one). Attach its Hooks to a run; once the run has
// returned, read what it measured (Records, Profile, Samples) or write it
// out (Summary, WriteTrace, WriteGantt, WriteJSON).
//
// A Profiler observes one run at a time; a new run starts afresh. Its
// results are consistent once the run has returned.
type Profiler struct {
	every time.Duration

	// Set by RunStart, before any task starts, and only read by the
	// workers: the scheduler's start of its workers orders the two.
	g      *graph.Graph
	t0     time.Time
	shards []shard

	mu      sync.Mutex // guards what follows
	info    sched.RunInfo
	stats   sched.RunStats
	ended   bool
	sampler *sampler
	samples []Sample
	an      *analysis // made on first demand after the run
}

// shard is one worker's share of the records, so that workers recording
// at once do not contend for a lock. The padding keeps two shards' locks
// off one cache line.
type shard struct {
	mu     sync.Mutex
	chunks [][]rec
	more   []more
	_      [64]byte
}

// chunkLen is the number of records of one chunk of a shard: records are
// kept in chunks, so that no allocation is large (none costs RunStart a
// pause) and none is ever copied to grow.
const chunkLen = 1024

func (s *shard) add(r rec) {
	n := len(s.chunks)
	if n == 0 || len(s.chunks[n-1]) == chunkLen {
		s.chunks = append(s.chunks, make([]rec, 0, chunkLen))
		n++
	}
	s.chunks[n-1] = append(s.chunks[n-1], r)
}

// rec is a Record as kept during the run: times as offsets from the
// run's start, no key (formatting one per task would cost more than the
// rest of the hook) and no pointers, so that a run's worth of records
// costs the garbage collector nothing to scan. A task of the run's own
// graph that did not fail needs nothing else: its name is the graph's.
type rec struct {
	start, dur time.Duration
	id, worker int32
	more       int32 // 1 + index into the shard's more, or 0
	state      sched.State
}

// more is what a spawned, failed or remote task needs besides its rec.
type more struct {
	g     *graph.Graph
	name  string
	err   error
	where string
}

// NewProfiler returns a Profiler that samples resources every
// DefaultSampleEvery unless an option says otherwise.
func NewProfiler(opts ...ProfilerOption) *Profiler {
	p := &Profiler{every: DefaultSampleEvery, shards: make([]shard, 1)}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Hooks returns the callbacks that feed p, for sched.WithHooks.
func (p *Profiler) Hooks() sched.Hooks {
	return sched.Hooks{RunStart: p.runStart, TaskDone: p.taskDone, RunDone: p.runDone}
}

func (p *Profiler) runStart(info sched.RunInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.info, p.stats, p.ended, p.samples, p.an = info, sched.RunStats{}, false, nil, nil
	p.g, p.t0 = info.Graph, info.Start
	// Shard 0 takes the tasks that did not run (Worker -1); the others
	// are the workers'. Most runs spread tasks evenly.
	p.shards = make([]shard, info.Workers+1)
	if p.every > 0 {
		p.sampler = startSampler(p.every, info.Start)
	}
}

func (p *Profiler) taskDone(ev sched.TaskEvent) {
	var start time.Duration
	if !ev.Start.IsZero() {
		start = ev.Start.Sub(p.t0)
	}
	s := &p.shards[0]
	if k := ev.Worker + 1; k > 0 && k < len(p.shards) {
		s = &p.shards[k]
	}
	r := rec{start: start, dur: ev.Duration, id: int32(ev.ID), worker: int32(ev.Worker), state: ev.State}
	s.mu.Lock()
	if ev.Graph != p.g || ev.Err != nil || ev.Where != "" {
		s.more = append(s.more, more{ev.Graph, ev.Name, ev.Err, ev.Where})
		r.more = int32(len(s.more))
	}
	s.add(r)
	s.mu.Unlock()
}

func (p *Profiler) runDone(st sched.RunStats) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sampler != nil {
		p.samples = p.sampler.finish()
		p.sampler = nil
	}
	p.stats, p.ended = st, true
}

// Records returns every task of the last run once: those that ran in the
// order they started (ties by worker, then ID), then those that did not,
// by ID. The slice is shared; do not modify it.
func (p *Profiler) Records() []Record {
	an, _ := p.analysis()
	if an == nil {
		return nil
	}
	return an.records
}

// Samples returns the resource samples of the last run, in time order.
func (p *Profiler) Samples() []Sample {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.samples
}

// analysis returns what was derived from the last run, deriving it on
// the first call after the run.
func (p *Profiler) analysis() (*analysis, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.ended {
		return nil, ErrNoRun
	}
	if p.an == nil {
		p.an = analyse(p.info, p.stats, p.samples, p.collect())
	}
	return p.an, nil
}

// collect turns the shards' records into Records, sorted. A worker's
// records are nearly in order already (it runs one task after another;
// only a task that spawned a graph ends after the tasks it spawned), so
// each shard is sorted alone, cheaply, and the shards are merged.
func (p *Profiler) collect() []Record {
	runs := make([][]item, 0, len(p.shards))
	n := 0
	for k := range p.shards {
		s := &p.shards[k]
		s.mu.Lock()
		m := 0
		for _, c := range s.chunks {
			m += len(c)
		}
		run := make([]item, 0, m)
		for _, c := range s.chunks {
			for _, r := range c {
				run = append(run, item{r, int32(k)})
			}
		}
		s.mu.Unlock()
		if !slices.IsSortedFunc(run, p.compare) {
			slices.SortStableFunc(run, p.compare)
		}
		runs = append(runs, run)
		n += len(run)
	}
	for len(runs) > 1 { // merge pairs of runs until one is left
		var next [][]item
		for k := 0; k+1 < len(runs); k += 2 {
			next = append(next, merge(runs[k], runs[k+1], p.compare))
		}
		if len(runs)%2 == 1 {
			next = append(next, runs[len(runs)-1])
		}
		runs = next
	}
	out := make([]Record, 0, n)
	for _, run := range runs {
		for _, it := range run {
			out = append(out, p.record(it.r, &p.shards[it.shard]))
		}
	}
	return out
}

func merge[E any](a, b []E, cmp func(E, E) int) []E {
	out := make([]E, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if cmp(b[0], a[0]) < 0 {
			out, b = append(out, b[0]), b[1:]
		} else {
			out, a = append(out, a[0]), a[1:]
		}
	}
	return append(append(out, a...), b...)
}

// item is a rec and the shard that holds its more.
type item struct {
	r     rec
	shard int32
}

// compare orders tasks that ran by start, then the others; ties are
// broken by worker, then by fields that tell any two tasks apart (own
// graph first, ID, name), so that the order is the same whichever
// worker recorded first.
func (p *Profiler) compare(a, b item) int {
	if c := cmp.Compare(boolInt(!ran(a.r.state)), boolInt(!ran(b.r.state))); c != 0 {
		return c
	}
	if c := cmp.Or(cmp.Compare(a.r.start, b.r.start), cmp.Compare(a.r.worker, b.r.worker)); c != 0 {
		return c
	}
	as, an := p.spawnedName(a)
	bs, bn := p.spawnedName(b)
	return cmp.Or(cmp.Compare(boolInt(as), boolInt(bs)), cmp.Compare(a.r.id, b.r.id), cmp.Compare(an, bn))
}

// spawnedName tells whether an item is a spawned task, and its name if
// it has one besides its graph's (two tasks of the run's own graph never
// have the same ID, so their names never decide).
func (p *Profiler) spawnedName(it item) (bool, string) {
	if it.r.more == 0 {
		return false, ""
	}
	m := p.shards[it.shard].more[it.r.more-1]
	return m.g != p.g, m.name
}

func ran(s sched.State) bool { return s == sched.Done || s == sched.Failed }

func (p *Profiler) record(r rec, s *shard) Record {
	out := Record{ID: int(r.id), Worker: int(r.worker), State: r.state}
	g := p.g
	if r.more > 0 {
		m := s.more[r.more-1]
		g, out.Name, out.Err, out.Where = m.g, m.name, m.err, m.where
	} else if g != nil {
		out.Name = g.Name(out.ID)
	}
	out.Spawned = g != p.g
	if g != nil {
		out.Key = g.Key(out.ID)
	}
	if out.Spawned {
		// Keys are unique within a graph only: give a spawned task's the
		// path of its parents, as its name has ("sort/sort/merge#2").
		if k := strings.LastIndexByte(out.Name, '/'); k >= 0 {
			out.Key = out.Name[:k+1] + out.Key
		}
	}
	if out.Ran() {
		out.Start = p.t0.Add(r.start)
		out.End = out.Start.Add(r.dur)
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
