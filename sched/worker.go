package sched

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"
)

// worker is one goroutine's part of a pool: a runner (the task it is
// running), its deque, and a held count-down of a wide task (see ready).
type worker struct {
	runner
	pool *pool
	slot int // a helper's place in pool.helpers
	rng  uint64
	q    deque
	buf  []item // stolen batch in transit

	// A count-down of a wide task's pending counter that this worker has
	// not applied yet (see ready).
	heldRun        *run
	heldTask, held int32

	_ [64]byte // keep neighbouring workers' hot fields on other cache lines
}

func newWorker(pl *pool, id int) *worker {
	w := &worker{pool: pl, rng: uint64(id)*0x9E3779B97F4A7C15 + 1, heldTask: -1}
	w.id, w.runner.w = id, w
	return w
}

// workerOf returns the pool worker (or helper) whose goroutine runs the
// task that got ctx, if that task belongs to a parallel run.
func workerOf(ctx context.Context) *worker {
	if rn := runnerOf(ctx); rn != nil {
		return rn.w
	}
	return nil
}

// push queues a ready task on w's deque and wakes a sleeper to steal it.
func (w *worker) push(it item) {
	w.q.push(it)
	if w.pool.idle.Load() > 0 {
		w.pool.wakeOne()
	}
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

// requeue queues tasks that a resource given back granted: they go on
// from this worker.
func (w *worker) requeue(ready []waiter) {
	for _, h := range ready {
		w.enqueue(h.r, h.i)
	}
}

// pushRoots queues r's initially ready tasks on w, lowest static number on
// top.
func (w *worker) pushRoots(r *run) {
	roots := r.p.roots
	its := make([]item, 0, len(roots))
	for k := len(roots) - 1; k >= 0; k-- {
		if r.p.slots[roots[k]].f.has(isRanked) {
			w.pool.rank(r, roots[k])
			continue
		}
		its = append(its, item{r.id, roots[k]})
	}
	w.q.pushOldestFirst(its)
	// w runs the newest itself: only more than one is work for others.
	if len(its) > 1 && w.pool.idle.Load() > 0 {
		w.pool.wakeAll()
	}
}

// loop runs tasks until the pool's top run ends, or, for a helper, until
// the sub-run `until` is over.
func (w *worker) loop(until *run) {
	for again := true; again; {
		again = w.work(until)
	}
}

func (w *worker) finished(until *run) bool {
	if until != nil {
		return until.over()
	}
	return w.pool.top.halted()
}

// work runs tasks until loop's condition holds. When a task panics, it
// settles that task and returns true to be called again. When a task calls
// runtime.Goexit, the goroutine must end: the task fails, and the
// goroutine finishes its share of the work before it goes.
func (w *worker) work(until *run) (again bool) {
	normal := false
	defer func() {
		if normal {
			return
		}
		v := recover()
		switch w.unwound(v) {
		case notOurs:
			return
		case fromTask:
			w.settleFailed()
		}
		if v == nil { // Goexit: the goroutine ends once this is done
			w.loop(until)
			return
		}
		again = true
	}()
	w.run(until)
	normal = true
	return false
}

// settleFailed settles the task that unwound w's loop, now failed (see
// runner.unwound), and makes its dependents ready.
func (w *worker) settleFailed() {
	r := w.active
	if next := w.after(r, w.task); next >= 0 {
		w.push(item{r.id, next})
	}
}

// run is work's loop.
func (w *worker) run(until *run) {
	var next item
	for {
		// A helper's loop ends as soon as its sub-run is over. The
		// top-level loop needs no check per task: the next task's own run
		// halting says enough (a sub-run halts with the run it belongs to).
		if until != nil && until.over() {
			if next.ok() {
				w.push(next)
			}
			w.flush(true)
			return
		}
		if w.pool.urgent.Load() > 0 {
			if it := w.takeUrgent(); it.ok() {
				if next.ok() {
					w.push(next)
				}
				next = it
			}
		}
		if !next.ok() {
			next = w.q.pop()
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
					return
				}
				continue // woken: look again
			}
		}
		r := w.pool.runOf(next)
		if r == nil || r.halted() {
			if until == nil && w.pool.top.halted() {
				w.flush(true)
				return
			}
			next = item{} // its run stopped: it will not run
			continue
		}
		next = w.step(r, next.i)
	}
}

// takeUrgent returns urgent work: a hand-off's report to take in (which
// may make a task ready), or the best high-priority task.
func (w *worker) takeUrgent() item {
	if h := w.pool.takeReport(); h != nil {
		return w.takeIn(h)
	}
	return w.pool.takeRanked(true)
}

// step runs task i of r and returns the task to run next, if any.
func (w *worker) step(r *run, i int32) item {
	if r.gated {
		return w.stepGated(r, i)
	}
	if r.sub {
		return w.stepSub(r, i)
	}
	return w.runLinks(r, i)
}

