package sched

import (
	"sync"
	"sync/atomic"
)

// The work-stealing pool. Each worker owns a deque of ready tasks: it pushes
// and pops the newest end (LIFO, so it goes depth-first and finishes what it
// started), and a worker with nothing to do steals the oldest half of a
// random victim's deque. When a task makes dependents ready, the one with
// the highest static priority runs next on the same worker without touching
// any deque (Go's runnext), so a chain never goes through a queue.
//
// A pool serves one top-level run and the sub-runs its tasks start: a task
// that computes a graph it built does not block its worker but joins the
// pool (see helper), so an item names its run as well as its task.
type pool struct {
	top      *run
	workers  []*worker
	idle     atomic.Int32
	parkMu   sync.Mutex
	parkCond sync.Cond

	// Ready tasks with a priority (graph.Priority) wait here rather than
	// in a deque: a positive one is taken before anything else a worker
	// would run, a negative one only when there is nothing else.
	rankMu sync.Mutex
	hi, lo rankedHeap
	loN    atomic.Int32

	// Urgent work, taken before a worker's own deque: high-priority tasks
	// and the reports of tasks an executor ran (in). One counter for both,
	// so that a pool without either pays one load per task for the two.
	urgent atomic.Int32
	in     inbox

	limits *limiter // resources, shared by the top run and its sub-runs

	subs   sync.Map // number -> *run, for sub-runs in progress
	lastID atomic.Uint32
	mu     sync.Mutex // guards limits' creation

	// Helpers co-running sub-runs (see helper), which thieves visit too.
	helpersMu sync.RWMutex
	helpers   []*worker
	nHelpers  atomic.Int32
}

// runOf finds an item's run: the top-level run is number 1, sub-runs are
// looked up (they are few and their tasks coarse). A finished sub-run is
// gone, and so are its leftover items.
func (pl *pool) runOf(it item) *run {
	if it.rid == topRun {
		return pl.top // small enough to inline: the common case costs a test
	}
	return pl.subRun(it.rid)
}

func (pl *pool) subRun(id uint32) *run {
	r, _ := pl.subs.Load(id)
	rr, _ := r.(*run)
	return rr
}

func (pl *pool) rank(r *run, i int32) {
	it := ranked{r, i}
	pl.rankMu.Lock()
	if r.p.prio[i] > 0 {
		pl.hi.push(it)
		pl.urgent.Add(1)
	} else {
		pl.lo.push(it)
		pl.loN.Add(1)
	}
	pl.rankMu.Unlock()
	if pl.idle.Load() > 0 {
		pl.wakeOne()
	}
}

// takeRanked pops the best task of the high (or low) queue, if any.
func (pl *pool) takeRanked(high bool) item {
	q, n := &pl.lo, &pl.loN
	if high {
		q, n = &pl.hi, &pl.urgent
	}
	if n.Load() == 0 {
		return item{}
	}
	pl.rankMu.Lock()
	defer pl.rankMu.Unlock()
	if q.len() == 0 {
		return item{}
	}
	n.Add(-1)
	x := q.pop()
	return item{x.r.id, x.i}
}

// addHelper and dropHelper change the helpers thieves visit, in O(1).
func (pl *pool) addHelper(h *worker) {
	pl.helpersMu.Lock()
	h.slot = len(pl.helpers)
	pl.helpers = append(pl.helpers, h)
	pl.nHelpers.Add(1)
	pl.helpersMu.Unlock()
}

func (pl *pool) dropHelper(h *worker) {
	pl.helpersMu.Lock()
	last := len(pl.helpers) - 1
	moved := pl.helpers[last]
	pl.helpers[h.slot], moved.slot = moved, h.slot
	pl.helpers[last] = nil
	pl.helpers = pl.helpers[:last]
	pl.nHelpers.Add(-1)
	pl.helpersMu.Unlock()
}

// passOn wakes a sleeper when a thief left work behind, so that a burst of
// ready tasks spreads over all workers, not just the first to wake.
func (pl *pool) passOn(more bool) {
	if more && pl.idle.Load() > 0 {
		pl.wakeOne()
	}
}

func (pl *pool) wakeOne() {
	pl.parkMu.Lock()
	pl.parkCond.Signal()
	pl.parkMu.Unlock()
}

func (pl *pool) wakeAll() {
	pl.parkMu.Lock()
	pl.parkCond.Broadcast()
	pl.parkMu.Unlock()
}
