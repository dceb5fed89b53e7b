package sched

import (
	"context"
	"runtime/debug"
	"time"
)

// runner is what a goroutine that runs tasks knows of the task in
// progress: which run and task, since when, and the context tasks get. A
// pool's worker is a runner with a deque (see worker); a serial run is a
// runner alone.
type runner struct {
	id     int   // the worker's number in hooks; 0 for a serial run
	active *run  // the run of the task being run
	task   int32 // the task being run, for panic recovery
	inTask bool  // a panic now comes from a task
	inHook bool  // a panic now comes from a hook (see run.emitStart)
	// guarded: no loop of the runner's recovers panics; each hook call
	// must (the caller's goroutine).
	guarded bool
	// The name TaskStart gave the task in progress (see emitDone).
	named     string
	namedRun  *run
	namedTask int32
	start     time.Time // when task started (hooked runs only)
	// When the last task ended, if the runner went straight on.
	lastEnd time.Time

	// The context tasks get: the run's, plus this runner, so that a task
	// computing a graph of its own knows where it is (see helper).
	ctxRun *run
	ctx    context.Context

	w *worker // the pool worker this runner is part of; nil for a serial run
}

type runnerKey struct{}

// runnerOf returns the runner whose goroutine runs the task that got ctx,
// if a task got it.
func runnerOf(ctx context.Context) *runner {
	w, _ := ctx.Value(runnerKey{}).(*runner)
	return w
}

// taskCtx is the context tasks of r get on this worker.
func (w *runner) taskCtx(r *run) context.Context {
	if w.ctxRun != r {
		w.ctxRun, w.ctx = r, context.WithValue(r.ctx, runnerKey{}, w)
	}
	return w.ctx
}

// exec runs task i and records how it ended. The common case (no hooks,
// options or failures so far) is kept short: it is most of what a run of
// tiny tasks costs.
func (w *runner) exec(r *run, i int32) {
	if w.active != r {
		w.active = r // a pointer store costs a write-barrier check; skip it
	}
	if r.slow || r.anyFailed.Load() {
		w.task = i
		r.runTask(i, w)
		return
	}
	if err := w.runPlain(r, i, w.taskCtx(r)); err != nil {
		r.ended(i, w, err, "")
	}
}

// runPlain runs task i of a run with no hooks or task options, none of
// whose arguments failed, and records its success; a failure it returns,
// for the caller to end through ended (the one task-finished step). It
// is the chain-link loop's body too (worker.links). It is too large to
// inline (the task's call is most of the inliner's budget), yet calling
// it measured no slower per link than its lines written out in the loop
// (chain run-only, alternating runs of both versions).
func (w *runner) runPlain(r *run, i int32, ctx context.Context) error {
	w.task, w.inTask = i, true
	err := r.task(i).Run(ctx)
	w.inTask = false
	if err == nil {
		r.state[i] = Done
	}
	return err
}

// recovered turns the panic (or, with a nil v, the runtime.Goexit) of the
// task a worker was running into that task's failure. A panic outside a
// task is a bug in the scheduler, and is not hidden. (Hooks cannot panic
// through: see callHook.)
func (w *runner) recovered(v any) {
	if !w.inTask {
		panic(v)
	}
	w.inTask = false
	var err error = ErrGoexit
	if v != nil {
		err = &PanicError{Value: v, Stack: debug.Stack()}
	}
	w.active.ended(w.task, w, err, "")
}

// serial is the reference scheduler: every task in static order, in the
// caller's goroutine. Any parallel schedule must give the same results. It
// needs no pool: only a runner, the state of the task in progress.
func (r *run) serial() {
	w := &runner{}
	for from := int32(0); from >= 0; {
		from = w.serialFrom(r, from)
	}
}

// serialFrom runs tasks from position k of the reference order on; after a
// task panicked it returns where to go on. A task calling runtime.Goexit
// fails; the goroutine ends (Goexit cannot be stopped) once the run has
// been taken to its end, so that nothing it holds outlives it.
func (w *runner) serialFrom(r *run, k int32) (resume int32) {
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
			r.settle(w.task)
		}
		resume = k + 1 // after a hook's panic the run is stopped: nothing runs
		if v == nil {
			for from := k + 1; from >= 0; {
				from = w.serialFrom(r, from)
			}
		}
	}()
	order := r.p.serialOrder
	for n := int32(r.p.len()); k < n; k++ {
		if r.halted() {
			break
		}
		i := k
		if order != nil {
			i = order[k]
		}
		w.exec(r, i)
		r.settle(i)
	}
	normal = true
	return -1
}