// stepGated is step for a run whose tasks may have to wait: for a
// resource (queued until a holder gives it back) or at an executor.
func (w *worker) stepGated(r *run, i int32) item {
	if r.res != nil && !r.res.acquire(r, i) {
		return item{}
	}
	if r.remote(i) {
		w.handOff(r, i, 0, time.Time{})
		return item{}
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
// loop when the run halts, urgent work is waiting, a resource or an
// executor is in play, or this worker holds a count-down that the loop
// must flush.
//
// The loop body is after's steps with the chain hand-over checked before
// ready, which saves a call per chain link.
func (w *worker) runLinks(r *run, i int32) item {
	for {
		w.exec(r, i)
		if r.res != nil {
			w.requeue(r.res.release(i))
		}
		r.settle(i)
		if j := r.p.link(i); j >= 0 && !r.gated && w.held == 0 && w.pool.urgent.Load() == 0 {
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
// halted or urgent work is waiting; runLinks takes it from there.
//
// A link runs through runPlain, and a failure through run.ended: the
// paths every task takes.
func (w *worker) links(r *run, i int32) int32 {
	p, ctx := r.p, w.taskCtx(r)
	for {
		if err := w.runPlain(r, i, ctx); err != nil {
			r.ended(i, &w.runner, err, "")
			r.settle(i)
			return i
		}
		r.settle(i)
		s := &p.slots[i]
		if !s.f.has(isLink) || w.pool.urgent.Load() != 0 || r.halted() {
			return i
		}
		i = p.outs[s.out]
	}
}

// stepSub is step for a sub-run's task, counted in flight so that the
// helper waiting for the sub-run knows when none is left running.
func (w *worker) stepSub(r *run, i int32) item {
	r.inflight.Add(1)
	defer r.leave()
	return w.runLinks(r, i)
}

// after settles task i of r and makes its dependents ready.
func (w *worker) after(r *run, i int32) int32 {
	if r.res != nil {
		w.requeue(r.res.release(i))
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
	if it.rid != r.id {
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

// stealAny tries every other worker once, from a random one on, and then
// the helpers.
func (w *worker) stealAny() loot {
	ws := w.pool.workers
	// xorshift: a cheap, per-worker random start so thieves spread out.
	w.rng ^= w.rng << 13
	w.rng ^= w.rng >> 7
	w.rng ^= w.rng << 17
	start := int(w.rng % uint64(len(ws)))
	for k := range ws {
		if l := w.stealFrom(ws[(start+k)%len(ws)]); l.first().ok() {
			return l
		}
	}
	if w.pool.nHelpers.Load() == 0 {
		return loot{}
	}
	w.pool.helpersMu.RLock()
	defer w.pool.helpersMu.RUnlock()
	for _, h := range w.pool.helpers {
		if l := w.stealFrom(h); l.first().ok() {
			return l
		}
	}
	return loot{}
}

// stealFrom moves the oldest half of v's deque to w's; it returns what
// it took, to run its first item now.
func (w *worker) stealFrom(v *worker) loot {
	if v == w {
		return loot{}
	}
	l := v.q.stealHalf(w.buf[:0])
	if l.first().ok() {
		w.buf = l.items[:0]
		w.q.keep(l)
	}
	return l
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
		if it := w.takeUrgent(); it.ok() {
			return it
		}
		if l := w.stealAny(); l.first().ok() {
			w.pool.passOn(l.more())
			return l.first()
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
		if pl.urgent.Load() > 0 {
			// Taking a report in runs scheduler code (and hooks) that may
			// wake others: the loop does it, not under parkMu.
			return item{}, false
		}
		if l := w.stealAny(); l.first().ok() {
			return l.first(), l.more()
		}
		if it := pl.takeRanked(false); it.ok() {
			return it, false
		}
		pl.parkCond.Wait()
	}
}

// handOff gives task i of a pool run to the executor.
func (w *worker) handOff(r *run, i int32, attempt int, start time.Time) {
	if attempt == 0 && r.skipped(i, &w.runner) {
		w.settled(r, i)
		return
	}
	h := &handoff{r: r, i: i, attempt: attempt, worker: w.id, start: start}
	if r.hooks != nil && attempt == 0 {
		h.start = time.Now()
		w.active = r
		r.emitStart(i, &w.runner, h.start)
	}
	r.away.Add(1)
	if r.sub {
		r.inflight.Add(1)
	}
	ctx := r.attemptCtx(i, h)
	r.exec.Submit(ctx, r.handoff(i, attempt), func(rep Report) { r.pool.deliver(h, rep) })
}

// takeIn takes in a hand-off's report on worker w: a retry, or the task's
// end, after which its dependents may be ready. It returns the task to
// run next, if any.
func (w *worker) takeIn(h *handoff) item {
	r, i := h.r, h.i
	defer func() {
		if r.sub {
			r.leave()
		}
	}()
	if err := h.rep.Err; err != nil && !r.halted() && h.attempt < r.p.opts[i].Retries {
		w.handOff(r, i, h.attempt+1, h.start)
		return item{}
	}
	w.start = h.start
	w.active = r
	r.ended(i, &w.runner, h.rep.Err, h.rep.Worker)
	if next := w.after(r, i); next >= 0 && !r.halted() {
		return item{r.id, next}
	}
	// A report taken in while looking for work may leave a count-down of
	// a wide task held (see ready): apply it now, or the wide task would
	// wait for the next task this worker runs, which may never come.
	return w.flush(false)
}

// settled finishes a task that did not run (skipped) on worker w.
func (w *worker) settled(r *run, i int32) {
	if next := w.after(r, i); next >= 0 {
		w.push(item{r.id, next})
	}
}
