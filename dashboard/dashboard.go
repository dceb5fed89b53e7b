package dashboard

import (
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
)

// DefaultFrameEvery is how often a live dashboard makes a frame: often
// enough for the page to look live, rarely enough that a frame costs the
// run nothing it could notice.
const DefaultFrameEvery = 250 * time.Millisecond

// startEvery is the frame interval of a run's first startFor.
const (
	startEvery = 50 * time.Millisecond
	startFor   = 2 * time.Second
)

// maxFrames bounds a dashboard's history: past it, the older half is
// merged in pairs.
const maxFrames = 1024

// ErrClosed is returned by Serve once the dashboard is closed.
var ErrClosed = errors.New("dashboard: closed")

// Options configure a Dashboard. The zero value is ready to use.
type Options struct {
	// Title heads the page ("" means "taskgraph").
	Title string
	// Targets are the nodes the run computes. With them the page knows
	// each stage's number of tasks from the start; without them it knows
	// them when the run needs every task of its graph, and otherwise shows
	// the run's total only.
	Targets []graph.Node
	// Profiler, when set, is attached to the run by Hooks; once the run is
	// over the dashboard draws its critical path and offers its profile,
	// trace, Gantt chart and DOT picture for download.
	Profiler *diag.Profiler
	// FrameEvery is the interval between frames; 0 means
	// DefaultFrameEvery.
	FrameEvery time.Duration
	// AllowHosts are host names the page may be reached by besides
	// localhost and IP addresses (see Handler).
	AllowHosts []string
}

// Dashboard watches a run and serves it to browsers: attach Hooks to the
// run, serve Handler (or call Serve). It observes one run at a time (runs
// that overlap must not share one); a new run starts afresh. Its methods
// are safe for concurrent use.
//
// The hooks keep counters and a ring of recent tasks per worker; a
// goroutine that RunStart starts and RunDone stops (and waits for) turns
// them into a frame every FrameEvery (every 50 ms in the run's first two
// seconds, so that a short run is seen in more than a few frames). What a frame holds and what the page
// does with it depend on the number of stages and workers and on the frame
// rate, never on the task rate.
type Dashboard struct {
	o       Options
	targets []int
	every   time.Duration

	// The run in progress: set by RunStart before any task starts.
	c    *collector
	loop *loop

	mu       sync.Mutex // guards what follows
	snap     Snapshot   // Frames and Failures are appended to, never changed in place
	static   int        // incremented when Stages or Edges change
	changed  chan struct{}
	closed   chan struct{}
	g        *graph.Graph
	profile  []byte // the replayed profile, served for download
	critical bool   // the run is over and its critical path not yet read
}

// New returns a dashboard waiting for a run.
func New(o Options) *Dashboard {
	d := &Dashboard{o: o, every: o.FrameEvery, changed: make(chan struct{}), closed: make(chan struct{})}
	if d.every <= 0 {
		d.every = DefaultFrameEvery
	}
	for _, t := range o.Targets {
		if t != nil && t.ID() >= 0 {
			d.targets = append(d.targets, t.ID())
		}
	}
	d.snap = Snapshot{Title: o.Title, State: "waiting", FrameEveryMs: ms(d.every)}
	if d.snap.Title == "" {
		d.snap.Title = "taskgraph"
	}
	return d
}

// Hooks returns the callbacks that feed d (and its profiler, if any), for
// sched.WithHooks.
func (d *Dashboard) Hooks() sched.Hooks {
	own := sched.Hooks{RunStart: d.runStart, TaskStart: d.taskStart, TaskDone: d.taskDone, RunDone: d.runDone}
	if d.o.Profiler == nil {
		return own
	}
	// The profiler's RunDone goes first, so that its profile is ready
	// when the dashboard's asks for it.
	return diag.Combine(d.o.Profiler.Hooks(), own)
}

func (d *Dashboard) taskStart(ev sched.TaskEvent) { d.c.taskStart(&ev) }
func (d *Dashboard) taskDone(ev sched.TaskEvent)  { d.c.taskDone(&ev) }

