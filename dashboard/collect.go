package dashboard

import (
	"math/bits"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// Bounds of what the hook side keeps, whatever the size of the run.
const (
	// maxStages is the most stages a run is shown with: stage names past
	// the first maxStages-1 share the last one, "(other stages)", so that
	// a graph whose every task has a name of its own still makes frames
	// of bounded size.
	maxStages = 64
	// ringLen is how many recent tasks each worker keeps for the task
	// stream. A worker that finishes more between two frames is drawn by
	// occupancy (busy time per stage) for that frame instead.
	ringLen = 128
	// histBuckets is the number of duration buckets per stage: bucket k
	// holds durations in [2^(k-1), 2^k) nanoseconds, the last everything
	// longer (2^46 ns is about 20 hours).
	histBuckets = 48
	// maxFailures is how many failures are kept with their errors.
	maxFailures = 20
)

// otherStages names the stage that stage names past maxStages share.
const otherStages = "(other stages)"

// collector is the hook side: per-worker counters and rings of recent
// tasks, each behind its worker's own lock, which only that worker and,
// a few times a second, the frame goroutine take.
type collector struct {
	// Set by start, before any task runs, and then only read (the
	// scheduler's start of its workers orders the two).
	g       *graph.Graph
	t0      time.Time
	tasks   int
	nwork   int
	stageOf []int32    // stage of each node of g
	slots   []slot     // slot 0 takes the tasks that did not run (worker -1)
	ownN    int        // stages of g's own tasks; spawned stages come after
	stageMu sync.Mutex // guards names and spawned
	names   []stageName
	spawned map[string]int32

	failMu   sync.Mutex // guards what follows
	failures []Failure
	failN    int
}

type stageName struct {
	name    string
	spawned bool
}

// slot is one worker's share. The padding keeps two slots' locks off one
// cache line.
type slot struct {
	// cur is the task the worker started last (see pack), stored by
	// TaskStart without the lock: one atomic store is all a start costs.
	cur atomic.Uint64

	mu    sync.Mutex
	stats []stageStats // by stage; grown when a spawned stage appears
	ring  [ringLen]span
	n     uint64 // tasks ever put in the ring
	// last is the packed task that ended with the latest start: the
	// worker runs cur while cur is not last and started after it. (A
	// task that computes a graph it built shows idle once the last of
	// the graph's tasks on its worker has ended.)
	last uint64
	_    [64]byte
}

// current is a task a worker is running.
type current struct {
	stage int32
	id    int32 // node ID in the run's graph, or -1 (spawned, replayed, or past noID)
	start time.Duration
}

// A task is packed in one word for the hooks: a bit that is always set
// (zero is no task), its start in units of 1.024 µs since the run's start
// (37 bits, 39 hours; a shift is cheaper than a division), its stage (6
// bits: there are at most maxStages) and its node ID (20 bits; noID when
// it has none or a larger one). Words of later starts are larger.
const (
	usBits, stageBits, idBits = 37, 6, 20
	noID                      = 1<<idBits - 1
	unitShift                 = 10 // 1.024 µs
)

func pack(st, id int32, start time.Duration) uint64 {
	if uint32(id) >= noID { // negative, or too large to keep
		id = noID
	}
	u := uint64(max(start, 0)) >> unitShift & (1<<usBits - 1)
	return 1<<63 | u<<(stageBits+idBits) | uint64(st)<<idBits | uint64(id)
}

func unpack(w uint64) current {
	c := current{stage: int32(w >> idBits & (1<<stageBits - 1)), id: int32(w & noID),
		start: time.Duration(w >> (stageBits + idBits) & (1<<usBits - 1) << unitShift)}
	if c.id == noID {
		c.id = -1
	}
	return c
}

// span is one finished task, for the task stream.
type span struct {
	start, dur time.Duration
	stage      int32
}

// stageStats counts one stage's tasks on one worker.
type stageStats struct {
	done, failed, skipped, notRun int
	busy                          time.Duration
	hist                          [histBuckets]uint32
}

func (s *stageStats) add(o *stageStats) {
	s.done += o.done
	s.failed += o.failed
	s.skipped += o.skipped
	s.notRun += o.notRun
	s.busy += o.busy
	for k, v := range o.hist {
		s.hist[k] += v
	}
}

// start prepares the collector for a run of g (nil in a replay, whose
// stages the caller names with stage).
func (c *collector) start(g *graph.Graph, t0 time.Time, tasks, workers int) {
	c.g, c.t0, c.tasks, c.nwork = g, t0, tasks, workers
	c.slots = make([]slot, workers+1)
	c.spawned = map[string]int32{}
	if g != nil {
		c.stageOf = make([]int32, g.Len())
		index := map[string]int32{}
		prev, prevStage := "", int32(-1)
		for id := range c.stageOf {
			if g.Kind(id) != graph.KindTask { // a Value never runs
				c.stageOf[id] = -1
				continue
			}
			// Nodes built together share their name's string, so the
			// comparison is mostly a pointer's.
			name := g.Name(id)
			if name != prev || prevStage < 0 {
				prev, prevStage = name, c.ownStage(index, name)
			}
			c.stageOf[id] = prevStage
		}
	}
	c.ownN = len(c.names)
}

// ownStage returns the stage of name among the run's own stages, making
// it if it is new.
func (c *collector) ownStage(index map[string]int32, name string) int32 {
	if s, ok := index[name]; ok {
		return s
	}
	s := c.newStage(name, false)
	index[name] = s
	return s
}

// newStage appends a stage, or returns the shared last one when there
// are too many. The caller holds stageMu or is start.
func (c *collector) newStage(name string, spawned bool) int32 {
	switch n := len(c.names); {
	case n < maxStages-1:
	case n == maxStages-1:
		c.names = append(c.names, stageName{name: otherStages})
		return int32(n)
	default:
		return maxStages - 1
	}
	c.names = append(c.names, stageName{name, spawned})
	return int32(len(c.names) - 1)
}

// stage returns the stage of a task the hooks report. A task of a graph
// that a task built (spawned) is shown under the last part of its path,
// as sched/diag does, in a stage of its own.
func (c *collector) stage(ev *sched.TaskEvent) int32 {
	if ev.Graph == c.g && uint(ev.ID) < uint(len(c.stageOf)) {
		if s := c.stageOf[ev.ID]; s >= 0 {
			return s
		}
	}
	return c.spawnedStage(ev.Name[strings.LastIndexByte(ev.Name, '/')+1:])
}

func (c *collector) spawnedStage(name string) int32 {
	c.stageMu.Lock()
	defer c.stageMu.Unlock()
	if s, ok := c.spawned[name]; ok {
		return s
	}
	s := c.newStage(name, true)
	c.spawned[name] = s
	return s
}

// stageNames returns the stages known so far.
func (c *collector) stageNames() []stageName {
	c.stageMu.Lock()
	defer c.stageMu.Unlock()
	return append([]stageName(nil), c.names...)
}

func (c *collector) slot(worker int) *slot {
	if k := worker + 1; k > 0 && k < len(c.slots) {
		return &c.slots[k]
	}
	return &c.slots[0]
}

func (c *collector) taskStart(ev *sched.TaskEvent) {
	c.started(ev.Worker, c.stage(ev), c.ownID(ev), ev.Start.Sub(c.t0))
}

// ownID is the node ID of a task of the run's own graph, -1 for others.
func (c *collector) ownID(ev *sched.TaskEvent) int32 {
	if ev.Graph == c.g {
		return int32(ev.ID)
	}
	return -1
}

func (c *collector) taskDone(ev *sched.TaskEvent) {
	var start time.Duration
	if !ev.Start.IsZero() {
		start = ev.Start.Sub(c.t0)
	}
	st := c.stage(ev)
	c.finished(ev.Worker, st, c.ownID(ev), ev.State, start, ev.Duration)
	if ev.State == sched.Failed {
		task := ev.Name
		if ev.Graph == c.g && c.g != nil { // the key tells it from its stage's others
			task = c.g.Key(ev.ID)
		}
		c.failed(Failure{Task: task, Stage: c.stageNames()[st].name, Worker: ev.Worker,
			Error: errText(ev.Err), AtMs: ms(start + ev.Duration)})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// started records that worker began a task of stage st at start.
func (c *collector) started(worker int, st, id int32, start time.Duration) {
	c.slot(worker).cur.Store(pack(st, id, start))
}

// finished records how a task of stage st ended.
func (c *collector) finished(worker int, st, id int32, state sched.State, start, dur time.Duration) {
	w := c.slot(worker)
	w.mu.Lock()
	if int(st) >= len(w.stats) {
		w.grow(int(st) + 1)
	}
	s := &w.stats[st]
	switch state {
	case sched.Done:
		s.done++
	case sched.Failed:
		s.failed++
	case sched.Skipped:
		s.skipped++
	default:
		s.notRun++
	}
	if state == sched.Done || state == sched.Failed {
		s.busy += dur
		s.hist[bucket(dur)]++
		w.ring[w.n%ringLen] = span{start, dur, st}
		w.n++
		if p := pack(st, id, start); p >= w.last { // starts order the words
			w.last = p
		}
	}
	w.mu.Unlock()
}

func (w *slot) grow(n int) {
	n = max(n, 2*len(w.stats), 4)
	w.stats = append(w.stats, make([]stageStats, n-len(w.stats))...)
}

func bucket(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return min(bits.Len64(uint64(d)), histBuckets-1)
}

func (c *collector) failed(f Failure) {
	c.failMu.Lock()
	defer c.failMu.Unlock()
	c.failN++
	if len(c.failures) < maxFailures {
		c.failures = append(c.failures, f)
	}
}

// workerView is what the frame goroutine copies of a slot.
type workerView struct {
	stats []stageStats
	spans []span // finished since the last copy, when all of them fit
	dense bool   // more finished since the last copy than the ring holds
	n     uint64
	cur   current
	busy  bool
}

// view copies slot k's state; since is the slot's n at the last copy.
func (c *collector) view(k int, since uint64, into *workerView) {
	w := &c.slots[k]
	w.mu.Lock()
	defer w.mu.Unlock()
	into.stats = append(into.stats[:0], w.stats...)
	cur := w.cur.Load()
	into.n, into.busy = w.n, cur != 0 && cur > w.last
	if into.busy {
		into.cur = unpack(cur)
	}
	into.spans = into.spans[:0]
	into.dense = w.n-since > ringLen
	if !into.dense {
		for i := since; i < w.n; i++ {
			into.spans = append(into.spans, w.ring[i%ringLen])
		}
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
