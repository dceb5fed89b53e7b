package sched

import (
	"container/heap"
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"
)

// The work-stealing pool. Each worker owns a deque of ready tasks: it pushes
// and pops the newest end (LIFO, so it goes depth-first and finishes what it
// started), and a worker with nothing to do steals the oldest half of a
// random victim's deque. When a task makes dependents ready, the one with
// the highest static priority runs next on the same worker without touching
// any deque (Go's runnext), so a chain never goes through a queue.
//
// A deque is a slice under a mutex: an uncontended lock is a couple of
// atomic operations, and stealing a batch under a lock is simple and
// obviously correct where a lock-free deque with batch steals is neither.
//
// A pool serves one top-level run and the sub-runs its tasks start: a task
// that computes a graph it built does not block its worker but joins the
// pool (corun), so an item names its run as well as its task.
type pool struct {
	top      *run
	workers  []*worker
	idle     atomic.Int32
	parkMu   sync.Mutex
	parkCond sync.Cond

	// Ready tasks with a priority (graph.Priority) wait here rather than
	// in a deque: a positive one is taken before anything else a worker
	// would run, a negative one only when there is nothing else.
	rankMu   sync.Mutex
	hi, lo   rankedItems
	hiN, loN atomic.Int32

	subs   sync.Map // number -> *run, for sub-runs in progress
	lastID atomic.Uint32
}

// rankedItems is a heap of ready tasks, highest priority first, then
// lowest static number.
type rankedItems []ranked

type ranked struct {
	r *run
	i int32
}

func (h rankedItems) Len() int { return len(h) }
func (h rankedItems) Less(a, b int) bool {
	x, y := h[a], h[b]
	if px, py := x.r.p.prio[x.i], y.r.p.prio[y.i]; px != py {
		return px > py
	}
	return x.i < y.i
}
func (h rankedItems) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *rankedItems) Push(x any)   { *h = append(*h, x.(ranked)) }
func (h *rankedItems) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = ranked{}
	*h = old[:len(old)-1]
	return x
}

func (pl *pool) rank(r *run, i int32) {
	it := ranked{r, i}
	pl.rankMu.Lock()
	if r.p.prio[i] > 0 {
		heap.Push(&pl.hi, it)
		pl.hiN.Add(1)
	} else {
		heap.Push(&pl.lo, it)
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
		q, n = &pl.hi, &pl.hiN
	}
	if n.Load() == 0 {
		return item{}
	}
	pl.rankMu.Lock()
	defer pl.rankMu.Unlock()
	if q.Len() == 0 {
		return item{}
	}
	n.Add(-1)
	x := heap.Pop(q).(ranked)
	return item{x.r.id, x.i}
}

// enqueue makes a ready task available: ranked tasks to the pool's
// queues, the rest to this worker's deque.
func (w *worker) enqueue(r *run, i int32) {
	if r.p.slots[i].f.has(isRanked) {
		w.pool.rank(r, i)
		return
	}
	w.push(item{r.id, i})
}

// item names a ready task in a deque: its run's number in the pool and
// its local number. Deques hold no pointers, so the garbage collector never
// scans them and pushing a task needs no write barrier.
type item struct {
	run uint32 // the run's number in the pool; 0: no item
	i   int32
}

func (it item) ok() bool { return it.run != 0 }

// topRun is the number of a pool's top-level run.
const topRun = 1

// runOf finds an item's run: the top-level run is number 1, sub-runs are
// looked up (they are few and their tasks coarse). A finished sub-run is
// gone, and so are its leftover items.
func (pl *pool) runOf(it item) *run {
	if it.run == topRun {
		return pl.top // small enough to inline: the common case costs a test
	}
	return pl.subRun(it.run)
}

func (pl *pool) subRun(id uint32) *run {
	r, _ := pl.subs.Load(id)
	rr, _ := r.(*run)
	return rr
}

