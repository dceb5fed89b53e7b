package sched

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// run is the state of one computation of a plan. Counters are plain int32
// slices used through sync/atomic so that they can be reset with one copy.
type run struct {
	p         *plan
	ctx       context.Context // what tasks see; cancelled when the run stops early
	cancel    context.CancelCauseFunc
	keepGoing bool
	hooks     *hookSet
	res       *resources // nil unless a task uses a resource

	pending []int32 // arguments not yet computed
	waiters []int32 // readers of the result not yet finished
	state   []State // written by the task's worker, read after synchronising

	stopped     atomic.Bool
	anyFailed   atomic.Bool
	targetsLeft atomic.Int32
	onTarget    func(local int32) // streaming: a target's result is ready

	errMu sync.Mutex
	errs  []error

	live, peakLive atomic.Int64 // result count, kept only when hooked

	// the pool (parallel runs only)
	workers  []*worker
	idle     atomic.Int32
	parkMu   sync.Mutex
	parkCond sync.Cond
}

func newRun(p *plan, s *Scheduler) *run {
	n := p.len()
	r := &run{p: p, keepGoing: s.KeepGoing, hooks: compileHooks(s.Hooks)}
	r.waiters = make([]int32, n)
	copy(r.waiters, p.waiters0)
	r.state = make([]State, n)
	live := 0
	for _, l := range p.tlocal {
		if l >= 0 {
			live++
		}
	}
	r.targetsLeft.Store(int32(live))
	r.parkCond.L = &r.parkMu
	return r
}

// serial is the reference scheduler: every task in static order, in the
// caller's goroutine. Any parallel schedule must give the same results.
func (r *run) serial() {
	for i := range int32(r.p.len()) {
		if r.stopped.Load() {
			return
		}
		r.runTask(i, 0)
		r.settle(i)
	}
}

// runTask runs task i (or skips it when a dependency failed) and records
// how it ended.
func (r *run) runTask(i int32, worker int) {
	if r.anyFailed.Load() && r.upstreamFailed(i) {
		r.state[i] = Skipped
		if r.hooks != nil {
			r.emitDone(i, -1, time.Time{}, 0, Skipped, nil)
		}
		return
	}
	if r.hooks == nil {
		if err := r.call(i); err != nil {
			r.state[i] = Failed
			r.fail(i, err)
			return
		}
		r.state[i] = Done
		return
	}
	start := time.Now()
	ev := r.event(i, worker)
	ev.Start = start
	for _, f := range r.hooks.taskStart {
		f(ev)
	}
	err := r.call(i)
	st := Done
	if err != nil {
		st = Failed
		r.fail(i, err)
	} else {
		r.addLive(1)
	}
	r.state[i] = st
	r.emitDone(i, worker, start, time.Since(start), st, err)
}

// call runs the task with its retries and timeout, turning a panic into a
// *PanicError.
func (r *run) call(i int32) error {
	t := r.p.tasks[i]
	if r.p.opts == nil || r.p.opts[i] == nil {
		return protect(r.ctx, t)
	}
	o := r.p.opts[i]
	for attempt := 0; ; attempt++ {
		ctx, cancel := r.ctx, context.CancelFunc(func() {})
		if o.Timeout > 0 {
			ctx, cancel = context.WithTimeout(r.ctx, o.Timeout)
		}
		err := protect(ctx, t)
		cancel()
		if err == nil || attempt >= o.Retries || r.ctx.Err() != nil {
			return err
		}
	}
}

func protect(ctx context.Context, t interface{ Run(context.Context) error }) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return t.Run(ctx)
}

func (r *run) upstreamFailed(i int32) bool {
	p := r.p
	for _, d := range p.deps[p.depOff[i]:p.depOff[i+1]] {
		if r.state[d] != Done {
			return true
		}
	}
	return false
}

// settle ends task i's part: its arguments lose a reader (and are released
// when it was the last), and a target counts down the run.
func (r *run) settle(i int32) {
	p := r.p
	for _, d := range p.deps[p.depOff[i]:p.depOff[i+1]] {
		// A result with a single reader needs no shared counter.
		if p.waiters0[d] == 1 || atomic.AddInt32(&r.waiters[d], -1) == 0 {
			r.release(d)
		}
	}
	if p.target[i] {
		if r.onTarget != nil && r.state[i] == Done {
			r.onTarget(i)
		}
		if r.targetsLeft.Add(-1) == 0 {
			r.stop(nil)
		}
	}
}

func (r *run) release(d int32) {
	r.p.tasks[d].Clear()
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

// fail records task i's error; without keep-going it stops the run and
// cancels the context of the tasks still running.
func (r *run) fail(i int32, err error) {
	id := int(r.p.ids[i])
	te := &TaskError{ID: id, Name: r.p.g.Name(id), Err: err}
	r.errMu.Lock()
	r.errs = append(r.errs, te)
	r.errMu.Unlock()
	r.anyFailed.Store(true)
	if !r.keepGoing {
		r.stop(te)
	}
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
	r.parkMu.Lock()
	r.parkCond.Broadcast()
	r.parkMu.Unlock()
}

// result is the run's error, once every worker has returned.
func (r *run) result(parent context.Context) error {
	var errs []error
	if len(r.errs) > 0 {
		if !r.keepGoing {
			return r.errs[0]
		}
		errs = r.errs
	}
	if r.targetsLeft.Load() > 0 {
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
	return TaskEvent{ID: id, Name: r.p.g.Name(id), Worker: worker}
}

func (r *run) emitDone(i int32, worker int, start time.Time, d time.Duration, st State, err error) {
	ev := r.event(i, worker)
	ev.Start, ev.Duration, ev.State = start, d, st
	if err != nil {
		ev.Err = r.errOf(i, err)
	}
	for _, f := range r.hooks.taskDone {
		f(ev)
	}
}

func (r *run) errOf(i int32, err error) error {
	id := int(r.p.ids[i])
	return &TaskError{ID: id, Name: r.p.g.Name(id), Err: err}
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
	for _, f := range r.hooks.runDone {
		f(st)
	}
}
