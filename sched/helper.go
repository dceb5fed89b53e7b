package sched

// A task that computes a graph it built (a sub-run) must not block its
// worker: the task waits, and the goroutine it runs on helps. It becomes a
// helper, a worker of the same pool with a deque of its own, that runs the
// sub-run's tasks, and any other ready work of the pool, until the sub-run
// is over; the pool's workers steal from helpers as from each other. So a
// task waiting for a graph it spawned never holds a CPU idle, and nesting
// cannot deadlock.
//
// A helper is made for each sub-run, on whatever goroutine asks: the
// task's own, or one the task started (errgroup.WithContext(ctx) and a
// sched.Compute in each goroutine). None of them touches the state of the
// worker that runs the task, which only that worker's goroutine may.

// newHelper makes the helper for a sub-run spawned from a task that
// spawner runs. Its hook events carry the spawner's number: on the task's
// own goroutine, it is that worker's goroutine at work.
func newHelper(spawner *worker) *worker {
	return newWorker(spawner.pool, spawner.id)
}

// corun computes sub-run r on h, then hands what is left in h's deque
// (work of other runs that h took on) to the pool.
func (h *worker) corun(r *run) {
	pl := h.pool
	pl.subs.Store(r.id, r)
	defer pl.subs.Delete(r.id)
	pl.addHelper(h)
	h.pushRoots(r)
	h.loop(r)
	pl.dropHelper(h)
	h.handOn()
}

// handOn moves h's leftover items to a worker of the pool. Deques are
// safe to push to from any goroutine.
func (h *worker) handOn() {
	var left []item
	for it := h.q.pop(); it.ok(); it = h.q.pop() {
		left = append(left, it)
	}
	if len(left) == 0 {
		return
	}
	for i, j := 0, len(left)-1; i < j; i, j = i+1, j-1 {
		left[i], left[j] = left[j], left[i] // oldest first
	}
	w := h.pool.workers[h.id]
	w.q.pushOldestFirst(left)
	h.pool.wakeAll()
}
