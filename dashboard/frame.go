package dashboard

import (
	"runtime/metrics"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/graph/analysis"
)

// maxRects is the most task rectangles a worker sends in one frame; a
// worker that finished more is drawn by occupancy for that frame.
const maxRects = 32

// Snapshot is the whole state of a dashboard: what /api/snapshot returns
// and the first event of /events. Times are milliseconds from the start of
// the run.
type Snapshot struct {
	Title   string `json:"title"`
	Replay  bool   `json:"replay"`
	State   string `json:"state"` // "waiting", "running", "done" or "failed"
	Start   string `json:"start,omitempty"`
	Workers int    `json:"workers"`
	// Total is the number of tasks the run needs; Done, Failed, Skipped
	// and NotRun count them by how they ended, so far.
	Total   int `json:"total"`
	Done    int `json:"done"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
	NotRun  int `json:"not_run"`
	// FrameEveryMs is the interval between frames.
	FrameEveryMs float64 `json:"frame_every_ms"`
	Stages       []Stage `json:"stages"`
	Edges        []Edge  `json:"edges"`
	// Frames is the run so far, oldest first; old frames are merged in
	// pairs so that their number stays bounded (see Frame.Span).
	Frames   []Frame   `json:"frames"`
	Failures []Failure `json:"failures"`
	Final    *Final    `json:"final,omitempty"`
}

// Stage is a group of tasks of one name.
type Stage struct {
	Name string `json:"name"`
	// Total is the number of the run's tasks in the stage; -1 when it is
	// not known (a spawned stage, or a run whose needed tasks were not
	// told: see Options.Targets).
	Total   int  `json:"total"`
	Spawned bool `json:"spawned,omitempty"`
}

// Edge says that tasks of stage To take Deps results of stage From.
type Edge struct {
	From int `json:"from"`
	To   int `json:"to"`
	Deps int `json:"deps"`
}

// Failure is one task that failed.
type Failure struct {
	Task   string  `json:"task"`
	Stage  string  `json:"stage"`
	Worker int     `json:"worker"`
	Error  string  `json:"error"`
	AtMs   float64 `json:"at_ms"`
}

// Frame is the run's state at one moment: counts are since the start of
// the run, the task stream parts (Workers[].Rects, Occ) cover the frame's
// span only.
type Frame struct {
	Seq int `json:"seq"`
	// T is the frame's time; SpanMs how far back its stream parts reach.
	T       float64 `json:"t"`
	SpanMs  float64 `json:"span_ms"`
	Done    int     `json:"done"`
	Failed  int     `json:"failed"`
	Skipped int     `json:"skipped"`
	NotRun  int     `json:"not_run"`
	Running int     `json:"running"`
	// Rate is tasks finished per second over the frame's span.
	Rate    float64       `json:"rate"`
	Stages  []StageFrame  `json:"stages"`
	Workers []WorkerFrame `json:"workers"`
	Runtime Runtime       `json:"runtime"`
	// NewStages are stages that appeared since the frame before (spawned
	// ones); NFailures is the number of failures so far.
	NewStages []Stage `json:"new_stages,omitempty"`
	NFailures int     `json:"n_failures"`
}

// StageFrame is one stage's counts in a frame.
type StageFrame struct {
	Done    int     `json:"done"`
	Failed  int     `json:"failed"`
	Skipped int     `json:"skipped"`
	NotRun  int     `json:"not_run"`
	Running int     `json:"running"`
	BusyMs  float64 `json:"busy_ms"`
	// Hist counts the stage's durations by power of two: Hist[k] those in
	// [2^(HistLo+k-1), 2^(HistLo+k)) nanoseconds.
	HistLo int   `json:"hist_lo"`
	Hist   []int `json:"hist"`
}

// WorkerFrame is one worker in a frame.
type WorkerFrame struct {
	Tasks  int     `json:"tasks"`
	BusyMs float64 `json:"busy_ms"` // since the start of the run
	// Cur is the stage of the task the worker is running (-1: idle), and
	// CurAgeMs how long it has run.
	Cur      int     `json:"cur"`
	CurTask  string  `json:"cur_task,omitempty"` // its key, for a task of the run's graph
	CurAgeMs float64 `json:"cur_age_ms"`
	// Rects are the tasks it finished in the frame's span as [stage,
	// start, duration] when they were few; Occ is busy time per stage in
	// the span as [stage, ms], always.
	Rects [][3]float64 `json:"rects,omitempty"`
	Occ   [][2]float64 `json:"occ,omitempty"`
}

// Runtime is the Go runtime's state; GCShare is the garbage collector's
// share of the CPU time used over the frame's span (-1: not known).
type Runtime struct {
	HeapMB     float64 `json:"heap_mb"`
	Goroutines int     `json:"goroutines"`
	GCShare    float64 `json:"gc_share"`
}

// Final is what is known once the run is over.
type Final struct {
	WallMs float64 `json:"wall_ms"`
	BusyMs float64 `json:"busy_ms"`
	Error  string  `json:"error,omitempty"`
	// CriticalMs is the critical path's length, and CriticalStages the
	// stages it passes through, first to last (consecutive repeats
	// folded); both need a profiler (Options.Profiler).
	CriticalMs     float64    `json:"critical_ms"`
	CriticalStages []int      `json:"critical_stages,omitempty"`
	Downloads      []Download `json:"downloads,omitempty"`
}

// Download is a file the dashboard serves about the finished run.
type Download struct {
	Name string `json:"name"`
	Path string `json:"path"`
}

// framer turns the collector's state into frames. It is owned by one
// goroutine at a time.
type framer struct {
	c        *collector
	seq      int
	prevT    time.Duration
	prevDone int
	nStages  int
	since    []uint64
	prevBusy [][]time.Duration // by worker, by stage
	views    []workerView
	rt       runtimeReader
}

// newFramer returns a framer whose first frame announces the stages past
// the first known ones.
func newFramer(c *collector, known int) *framer {
	f := &framer{c: c, since: make([]uint64, len(c.slots)), prevBusy: make([][]time.Duration, len(c.slots)),
		views: make([]workerView, len(c.slots))}
	f.nStages = known
	f.rt.init()
	return f
}

// frame makes the frame of time now (since the run's start).
func (f *framer) frame(now time.Duration, rt *Runtime) Frame {
	names := f.c.stageNames()
	fr := Frame{Seq: f.seq, T: ms(now), SpanMs: ms(now - f.prevT), Stages: make([]StageFrame, len(names))}
	f.seq++
	for _, n := range names[f.nStages:] {
		fr.NewStages = append(fr.NewStages, Stage{Name: n.name, Total: -1, Spawned: n.spawned})
	}
	f.nStages = len(names)
	sums := make([]stageStats, len(names))
	for k := range f.c.slots {
		v := &f.views[k]
		f.c.view(k, f.since[k], v)
		// Stages that appeared since names was read wait for the next
		// frame (slots grow their stats ahead of need, too).
		v.stats = v.stats[:min(len(v.stats), len(names))]
		for st := range v.stats {
			sums[st].add(&v.stats[st])
		}
		if k > 0 {
			fr.Workers = append(fr.Workers, f.worker(k, v, now, fr.Stages))
		}
		f.since[k] = v.n
	}
	for st := range sums {
		fr.Stages[st].fill(&sums[st])
		if st < f.c.ownN {
			fr.Done += sums[st].done
			fr.Failed += sums[st].failed
			fr.Skipped += sums[st].skipped
			fr.NotRun += sums[st].notRun
		}
	}
	for _, s := range fr.Stages {
		fr.Running += s.Running
	}
	if span := now - f.prevT; span > 0 {
		fr.Rate = float64(fr.Done+fr.Failed-f.prevDone) / span.Seconds()
	}
	f.prevT, f.prevDone = now, fr.Done+fr.Failed
	if rt != nil {
		fr.Runtime = *rt
	} else {
		fr.Runtime = f.rt.read()
	}
	f.c.failMu.Lock()
	fr.NFailures = f.c.failN
	f.c.failMu.Unlock()
	return fr
}

// worker makes worker slot k's part of a frame, and counts its running
// task in stages.
func (f *framer) worker(k int, v *workerView, now time.Duration, stages []StageFrame) WorkerFrame {
	wf := WorkerFrame{Cur: -1}
	prev := f.prevBusy[k]
	if len(prev) < len(v.stats) {
		prev = append(prev, make([]time.Duration, len(v.stats)-len(prev))...)
		f.prevBusy[k] = prev
	}
	for st := range v.stats {
		s := &v.stats[st]
		wf.Tasks += s.done + s.failed
		wf.BusyMs += ms(s.busy)
		if d := s.busy - prev[st]; d > 0 {
			wf.Occ = append(wf.Occ, [2]float64{float64(st), ms(d)})
		}
		prev[st] = s.busy
	}
	if v.busy && int(v.cur.stage) < len(stages) {
		wf.Cur, wf.CurAgeMs = int(v.cur.stage), ms(max(now-v.cur.start, 0))
		if g := f.c.g; g != nil && v.cur.id >= 0 && int(v.cur.id) < g.Len() {
			wf.CurTask = g.Key(int(v.cur.id)) // a few a frame: worth formatting
		}
		stages[v.cur.stage].Running++
	}
	if !v.dense && len(v.spans) <= maxRects {
		for _, s := range v.spans {
			if int(s.stage) >= len(stages) { // a stage newer than the frame's names
				s.stage = int32(len(stages) - 1)
			}
			wf.Rects = append(wf.Rects, [3]float64{float64(s.stage), ms(s.start), ms(s.dur)})
		}
	}
	return wf
}

func (s *StageFrame) fill(st *stageStats) {
	s.Done, s.Failed, s.Skipped, s.NotRun, s.BusyMs = st.done, st.failed, st.skipped, st.notRun, ms(st.busy)
	lo, hi := 0, len(st.hist)
	for lo < hi && st.hist[lo] == 0 {
		lo++
	}
	for hi > lo && st.hist[hi-1] == 0 {
		hi--
	}
	s.HistLo = lo
	s.Hist = make([]int, hi-lo)
	for k := range s.Hist {
		s.Hist[k] = int(st.hist[lo+k])
	}
}

// runtimeReader reads the Go runtime's metrics for frames.
type runtimeReader struct {
	buf         []metrics.Sample
	gc0, total0 float64
}

var runtimeNames = [...]string{
	"/memory/classes/heap/objects:bytes",
	"/sched/goroutines:goroutines",
	"/cpu/classes/gc/total:cpu-seconds",
	"/cpu/classes/total:cpu-seconds",
	"/cpu/classes/idle:cpu-seconds",
}

func (r *runtimeReader) init() {
	r.buf = make([]metrics.Sample, len(runtimeNames))
	for k, n := range runtimeNames {
		r.buf[k].Name = n
	}
	r.read()
}

func (r *runtimeReader) read() Runtime {
	metrics.Read(r.buf)
	v := func(k int) float64 {
		switch s := r.buf[k].Value; s.Kind() {
		case metrics.KindUint64:
			return float64(s.Uint64())
		case metrics.KindFloat64:
			return s.Float64()
		}
		return 0
	}
	rt := Runtime{HeapMB: v(0) / (1 << 20), Goroutines: int(v(1)), GCShare: -1}
	gc, used := v(2), v(3)-v(4)
	if d := used - r.total0; d > 0 {
		rt.GCShare = (gc - r.gc0) / d
	}
	r.gc0, r.total0 = gc, used
	return rt
}

// stageTables counts each own stage's tasks and the dependencies between
// stages, over the tasks the run needs: those targets need when they are
// given, else every task of g when their number is the run's (the run
// needs a subset of them, so then it needs them all). Otherwise the stage
// totals are unknown (-1). It reads g, which a run does not change, from
// the frame goroutine: the hooks never pay for it.
func stageTables(g *graph.Graph, stageOf []int32, names []stageName, tasks int, targets []int) ([]Stage, []Edge) {
	stages := make([]Stage, len(names))
	for k, n := range names {
		stages[k] = Stage{Name: n.name, Total: -1, Spawned: n.spawned}
	}
	if g == nil {
		return stages, nil
	}
	var needed []bool
	if len(targets) > 0 {
		needed = analysis.Needed(g, targets...)
	}
	x := graph.ExecutableOf(g) // its Deps are read in place: Graph.Deps copies
	ns := len(names)
	count := make([]int, ns)
	deps := make([]int, ns*ns) // deps[from*ns+to]: at most maxStages² counters
	n := 0
	for id, to := range stageOf {
		if to < 0 || (needed != nil && !needed[id]) {
			continue
		}
		count[to]++
		n++
		for _, d := range x.Deps(id) {
			if from := stageOf[d]; from >= 0 { // a Value's stage is -1
				deps[int(from)*ns+int(to)]++
			}
		}
	}
	if needed != nil || n == tasks {
		for k := range count {
			if !stages[k].Spawned {
				stages[k].Total = count[k]
			}
		}
	}
	var edges []Edge // in order of From, then To
	for k, c := range deps {
		if from, to := k/ns, k%ns; c > 0 && from != to {
			edges = append(edges, Edge{From: from, To: to, Deps: c})
		}
	}
	return stages, edges
}
