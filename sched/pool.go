package sched

import (
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
type worker struct {
	r    *run
	id   int
	rng  uint64
	buf  []int32 // stolen batch in transit
	size atomic.Int32

	current int32     // the task being run, for panic recovery
	inTask  bool      // a panic now comes from a task
	start   time.Time // when current started (hooked runs only)

	// A count-down of a wide task's pending counter that this worker has
	// not applied yet (see ready).
	heldTask, held int32

	mu   sync.Mutex
	q    []int32
	head int // q[head:] are queued; q[head] is the oldest

	_ [64]byte // keep neighbouring workers' hot fields on other cache lines
}

// parallel runs the plan on n workers; worker 0 is the calling goroutine.
func (r *run) parallel(n int) {
	p := r.p
	r.pending = slices.Clone(p.pending0)
	if r.pending == nil {
		r.pending = []int32{} // non-nil marks a parallel run
	}
	r.workers = make([]*worker, n)
	for i := range r.workers {
		r.workers[i] = &worker{r: r, id: i, rng: uint64(i)*0x9E3779B97F4A7C15 + 1, heldTask: -1}
	}
	// All initially ready tasks start on worker 0, newest = highest
	// priority; the others steal the far end, which in the static order is
	// a different part of the graph.
	w0 := r.workers[0]
	w0.q = make([]int32, len(p.roots))
	for k, t := range p.roots {
		w0.q[len(p.roots)-1-k] = t
	}
	w0.size.Store(int32(len(p.roots)))

	var eg errgroup.Group
	for _, w := range r.workers[1:] {
		eg.Go(func() error { w.loop(); return nil })
	}
	w0.loop()
	_ = eg.Wait() // workers report through the run, never through errgroup
}

func (w *worker) loop() {
	for next, again := int32(-1), true; again; {
		next, again = w.work(next)
	}
}

// work runs tasks until there are none left for this worker. When a task
// panics, it returns the task to go on with and true.
func (w *worker) work(next int32) (resume int32, again bool) {
	defer func() {
		if v := recover(); v != nil {
			w.recovered(v)
			resume, again = w.after(w.current), true
		}
	}()
	for {
		if next < 0 {
			next = w.pop()
		}
		if w.held > 0 && (next < 0 || !w.feedsHeld(next)) {
			if j := w.flush(); j >= 0 {
				if next >= 0 {
					w.push(next)
				}
				next = j
			}
		}
		if next < 0 {
			if next = w.findWork(); next < 0 {
				return -1, false
			}
		}
		if w.r.halted() {
			return -1, false
		}
		next = w.step(next)
	}
}

// step runs task i and returns the task to run next, or -1.
func (w *worker) step(i int32) int32 {
	r := w.r
	if r.res != nil && !r.res.acquire(i, w) {
		return -1 // queued until a holder of the resource finishes
	}
	w.exec(i)
	return w.after(i)
}

// after settles task i and makes its dependents ready.
func (w *worker) after(i int32) int32 {
	r := w.r
	if r.res != nil {
		r.res.release(i, w)
	}
	r.settle(i)
	if r.stopped.Load() {
		return -1
	}
	return w.ready(i)
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
func (w *worker) ready(i int32) int32 {
	p, r := w.r.p, w.r
	s := &p.slots[i]
	if s.only >= 0 {
		return s.only
	}
	next := int32(-1)
	for k := s.outHi - 1; k >= s.outLo; k-- {
		j := p.outs[k]
		sj := &p.slots[j]
		if sj.wide {
			if w.heldTask != j {
				if t := w.flush(); t >= 0 {
					w.push(t)
				}
				w.heldTask = j
			}
			w.held++
			continue
		}
		// A task with a single argument is ready now: no shared counter.
		if c := sj.pending; c < 0 || atomic.AddInt32(&r.pending[c], -1) == 0 {
			if next >= 0 {
				w.push(next)
			}
			next = j
		}
	}
	return next
}

// feedsHeld tells whether task i's only dependent is the wide task whose
// count-down this worker holds.
func (w *worker) feedsHeld(i int32) bool {
	s := &w.r.p.slots[i]
	return s.outHi-s.outLo == 1 && w.r.p.outs[s.outLo] == w.heldTask
}

// flush applies the held count-down and returns the wide task if that made
// it ready.
func (w *worker) flush() int32 {
	j, n := w.heldTask, w.held
	w.heldTask, w.held = -1, 0
	if n == 0 {
		return -1
	}
	if atomic.AddInt32(&w.r.pending[w.r.p.slots[j].pending], -n) == 0 {
		return j
	}
	return -1
}

func (w *worker) push(i int32) {
	w.mu.Lock()
	w.q = append(w.q, i)
	w.size.Store(int32(len(w.q) - w.head))
	w.mu.Unlock()
	if w.r.idle.Load() > 0 {
		w.r.wakeOne()
	}
}

func (w *worker) pop() int32 {
	if w.size.Load() == 0 {
		return -1
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.q) == w.head {
		return -1
	}
	i := w.q[len(w.q)-1]
	w.q = w.q[:len(w.q)-1]
	if len(w.q) == w.head {
		w.q, w.head = w.q[:0], 0
	}
	w.size.Store(int32(len(w.q) - w.head))
	return i
}

// stealFrom moves the oldest half of v's deque to w's and returns one task
// of it to run now; more tells that work is left in either deque.
func (w *worker) stealFrom(v *worker) (t int32, more bool) {
	if v.size.Load() == 0 {
		return -1, false
	}
	v.mu.Lock()
	n := len(v.q) - v.head
	if n == 0 {
		v.mu.Unlock()
		return -1, false
	}
	k := (n + 1) / 2
	w.buf = append(w.buf[:0], v.q[v.head:v.head+k]...)
	v.head += k
	if v.head == len(v.q) {
		v.q, v.head = v.q[:0], 0
	}
	left := len(v.q) - v.head
	v.size.Store(int32(left))
	v.mu.Unlock()

	t = w.buf[len(w.buf)-1]
	if rest := w.buf[:len(w.buf)-1]; len(rest) > 0 {
		w.mu.Lock()
		w.q = append(w.q, rest...)
		w.size.Store(int32(len(w.q) - w.head))
		w.mu.Unlock()
	}
	return t, left > 0 || k > 1
}

// stealAny tries every other worker once, from a random one on; more tells
// that work was left behind for others.
func (w *worker) stealAny() (t int32, more bool) {
	ws := w.r.workers
	if len(ws) < 2 {
		return -1, false
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
		if t, more := w.stealFrom(v); t >= 0 {
			return t, more
		}
	}
	return -1, false
}

// findWork looks for work to steal, spinning briefly (a task that makes
// work ready is usually microseconds away), then sleeps until woken.
// It returns -1 when the run is over.
func (w *worker) findWork() int32 {
	for spin := range 64 {
		if w.r.stopped.Load() {
			return -1
		}
		if t, more := w.stealAny(); t >= 0 {
			w.r.passOn(more)
			return t
		}
		if spin > 8 {
			runtime.Gosched()
		}
	}
	return w.park()
}

// park sleeps until work appears or the run stops. The idle count goes up
// before the last look at the deques, under parkMu, and pushers read it
// after pushing: so either the look sees the new task or the pusher sees
// the sleeper and wakes it. No wake-up is lost.
func (w *worker) park() int32 {
	t, more := w.sleep()
	w.r.passOn(more)
	return t
}

func (w *worker) sleep() (int32, bool) {
	r := w.r
	r.parkMu.Lock()
	defer r.parkMu.Unlock()
	r.idle.Add(1)
	defer r.idle.Add(-1)
	for {
		if r.stopped.Load() {
			return -1, false
		}
		if t, more := w.stealAny(); t >= 0 {
			return t, more
		}
		r.parkCond.Wait()
	}
}

// passOn wakes a sleeper when a thief left work behind, so that a burst of
// ready tasks spreads over all workers, not just the first to wake.
func (r *run) passOn(more bool) {
	if more && r.idle.Load() > 0 {
		r.wakeOne()
	}
}

func (r *run) wakeOne() {
	r.parkMu.Lock()
	r.parkCond.Signal()
	r.parkMu.Unlock()
}
