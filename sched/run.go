package sched

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// run is the state of one computation of a plan. Counters are plain int32
// slices used through sync/atomic, so that a run starts with one copy.
type run struct {
	p         *plan
	ctx       context.Context // what tasks see; cancelled when the run stops early
	done      context.Context // the run's own cancellable context, under ctx
	cancel    context.CancelCauseFunc
	keepGoing bool
	hooks     *hookSet
	res       *resources // nil unless a task of a parallel run uses a resource

	counts []int32 // arguments not yet computed, readers not yet finished: see plan.counts0
	state  []State // written by the task's worker, read after synchronising

	slow        bool // hooks, resources or task options: take the general path
	stopped     atomic.Bool
	anyFailed   atomic.Bool
	interrupted atomic.Bool // a task gave up because the run was cancelled
	targetsLeft atomic.Int32
	onTarget    func(local int32) // streaming: a target's result is ready

	errMu sync.Mutex
	errs  []error

	live, peakLive atomic.Int64 // result count, kept only when hooked

	pool *pool  // the workers (parallel runs only)
	id   uint32 // the run's number in its pool (see item)

	// A sub-run computes a graph that a running task built (see corun).
	sub        bool
	inflight   atomic.Int32 // sub-runs: its tasks running right now
	parent     *run         // sub-runs: the run of the task that spawned it
	parentTask int32
}

// name is task i's name as hooks and errors show it: in a sub-run, the
// path of the spawning tasks' names first ("sort/sort/merge"). A path is
// made only when asked for, and a deep one shows its last levels only.
func (r *run) name(i int32) string {
	name := r.p.g.Name(int(r.p.ids[i]))
	for depth, q := 0, r; q.parent != nil; depth, q = depth+1, q.parent {
		if depth == maxPathDepth {
			return "…/" + name
		}
		name = q.parent.p.g.Name(int(q.parent.p.ids[q.parentTask])) + "/" + name
	}
	return name
}

const maxPathDepth = 16

func newRun(p *plan, s *Scheduler) *run {
	n := p.len()
	r := &run{p: p, keepGoing: s.KeepGoing, hooks: compileHooks(s.Hooks)}
	r.counts = slices.Clone(p.counts0)
	r.state = make([]State, n)
	left := 0
	for _, l := range p.tlocal {
		if l >= 0 {
			left++
		}
	}
	r.targetsLeft.Store(int32(left))
	return r
}

// serial is the reference scheduler: every task in static order, in the
// caller's goroutine. Any parallel schedule must give the same results.
func (r *run) serial() {
	w := &worker{cur: r, heldTask: -1}
	for from := int32(0); from >= 0; {
		from = w.serialFrom(from)
	}
}

// serialFrom runs tasks from position k of the reference order on; after a
// task panicked it returns where to go on.
func (w *worker) serialFrom(k int32) (resume int32) {
	defer func() {
		if v := recover(); v != nil {
			w.recovered(v)
			resume = k + 1
		}
	}()
	r := w.cur
	order := r.p.serialOrder
	for n := int32(r.p.len()); k < n; k++ {
		if r.halted() {
			return -1
		}
		i := k
		if order != nil {
			i = order[k]
		}
		w.exec(r, i)
		r.settle(i)
	}
	return -1
}

// exec runs task i and records how it ended. The common case (no hooks,
// options or failures so far) is kept short: it is most of what a run of
// tiny tasks costs.
func (w *worker) exec(r *run, i int32) {
	if w.cur != r {
		w.cur = r // a pointer store costs a write-barrier check; skip it
	}
	if r.slow || r.anyFailed.Load() {
		w.current = i
		r.runTask(i, w)
		return
	}
	w.runPlain(r, i, w.taskCtx(r))
}

// runPlain runs task i of a run with no hooks or task options, none of
// whose arguments failed, and records how it ended: whether it succeeded.
func (w *worker) runPlain(r *run, i int32, ctx context.Context) bool {
	w.current = i
	w.inTask = true
	err := r.p.task(i).Run(ctx)
	w.inTask = false
	if err != nil {
		r.state[i] = Failed
		r.fail(i, err)
		return false
	}
	r.state[i] = Done
	return true
}