func (d *Dashboard) runStart(info sched.RunInfo) {
	c := new(collector)
	c.start(info.Graph, info.Start, info.Tasks, info.Workers)
	stages, _ := stageTables(nil, nil, c.names, 0, nil)
	d.update(func(s *Snapshot) {
		d.c, d.critical = c, false
		*s = Snapshot{Title: s.Title, State: "running", Start: info.Start.UTC().Format(time.RFC3339Nano),
			Workers: info.Workers, Total: info.Tasks, FrameEveryMs: s.FrameEveryMs, Stages: stages}
		d.g = info.Graph
		d.static++
	})
	d.loop = startLoop(d, c, info.Graph)
}

func (d *Dashboard) runDone(st sched.RunStats) {
	if d.loop == nil {
		return
	}
	d.loop.finish(st.Elapsed)
	d.loop = nil
	d.mu.Lock()
	d.critical = d.o.Profiler != nil // worked out when first asked for
	d.mu.Unlock()
	d.finish(&Final{WallMs: ms(st.Elapsed), Error: errText(st.Err)}, st.Err != nil)
}

// complete adds the critical path to the final state, the first time
// anyone asks for the state after the run: the profiler's analysis of a
// run costs more than the run's hooks, and nobody may look.
func (d *Dashboard) complete() {
	d.mu.Lock()
	need, c := d.critical && d.snap.Final != nil, d.c
	d.mu.Unlock()
	if !need {
		return
	}
	pr, err := d.o.Profiler.Profile() // the profiler computes it once
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.critical || err != nil {
		return
	}
	d.critical = false
	fin := *d.snap.Final // copies of the snapshot share the old one
	fin.CriticalMs = ms(pr.CriticalTime)
	for _, r := range pr.CriticalPath {
		if r.ID >= 0 && r.ID < len(c.stageOf) && c.stageOf[r.ID] >= 0 {
			fin.CriticalStages = appendStage(fin.CriticalStages, int(c.stageOf[r.ID]))
		}
	}
	d.snap.Final = &fin
}

func appendStage(ss []int, s int) []int {
	if n := len(ss); n > 0 && ss[n-1] == s {
		return ss
	}
	return append(ss, s)
}

// finish records the end of the run.
func (d *Dashboard) finish(fin *Final, failed bool) {
	d.update(func(s *Snapshot) {
		if n := len(s.Frames); n > 0 {
			for _, w := range s.Frames[n-1].Workers {
				fin.BusyMs += w.BusyMs
			}
		}
		fin.Downloads = d.downloads()
		s.Final = fin
		s.State = "done"
		if failed {
			s.State = "failed"
		}
	})
}

// update changes the snapshot under the lock and wakes the streams.
func (d *Dashboard) update(f func(*Snapshot)) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f(&d.snap)
	close(d.changed)
	d.changed = make(chan struct{})
}

// addFrame appends a frame (and the failures so far, when there are new
// ones) to the history, merging old frames when it is full.
func (d *Dashboard) addFrame(fr Frame, failures []Failure) {
	d.update(func(s *Snapshot) {
		if len(fr.NewStages) > 0 {
			s.Stages = append(slices.Clip(s.Stages), fr.NewStages...)
			d.static++
		}
		if failures != nil {
			s.Failures = failures
		}
		s.Done, s.Failed, s.Skipped, s.NotRun = fr.Done, fr.Failed, fr.Skipped, fr.NotRun
		s.Frames = append(s.Frames, fr)
		if len(s.Frames) > maxFrames {
			s.Frames = thin(s.Frames, maxFrames/2)
		}
	})
}

// setTables sets the stage totals and edges once the frame goroutine has
// counted them.
func (d *Dashboard) setTables(stages []Stage, edges []Edge) {
	d.update(func(s *Snapshot) {
		for k := range stages {
			if k < len(s.Stages) {
				s.Stages[k].Total = stages[k].Total
			}
		}
		s.Edges = edges
		d.static++
	})
}

// Snapshot returns the dashboard's state.
func (d *Dashboard) Snapshot() Snapshot {
	d.complete()
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.snapshotLocked()
}

func (d *Dashboard) snapshotLocked() Snapshot {
	s := d.snap
	s.Stages = slices.Clone(s.Stages)
	s.Frames = slices.Clip(s.Frames) // appends copy; thinning makes a new slice
	s.Failures = slices.Clip(s.Failures)
	return s
}

