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
	w.runPlain(r, i, w.taskCtx(r))
}

// runPlain runs task i of a run with no hooks or task options, none of
// whose arguments failed, and records how it ended: whether it succeeded.
// (worker.links writes these lines out, for speed: keep the two alike.)
func (w *runner) runPlain(r *run, i int32, ctx context.Context) bool {
	w.task = i
	w.inTask = true
	err := r.task(i).Run(ctx)
	w.inTask = false
	if err != nil {
		r.ended(i, w, err, "")
		return false
	}
	r.state[i] = Done
	return true
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
		if w.inHook {
			w.hookFailed(v)
			resume = -1 // the run is stopped
			if v == nil {
				w.serialFrom(r, k+1) // Goexit in a hook: see work
			}
			return
		}
		if v == nil && !w.inTask {
			return
		}
		w.recovered(v)
		r.settle(w.task)
		resume = k + 1
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

// hookFailed makes the panic (or the runtime.Goexit, nil v) of a hook that
// w was calling the error of the run the hook belongs to, and stops it.
func (w *runner) hookFailed(v any) {
	w.inHook = false
	w.active.hookPanicked(&HookError{Value: v, Stack: debug.Stack()})
}