// runTask runs task i, or skips it when a dependency failed, and records
// how it ended. A panic in the task goes through: recovering it in the
// worker's loop, once, costs nothing per task (see worker.recovered).
func (r *run) runTask(i int32, w *worker) {
	if r.anyFailed.Load() && r.upstreamFailed(i) {
		r.state[i] = Skipped
		if r.hooks != nil {
			r.emitDone(i, -1, time.Time{}, 0, Skipped, nil)
		}
		return
	}
	if r.hooks != nil {
		w.start = w.now()
		ev := r.event(i, w.id)
		ev.Start = w.start
		for _, f := range r.hooks.taskStart {
			f(ev)
		}
	}
	w.inTask = true
	err := r.call(i, w.taskCtx(r))
	w.inTask = false
	r.ended(i, w, err)
}

func (r *run) ended(i int32, w *worker, err error) {
	st := Done
	if err != nil {
		st = Failed
		r.fail(i, err)
	} else if r.hooks != nil {
		r.addLive(1)
	}
	r.state[i] = st
	if r.hooks != nil {
		end := time.Now()
		w.lastEnd = end
		r.emitDone(i, w.id, w.start, end.Sub(w.start), st, err)
	}
}

// now is when a hooked task starts: the end of the task this worker just
// finished, when it went straight on, which saves a clock read per task (a
// clock read costs tens of nanoseconds, more on some virtual machines).
func (w *worker) now() time.Time {
	if t := w.lastEnd; !t.IsZero() {
		w.lastEnd = time.Time{}
		return t
	}
	return time.Now()
}

// recovered turns the panic of the task a worker was running into that
// task's failure. A panic outside a task is a bug in the scheduler or a
// hook, and is not hidden.
func (w *worker) recovered(v any) {
	if !w.inTask {
		panic(v)
	}
	w.inTask = false
	w.cur.ended(w.current, w, &PanicError{Value: v, Stack: debug.Stack()})
	if w.cur.pool == nil {
		w.cur.settle(w.current)
	}
}