type worker struct {
	pool *pool
	id   int
	rng  uint64
	buf  []item // stolen batch in transit
	size atomic.Int32

	cur     *run      // the run of the task being run
	current int32     // the task being run, for panic recovery
	inTask  bool      // a panic now comes from a task
	start   time.Time // when current started (hooked runs only)
	lastEnd time.Time // when the last task ended, if the worker went straight on

	// The context tasks get: the run's, plus this worker, so that a task
	// computing a graph of its own can join the pool on this worker.
	ctxRun *run
	ctx    context.Context

	// A count-down of a wide task's pending counter that this worker has
	// not applied yet (see ready).
	heldRun        *run
	heldTask, held int32

	mu   sync.Mutex
	q    []item
	head int // q[head:] are queued; q[head] is the oldest
	// Below q, older than anything in it: initially ready tasks of the top
	// run, read in place from its plan instead of copied into q (a wide
	// graph has as many as it has tasks). The newest, next to pop, is
	// roots[0]; thieves take the oldest, from the end.
	roots []int32

	_ [64]byte // keep neighbouring workers' hot fields on other cache lines
}

type workerKey struct{}

// workerOf returns the pool worker whose goroutine runs the task that got
// ctx, if that task belongs to a parallel run.
func workerOf(ctx context.Context) *worker {
	w, _ := ctx.Value(workerKey{}).(*worker)
	return w
}

// taskCtx is the context tasks of r get on this worker.
func (w *worker) taskCtx(r *run) context.Context {
	if w.ctxRun != r {
		w.ctxRun, w.ctx = r, context.WithValue(r.ctx, workerKey{}, w)
	}
	return w.ctx
}

// newPool makes the pool of n workers that will run r. It exists before
// the run starts so that whoever stops the run (the cancellation watcher
// too) finds it.
func newPool(r *run, n int) *pool {
	pl := &pool{top: r}
	pl.lastID.Store(topRun)
	r.id = topRun
	pl.parkCond.L = &pl.parkMu
	pl.workers = make([]*worker, n)
	for i := range pl.workers {
		pl.workers[i] = &worker{pool: pl, id: i, rng: uint64(i)*0x9E3779B97F4A7C15 + 1, heldTask: -1}
	}
	return pl
}

// parallel runs r on its pool; worker 0 is the calling goroutine.
func (r *run) parallel() {
	pl := r.pool
	// All initially ready tasks start on worker 0, newest = highest
	// priority; the others steal the far end, which in the static order is
	// a different part of the graph.
	w0 := pl.workers[0]
	if r.p.prio == nil {
		// None is ranked: they are a deque segment as they are.
		w0.roots = slices.Clip(r.p.roots)
		w0.size.Store(int32(len(w0.roots)))
	} else {
		w0.pushRoots(r)
	}

	var eg errgroup.Group
	for _, w := range pl.workers[1:] {
		eg.Go(func() error { w.loop(nil); return nil })
	}
	w0.loop(nil)
	_ = eg.Wait() // workers report through the run, never through errgroup
	for _, w := range pl.workers {
		w.ctxRun, w.ctx = nil, nil
	}
}

// pushRoots queues r's initially ready tasks on w, lowest static number on
// top.
func (w *worker) pushRoots(r *run) {
	roots := r.p.roots
	w.mu.Lock()
	for k := len(roots) - 1; k >= 0; k-- {
		if r.p.slots[roots[k]].f.has(isRanked) {
			w.pool.rank(r, roots[k])
			continue
		}
		w.q = append(w.q, item{r.id, roots[k]})
	}
	w.size.Store(w.queued())
	w.mu.Unlock()
	if w.pool.idle.Load() > 0 {
		w.pool.wakeAll()
	}
}

// corun computes sub-run r on the pool of the worker whose task asked for
// it: the worker runs r's tasks, and any other ready work, until r is over,
// so a task waiting for a graph it spawned never holds a worker idle and
// nesting cannot deadlock.
func (w *worker) corun(r *run) {
	cur, current, inTask, start := w.cur, w.current, w.inTask, w.start
	w.pool.subs.Store(r.id, r)
	defer w.pool.subs.Delete(r.id)
	w.pushRoots(r)
	w.loop(r)
	w.cur, w.current, w.inTask, w.start = cur, current, inTask, start
}

// loop runs tasks until the pool's top run ends, or, in a corun, until
// the sub-run `until` is over.
func (w *worker) loop(until *run) {
	for again := true; again; {
		again = w.work(until)
	}
}

// over tells whether a sub-run has stopped and none of its tasks is still
// running anywhere.
func (r *run) over() bool {
	return r.halted() && r.inflight.Load() == 0
}

