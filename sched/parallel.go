package sched

import "golang.org/x/sync/errgroup"

// A parallel run: the pool's workers are made before the run starts and
// run it until it ends; worker 0 is the calling goroutine.

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
		pl.workers[i] = newWorker(pl, i)
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
		w0.q.setRoots(r.p.roots[:len(r.p.roots):len(r.p.roots)])
	} else {
		w0.pushRoots(r)
	}
	var eg errgroup.Group
	// Waited for even when worker 0's goroutine is ending early (a task
	// on it called runtime.Goexit): no worker outlives the run.
	defer eg.Wait()
	for _, w := range pl.workers[1:] {
		eg.Go(func() error { w.loop(nil); return nil })
	}
	w0.loop(nil)
	_ = eg.Wait() // workers report through the run, never through errgroup
	for _, w := range pl.workers {
		w.ctxRun, w.ctx = nil, nil
	}
}