// call runs task i, with its retries and timeout if it has options.
func (r *run) call(i int32, ctx context.Context) error {
	if r.p.opts == nil || r.p.opts[i] == nil {
		return r.p.task(i).Run(ctx)
	}
	o := r.p.opts[i]
	for attempt := 0; ; attempt++ {
		actx, cancel := ctx, context.CancelFunc(func() {})
		if o.Timeout > 0 {
			actx, cancel = context.WithTimeout(ctx, o.Timeout)
		}
		err := protect(actx, r.p.task(i))
		cancel()
		if err == nil || attempt >= o.Retries || ctx.Err() != nil {
			return err
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

func (r *run) upstreamFailed(i int32) bool {
	for _, e := range r.p.args(i) {
		if d, _ := edge(e); r.state[d] != Done {
			return true
		}
	}
	return false
}

// settle ends task i's part: its arguments lose a reader (and are released
// when it was the last), and a target counts down the run.
func (r *run) settle(i int32) {
	// Small enough to inline (keep it so): a quiet task (most chain
	// links) costs a test, not a call.
	if r.p.slots[i].f&isQuiet == 0 || r.hooks != nil {
		r.settleArgs(i)
	}
}

func (r *run) settleArgs(i int32) {
	p := r.p
	s := &p.slots[i]
	for _, e := range p.args(i) {
		// A result with a single reader needs no shared counter. A target
		// is counted as one more reader, so it is never released here.
		if d, only := edge(e); only || atomic.AddInt32(&r.counts[p.slots[d].readers()], -1) == 0 {
			r.release(d)
		}
	}
	if s.f.has(isTarget) {
		if r.onTarget != nil && r.state[i] == Done {
			r.onTarget(i)
		}
		if r.targetsLeft.Add(-1) == 0 {
			r.stop(nil)
		}
	}
}

func (r *run) release(d int32) {
	if !r.p.slots[d].f.has(isPlain) {
		r.p.task(d).Clear()
	}
	if r.hooks != nil && r.state[d] == Done {
		r.addLive(-1)
	}
}

func (r *run) addLive(n int64) {
	v := r.live.Add(n)
	for {
		peak := r.peakLive.Load()
		if v <= peak || r.peakLive.CompareAndSwap(peak, v) {
			return
		}
	}
}

// halted tells whether no task may start any more. The context is checked
// directly (an atomic load) because the watcher that sets stopped when the
// caller cancels runs in a goroutine of its own, a moment later.
func (r *run) halted() bool {
	return r.stopped.Load() || r.done.Err() != nil
}

// fail records task i's error; without keep-going it stops the run and
// cancels the context of the tasks still running. A task that gave up
// because the run was being cancelled has not failed on its own: the run's
// error says it was cancelled, and why.
func (r *run) fail(i int32, err error) {
	if r.done.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		r.interrupted.Store(true)
		r.anyFailed.Store(true)
		return
	}
	te := r.taskError(i, err)
	r.errMu.Lock()
	r.errs = append(r.errs, te)
	r.errMu.Unlock()
	r.anyFailed.Store(true)
	if !r.keepGoing {
		r.stop(te)
	}
}

func (r *run) taskError(i int32, err error) *TaskError {
	id := int(r.p.ids[i])
	return &TaskError{ID: id, Name: r.name(i), Err: err}
}

// stop ends dispatch: no task starts after it. A cause cancels the tasks'
// context; a nil cause is the normal end.
func (r *run) stop(cause error) {
	if r.stopped.Swap(true) {
		return
	}
	if cause != nil {
		r.cancel(cause)
	}
	if r.pool != nil {
		r.pool.wakeAll()
	}
}

// result is the run's error, once every worker has returned.
func (r *run) result(parent context.Context) error {
	var errs []error
	if len(r.errs) > 0 {
		if !r.keepGoing {
			return r.errs[0]
		}
		errs = r.errs
		for _, l := range r.p.tlocal {
			if l >= 0 && r.state[l] == Skipped {
				errs = append(errs, r.taskError(l, ErrSkipped))
			}
		}
	}
	if r.targetsLeft.Load() > 0 || r.interrupted.Load() {
		cause := context.Cause(parent)
		if cause == nil {
			cause = context.Canceled
		}
		errs = append(errs, fmt.Errorf("%w: %w", ErrCancelled, cause))
	}
	return errors.Join(errs...)
}

func (r *run) event(i int32, worker int) TaskEvent {
	id := int(r.p.ids[i])
	return TaskEvent{Graph: r.p.g, ID: id, Name: r.name(i), Worker: worker}
}

func (r *run) emitDone(i int32, worker int, start time.Time, d time.Duration, st State, err error) {
	ev := r.event(i, worker)
	ev.Start, ev.Duration, ev.State = start, d, st
	if err != nil {
		ev.Err = r.taskError(i, err)
	}
	for _, f := range r.hooks.taskDone {
		f(ev)
	}
}

// finishHooks reports the tasks that never started and the run's summary.
func (r *run) finishHooks(info RunInfo, err error) {
	st := RunStats{Tasks: r.p.len(), Elapsed: time.Since(info.Start), PeakLive: int(r.peakLive.Load()), Err: err}
	for i, s := range r.state {
		switch s {
		case NotRun:
			st.NotRun++
			if r.hooks.taskDone != nil {
				r.emitDone(int32(i), -1, time.Time{}, 0, NotRun, nil)
			}
		case Done:
			st.Done++
		case Failed:
			st.Failed++
		case Skipped:
			st.Skipped++
		}
	}
	if r.sub {
		return // a sub-run's tasks are part of the run that spawned it
	}
	for _, f := range r.hooks.runDone {
		f(st)
	}
}