func (w *worker) finished(until *run) bool {
	if until != nil {
		return until.over()
	}
	return w.pool.top.halted()
}

// work runs tasks until loop's condition holds. When a task panics, it
// settles that task and returns true to be called again.
func (w *worker) work(until *run) (again bool) {
	defer func() {
		if v := recover(); v != nil {
			w.recovered(v)
			r := w.cur
			if next := w.after(r, w.current); next >= 0 {
				w.push(item{r.id, next})
			}
			again = true
		}
	}()
	var next item
	for {
		// A corun ends as soon as its sub-run is over. The top-level loop
		// needs no check per task: the next task's own run halting says
		// enough (a sub-run halts with the run it belongs to).
		if until != nil && until.over() {
			if next.ok() {
				w.push(next)
			}
			w.flush(true)
			return false
		}
		if w.pool.hiN.Load() > 0 {
			if it := w.pool.takeRanked(true); it.ok() {
				if next.ok() {
					w.push(next)
				}
				next = it
			}
		}
		if !next.ok() {
			next = w.pop()
		}
		if w.held > 0 && (!next.ok() || !w.feedsHeld(next)) {
			if j := w.flush(false); j.ok() {
				if next.ok() {
					w.push(next)
				}
				next = j
			}
		}
		if !next.ok() {
			if next = w.findWork(until); !next.ok() {
				if w.finished(until) {
					w.flush(true)
					return false
				}
				continue // woken: look again
			}
		}
		r := w.pool.runOf(next)
		if r == nil || r.halted() {
			if until == nil && w.pool.top.halted() {
				w.flush(true)
				return false
			}
			next = item{} // its run stopped: it will not run
			continue
		}
		next = w.step(r, next.i)
	}
}

// step runs task i of r and returns the task to run next, if any.
func (w *worker) step(r *run, i int32) item {
	if r.res != nil && !r.res.acquire(i, w) {
		return item{} // queued until a holder of the resource finishes
	}
	if r.sub {
		return w.stepSub(r, i)
	}
	return w.runLinks(r, i)
}

// runLinks runs task i and, as long as the task just run hands over to a
// dependent that has no other argument (a chain link, isLink), that
// dependent too, without a round trip through the work loop: a chain then
// costs about what the serial reference pays per task. It goes back to the
// loop when the run halts, a ranked task is waiting, a resource is in
// play, or this worker holds a count-down that the loop must flush.
//
// The loop body is after's steps written out, with the chain hand-over
// checked before ready: calling after here measured 2–4 ns more per chain
// link (about 20 against 24 ns/task at 2 workers).
func (w *worker) runLinks(r *run, i int32) item {
	for {
		w.exec(r, i)
		if r.res != nil {
			r.res.release(i, w)
		}
		r.settle(i)
		if j := r.p.link(i); j >= 0 && r.res == nil && w.held == 0 && w.pool.hiN.Load() == 0 {
			if r.halted() {
				return item{} // the loop would drop it too
			}
			if r.slow || r.state[i] != Done {
				i = j
				continue
			}
			i = w.links(r, j)
		}
		if r.stopped.Load() {
			return item{}
		}
		if next := w.ready(r, i); next >= 0 {
			return item{r.id, next}
		}
		return item{}
	}
}

// links runs task i, a chain link whose argument has just been computed,
// and the links after it, in a loop for the common case: a run without
// hooks, resources or task options, so that a link costs little more than
// its call. (Its only task argument succeeded, so nothing upstream of it
// failed, whatever other tasks did.) It returns the last task it ran,
// settled, when that one does not hand over to a link, failed, or the run
// halted or a ranked task is waiting; runLinks takes it from there.
func (w *worker) links(r *run, i int32) int32 {
	// The body is exec's common case written out: calling a function for
	// it measured about 1 ns more per link (15.4 against 14.2 ns/task).
	p, ctx := r.p, w.taskCtx(r)
	for {
		w.current = i
		w.inTask = true
		err := p.task(i).Run(ctx)
		w.inTask = false
		if err != nil {
			r.state[i] = Failed
			r.fail(i, err)
			r.settle(i)
			return i
		}
		r.state[i] = Done
		r.settle(i)
		s := &p.slots[i]
		if !s.f.has(isLink) || w.pool.hiN.Load() != 0 || r.halted() {
			return i
		}
		i = p.outs[s.out]
	}
}