// now is when a hooked task starts: the end of the task this worker just
// finished, when it went straight on, which saves a clock read per task (a
// clock read costs tens of nanoseconds, more on some virtual machines).
func (w *runner) now() time.Time {
	if t := w.lastEnd; !t.IsZero() {
		w.lastEnd = time.Time{}
		return t
	}
	return time.Now()
}

// What unwound a runner's loop, as unwound sorts it.
type unwinding uint8

const (
	notOurs  unwinding = iota // a runtime.Goexit outside tasks and hooks: let it go
	fromTask                  // the task in progress panicked or called Goexit
	fromHook                  // a hook panicked or called Goexit
)

// unwound records what unwound a runner's loop, given what recover
// returned in the loop's deferred call (recover works only there; this
// is the rule both loops share). A task's panic or Goexit becomes that
// task's failure; a hook's, the run's error. The caller then settles a
// failed task and goes on: after a Goexit (nil v) its goroutine ends as
// soon as it has taken its share of the work to the end, so nothing it
// holds outlives the run.
func (w *runner) unwound(v any) unwinding {
	if w.inHook {
		w.hookFailed(v)
		return fromHook
	}
	if v == nil && !w.inTask {
		return notOurs
	}
	w.recovered(v)
	return fromTask
}

// hookFailed makes the panic (or the runtime.Goexit, nil v) of a hook that
// w was calling the error of the run the hook belongs to, and stops it.
func (w *runner) hookFailed(v any) {
	w.inHook = false
	w.active.hookPanicked(&HookError{Value: v, Stack: debug.Stack()})
}

// runTask runs task i, or skips it when a dependency failed, and records
// how it ended. A panic in the task goes through: recovering it in the
// worker's loop, once, costs nothing per task (see runner.unwound).
func (r *run) runTask(i int32, w *runner) {
	if r.skipped(i, w) {
		return
	}
	if r.hooks != nil {
		w.start = w.now()
		r.emitStart(i, w, w.start)
	}
	w.inTask = true
	where, err := r.call(i, w.taskCtx(r))
	w.inTask = false
	r.ended(i, w, err, where)
}

// skipped records task i as skipped, and says so, when an argument of
// it failed (keep-going runs go on past failures): the task must not run.
func (r *run) skipped(i int32, w *runner) bool {
	if !r.anyFailed.Load() || !r.upstreamFailed(i) {
		return false
	}
	r.state[i] = Skipped
	if r.hooks != nil {
		r.emitDone(i, w, -1, time.Time{}, 0, Skipped, nil, "")
	}
	return true
}

// ended records how task i ended: the one "task finished" step of every
// path (the plain one, chain links, hooked runs, handed-off tasks).
func (r *run) ended(i int32, w *runner, err error, where string) {
	if err != nil {
		r.state[i] = Failed
		r.fail(i, err, where)
	} else {
		r.state[i] = Done
	}
	if r.hooks != nil {
		r.hookedEnd(i, w, err, where)
	}
}

// hookedEnd is the part of ended that only hooked runs take.
func (r *run) hookedEnd(i int32, w *runner, err error, where string) {
	st := Done
	if err != nil {
		st = Failed
	} else {
		r.addLive(1)
	}
	end := time.Now()
	w.lastEnd = end
	r.emitDone(i, w, w.id, w.start, end.Sub(w.start), st, err, where)
}

// call runs task i, with its retries and timeout if it has options, and
// says where it ran when an executor ran it.
func (r *run) call(i int32, ctx context.Context) (where string, err error) {
	if r.p.opts == nil || r.p.opts[i] == nil {
		return "", r.task(i).Run(ctx)
	}
	o := r.p.opts[i]
	for attempt := 0; ; attempt++ {
		actx, cancel := ctx, context.CancelFunc(func() {})
		if o.Timeout > 0 {
			actx, cancel = context.WithTimeout(ctx, o.Timeout)
		}
		if r.exec != nil && o.Remote {
			where, err = r.awaitAway(actx, i, attempt) // the serial reference waits in place
		} else {
			err = protect(actx, r.task(i))
		}
		cancel()
		if err == nil || attempt >= o.Retries || ctx.Err() != nil {
			return where, err
		}
	}
}

// protect turns a panic into an error here, for tasks with retries: a
// panicking attempt is retried like a failing one.
func protect(ctx context.Context, t interface{ Run(context.Context) error }) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return t.Run(ctx)
}