// Close ends the event streams being served and makes Serve return. It
// does not stop a run: the hooks keep working, for nobody.
func (d *Dashboard) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	select {
	case <-d.closed:
	default:
		close(d.closed)
	}
	return nil
}

// loop is the frame goroutine of a run.
type loop struct {
	stop chan time.Duration
	done chan struct{}
}

// startLoop starts the frame goroutine; it is called by RunStart, before
// any task can add a spawned stage to c.names.
func startLoop(d *Dashboard, c *collector, g *graph.Graph) *loop {
	l := &loop{stop: make(chan time.Duration), done: make(chan struct{})}
	go l.run(d, c, g, slices.Clone(c.names[:c.ownN]))
	return l
}

// finish stops the goroutine after its last frame, at elapsed, and waits
// for it.
func (l *loop) finish(elapsed time.Duration) {
	l.stop <- elapsed
	<-l.done
}

func (l *loop) run(d *Dashboard, c *collector, g *graph.Graph, own []stageName) {
	defer close(l.done)
	f := newFramer(c, len(own))
	// The first seconds get frames more often: a short run is worth
	// seeing in more than a few frames, and a few seconds of them cost
	// the page nothing.
	fast := min(d.every, startEvery)
	tick := time.NewTicker(fast)
	defer tick.Stop()
	var last time.Duration
	tables := make(chan struct{})
	go func() { // counting a large graph must not delay the first frames
		defer close(tables)
		d.setTables(stageTables(g, c.stageOf, own, c.tasks, d.targets))
	}()
	defer func() { <-tables }()
	nfail := 0
	emit := func(now time.Duration) {
		fr := f.frame(now, nil)
		var fails []Failure
		if fr.NFailures != nfail {
			nfail = fr.NFailures
			c.failMu.Lock()
			fails = slices.Clone(c.failures)
			c.failMu.Unlock()
		}
		d.addFrame(fr, fails)
	}
	emit(0)
	for {
		select {
		case elapsed := <-l.stop:
			<-tables // the totals belong in the final state
			emit(elapsed)
			return
		case <-tick.C:
			now := time.Since(c.t0)
			if now < startFor || now-last >= d.every-fast/2 {
				emit(now)
				last = now
			}
		}
	}
}

// thin merges the oldest 2n frames in pairs, which leaves n fewer, and
// keeps the newer ones as they are.
func thin(fs []Frame, n int) []Frame {
	out := make([]Frame, 0, len(fs))
	old := fs[:min(2*n, len(fs))]
	for k := 0; k+1 < len(old); k += 2 {
		out = append(out, merge(old[k], old[k+1]))
	}
	if len(old)%2 == 1 {
		out = append(out, old[len(old)-1])
	}
	return append(out, fs[len(old):]...)
}

// merge makes one frame of two consecutive ones: b's state, with a's
// stream parts added to b's.
func merge(a, b Frame) Frame {
	m := b
	m.SpanMs = a.SpanMs + b.SpanMs
	if m.SpanMs > 0 {
		m.Rate = (a.Rate*a.SpanMs + b.Rate*b.SpanMs) / m.SpanMs
	}
	m.NewStages = append(slices.Clip(a.NewStages), b.NewStages...)
	m.Workers = make([]WorkerFrame, len(b.Workers))
	for k, w := range b.Workers {
		m.Workers[k] = w
		if k >= len(a.Workers) {
			continue
		}
		aw := a.Workers[k]
		m.Workers[k].Occ = mergeOcc(aw.Occ, w.Occ)
		m.Workers[k].Rects = nil
		if len(aw.Rects)+len(w.Rects) <= 2*maxRects && (aw.Rects != nil || len(aw.Occ) == 0) && (w.Rects != nil || len(w.Occ) == 0) {
			m.Workers[k].Rects = append(slices.Clip(aw.Rects), w.Rects...)
		}
	}
	return m
}

func mergeOcc(a, b [][2]float64) [][2]float64 {
	out := slices.Clone(a)
	for _, o := range b {
		found := false
		for k := range out {
			if out[k][0] == o[0] {
				out[k][1] += o[1]
				found = true
				break
			}
		}
		if !found {
			out = append(out, o)
		}
	}
	slices.SortFunc(out, func(x, y [2]float64) int { return int(x[0] - y[0]) })
	return out
}