// stepSub is step for a sub-run's task, counted in flight so that the
// corun waiting for the sub-run knows when none is left running.
func (w *worker) stepSub(r *run, i int32) item {
	r.inflight.Add(1)
	defer r.leave()
	return w.runLinks(r, i)
}

// leave ends a sub-run task's flight; the last one out of a stopped sub-run
// wakes its waiter.
func (r *run) leave() {
	if r.inflight.Add(-1) == 0 && r.halted() {
		r.pool.wakeAll()
	}
}

// after settles task i of r and makes its dependents ready.
func (w *worker) after(r *run, i int32) int32 {
	if r.res != nil {
		r.res.release(i, w)
	}
	r.settle(i)
	if r.stopped.Load() {
		return -1
	}
	return w.ready(r, i)
}

// ready counts down the dependents of i. The highest-priority one that
// became ready is returned to run next; the others are pushed so that the
// next highest is on top.
//
// A wide fan-in (a join of thousands of tasks) would have every worker
// hammer one counter. Instead a worker holds its count-down of one wide
// task and applies it in one atomic add (flush) as soon as it is about to
// run anything that does not feed that task, or to look for work: the join
// can only become ready once all its arguments are done, so holding the
// count while running more of them delays nothing.
func (w *worker) ready(r *run, i int32) int32 {
	p := r.p
	if j := p.link(i); j >= 0 {
		return j
	}
	next := int32(-1)
	outs := p.dependents(i)
	for k := len(outs) - 1; k >= 0; k-- {
		j := outs[k]
		sj := &p.slots[j]
		if sj.f.has(isWide) {
			if w.heldRun != r || w.heldTask != j {
				if t := w.flush(false); t.ok() {
					w.push(t)
				}
				w.heldRun, w.heldTask = r, j
			}
			w.held++
			continue
		}
		// A task with a single argument is ready now: no shared counter.
		if !sj.f.has(hasPending) || atomic.AddInt32(&r.counts[sj.cnt], -1) == 0 {
			if sj.f.has(isRanked) {
				w.pool.rank(r, j)
				continue
			}
			if next >= 0 {
				w.push(item{r.id, next})
			}
			next = j
		}
	}
	return next
}

// feedsHeld tells whether task it's only dependent is the wide task whose
// count-down this worker holds.
func (w *worker) feedsHeld(it item) bool {
	r := w.heldRun
	if it.run != r.id {
		return false
	}
	outs := r.p.dependents(it.i)
	return len(outs) == 1 && outs[0] == w.heldTask
}

// flush applies the held count-down and returns the wide task if that made
// it ready (or queues it, with queue set).
func (w *worker) flush(queue bool) item {
	r, j, n := w.heldRun, w.heldTask, w.held
	w.heldRun, w.heldTask, w.held = nil, -1, 0
	if n == 0 || atomic.AddInt32(&r.counts[r.p.slots[j].cnt], -n) != 0 {
		return item{}
	}
	if queue || r.p.slots[j].f.has(isRanked) {
		w.enqueue(r, j)
		return item{}
	}
	return item{r.id, j}
}

// queued is the number of tasks in w's deque; w.mu is held.
func (w *worker) queued() int32 { return int32(len(w.q) - w.head + len(w.roots)) }

func (w *worker) push(it item) {
	w.mu.Lock()
	w.q = append(w.q, it)
	w.size.Store(w.queued())
	w.mu.Unlock()
	if w.pool.idle.Load() > 0 {
		w.pool.wakeOne()
	}
}

func (w *worker) pop() item {
	if w.size.Load() == 0 {
		return item{}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var it item
	switch {
	case len(w.q) > w.head:
		it = w.q[len(w.q)-1]
		w.q = w.q[:len(w.q)-1]
		if len(w.q) == w.head {
			w.q, w.head = w.q[:0], 0
		}
	case len(w.roots) > 0:
		it = item{topRun, w.roots[0]}
		w.roots = w.roots[1:]
	default:
		return item{}
	}
	w.size.Store(w.queued())
	return it
}

// stealFrom moves the oldest half of v's deque to w's and returns one task
// of it to run now; more tells that work is left in either deque.
func (w *worker) stealFrom(v *worker) (it item, more bool) {
	if v.size.Load() == 0 {
		return item{}, false
	}
	v.mu.Lock()
	n := int(v.queued())
	if n == 0 {
		v.mu.Unlock()
		return item{}, false
	}
	k := (n + 1) / 2
	if len(v.roots) > 0 {
		return w.stealRoots(v, k)
	}
	w.buf = append(w.buf[:0], v.q[v.head:v.head+k]...)
	v.head += k
	if v.head == len(v.q) {
		v.q, v.head = v.q[:0], 0
	}
	left := v.queued()
	v.size.Store(left)
	v.mu.Unlock()

	it = w.buf[len(w.buf)-1]
	if rest := w.buf[:len(w.buf)-1]; len(rest) > 0 {
		w.mu.Lock()
		w.q = append(w.q, rest...)
		w.size.Store(w.queued())
		w.mu.Unlock()
	}
	return it, left > 0 || k > 1
}

// stealRoots is stealFrom for a victim with a segment of roots, whose
// lock it holds: it takes the oldest k of them, at most the segment, and
// runs the newest of those now. The rest become w's own segment, without
// a copy, when w has nothing queued (a thief normally has not). Segments
// share the plan's array and are only ever cut, never appended to.
func (w *worker) stealRoots(v *worker, k int) (it item, more bool) {
	k = min(k, len(v.roots))
	rest := len(v.roots) - k
	seg := v.roots[rest:]
	v.roots = v.roots[:rest:rest]
	left := v.queued()
	v.size.Store(left)
	v.mu.Unlock()

	w.mu.Lock()
	if w.queued() == 0 {
		w.roots = seg[1:]
	} else {
		for j := len(seg) - 1; j > 0; j-- { // oldest first
			w.q = append(w.q, item{topRun, seg[j]})
		}
	}
	w.size.Store(w.queued())
	w.mu.Unlock()
	return item{topRun, seg[0]}, left > 0 || k > 1
}

// stealAny tries every other worker once, from a random one on; more tells
// that work was left behind for others.
func (w *worker) stealAny() (it item, more bool) {
	ws := w.pool.workers
	if len(ws) < 2 {
		return item{}, false
	}
	// xorshift: a cheap, per-worker random start so thieves spread out.
	w.rng ^= w.rng << 13
	w.rng ^= w.rng >> 7
	w.rng ^= w.rng << 17
	start := int(w.rng % uint64(len(ws)))
	for k := range ws {
		v := ws[(start+k)%len(ws)]
		if v == w {
			continue
		}
		if it, more := w.stealFrom(v); it.ok() {
			return it, more
		}
	}
	return item{}, false
}

// findWork looks for work to steal, spinning briefly (a task that makes
// work ready is usually microseconds away), then sleeps until woken. It
// returns no item when the loop's condition may have changed.
func (w *worker) findWork(until *run) item {
	w.lastEnd = time.Time{} // the next task does not start right away
	for spin := range 64 {
		if w.finished(until) {
			return item{}
		}
		if it := w.pool.takeRanked(true); it.ok() {
			return it
		}
		if it, more := w.stealAny(); it.ok() {
			w.pool.passOn(more)
			return it
		}
		if it := w.pool.takeRanked(false); it.ok() {
			return it
		}
		if spin > 8 {
			runtime.Gosched()
		}
	}
	it, more := w.sleep(until)
	w.pool.passOn(more)
	return it
}

// sleep waits until work appears or the loop's condition may hold. The
// idle count goes up before the last look at the deques, under parkMu, and
// pushers read it after pushing; whoever stops a run broadcasts under
// parkMu too. So no wake-up is lost.
func (w *worker) sleep(until *run) (item, bool) {
	pl := w.pool
	pl.parkMu.Lock()
	defer pl.parkMu.Unlock()
	pl.idle.Add(1)
	defer pl.idle.Add(-1)
	for {
		if w.finished(until) {
			return item{}, false
		}
		if it := w.pool.takeRanked(true); it.ok() {
			return it, false
		}
		if it, more := w.stealAny(); it.ok() {
			return it, more
		}
		if it := pl.takeRanked(false); it.ok() {
			return it, false
		}
		pl.parkCond.Wait()
	}
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
