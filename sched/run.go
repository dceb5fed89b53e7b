package sched

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/seed001e6470/taskgraph/graph"
)

// run is the state of one computation of a plan. Counters are plain int32
// slices used through sync/atomic, so that a run starts with one copy.
type run struct {
	p      *plan
	x      graph.Executable // the graph as it was when the run was planned
	tasks  []graph.Task     // local -> task; nil: the graph's own, looked up through x
	copied bool             // tasks are private copies (see graphState)
	consts []graph.Task     // a run on copies: the Value targets' tasks, by caller's target

	targets []int32 // the caller's targets (graph IDs), repeats included
	tl      []int32 // the local number of each, or -1 for a Value

	ctx       context.Context // what tasks see; cancelled when the run stops early
	runCtx    context.Context // the run's own cancellable context, under ctx
	cancel    context.CancelCauseFunc
	keepGoing bool
	hooks     *hookSet
	res       *resources // nil unless a task of a parallel run uses a resource
	exec      Executor   // nil unless tasks marked Remote are handed to one
	workers   int

	counts []int32 // arguments not yet computed, readers not yet finished: see plan.counts0
	state  []State // written by the task's worker, read after synchronising

	slow        bool // hooks, resources or task options: take the general path
	gated       bool // resources or an executor: a task may have to wait before it runs here
	stopped     atomic.Bool
	anyFailed   atomic.Bool
	interrupted atomic.Bool // a task gave up because the run was cancelled
	targetsLeft atomic.Int32
	onTarget    func(local int32) // streaming: a target's result is ready

	errMu   sync.Mutex
	errs    []error
	hookErr error         // the first hook that panicked (under errMu)
	atEnd   []func(error) // see AtRunEnd (under errMu)

	live, peakLive atomic.Int64 // result count, kept only when hooked

	pool *pool  // the workers (parallel runs only)
	id   uint32 // the run's number in its pool (see item)

	// Tasks handed to the executor and not yet settled (see handOff).
	away sync.WaitGroup

	// A sub-run computes a graph that a running task built (see helper).
	sub        bool
	inflight   atomic.Int32 // sub-runs: its tasks running (or handed off) right now
	parent     *run         // sub-runs: the run of the task that spawned it
	parentTask int32
}

// wanted records the caller's targets and counts the tasks among them.
func (r *run) wanted(targets []int32) {
	r.targets, r.tl = targets, make([]int32, len(targets))
	p := r.p
	if len(p.targets) > 8 {
		r.mapTargets() // many targets: look them up in a map
	} else {
		for k, id := range targets {
			r.tl[k] = -1
			for u, t := range p.targets {
				if t == id {
					r.tl[k] = p.tlocal[u]
					break
				}
			}
		}
	}
	left := 0
	for _, l := range p.tlocal {
		if l >= 0 {
			left++
		}
	}
	r.targetsLeft.Store(int32(left))
}

// mapTargets fills tl through a map, for runs of many targets.
func (r *run) mapTargets() {
	local := make(map[int32]int32, len(r.p.targets))
	for u, t := range r.p.targets {
		local[t] = r.p.tlocal[u]
	}
	for k, id := range r.targets {
		r.tl[k] = local[id]
	}
}

// streamTo calls f for each caller's target as its result becomes ready:
// constants at once, tasks as they finish.
func (r *run) streamTo(f func(r *run, k int)) {
	byLocal := make(map[int32][]int, len(r.tl))
	for k, l := range r.tl {
		if l < 0 {
			f(r, k)
			continue
		}
		byLocal[l] = append(byLocal[l], k)
	}
	r.onTarget = func(l int32) {
		for _, k := range byLocal[l] {
			f(r, k)
		}
	}
}

// task returns local task i.
func (r *run) task(i int32) graph.Task {
	if r.tasks != nil {
		return r.tasks[i]
	}
	return r.x.Task(int(r.p.ids[i]))
}

// result returns a pointer to the caller's target k's stored result.
func (r *run) result(k int) any { return r.target(k).Result() }

// value returns the caller's target k's result, boxed.
func (r *run) value(k int) any { return r.target(k).Value() }

// target returns the task of the caller's target k.
func (r *run) target(k int) graph.Task {
	if l := r.tl[k]; l >= 0 {
		return r.task(l)
	}
	if r.consts != nil {
		return r.consts[k]
	}
	return r.x.Task(int(r.targets[k]))
}

// resultOf reads target k's result as the type its handle says it has.
func resultOf[T any](r *run, k int) T { return *r.result(k).(*T) }

// name is task i's name as hooks and errors show it: in a sub-run, the
// path of the spawning tasks' names first ("sort/sort/merge"). A path is
// made only when asked for, and a deep one shows its last levels only.
func (r *run) name(i int32) string {
	name := r.x.Name(int(r.p.ids[i]))
	for depth, q := 0, r; q.parent != nil; depth, q = depth+1, q.parent {
		if depth == maxPathDepth {
			return "…/" + name
		}
		name = q.parent.x.Name(int(q.parent.p.ids[q.parentTask])) + "/" + name
	}
	return name
}

const maxPathDepth = 16

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
	// Small enough to inline (TestSettleInlines keeps it so): a quiet task
	// (most chain links) costs a test, not a call.
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
		r.task(d).Clear()
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
	return r.stopped.Load() || r.runCtx.Err() != nil
}

// fail records task i's error; without keep-going it stops the run and
// cancels the context of the tasks still running. A task that gave up
// because the run was being cancelled has not failed on its own: the run's
// error says it was cancelled, and why.
func (r *run) fail(i int32, err error, where string) {
	if r.runCtx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		r.interrupted.Store(true)
		r.anyFailed.Store(true)
		return
	}
	te := r.taskError(i, err)
	te.Where = where
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

// outcome is the run's error, once every worker has returned.
func (r *run) outcome(parent context.Context) error {
	if herr := r.hookFailure(); herr != nil {
		return herr
	}
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
	if len(errs) == 0 {
		return nil
	}
	if !r.keepGoing {
		return errors.Join(errs...)
	}
	return r.partial(errs)
}

// partial is a keep-going run's error: every error, and which of the
// caller's targets failed.
func (r *run) partial(errs []error) error {
	pe := &PartialError{Errs: errs, Targets: make([]error, len(r.targets))}
	for k, l := range r.tl {
		if l < 0 || r.state[l] == Done {
			continue
		}
		pe.Targets[k] = r.targetError(l, errs)
	}
	return pe
}

// targetError is why target l has no value: its own error, a skip, or
// the run's cancellation (the last of errs).
func (r *run) targetError(l int32, errs []error) error {
	id := int(r.p.ids[l])
	for _, e := range errs {
		if te, ok := e.(*TaskError); ok && te.ID == id {
			return te
		}
	}
	return errs[len(errs)-1]
}

// clear drops the results the run still holds: the targets' after a clean
// run, everything after a failed one (which may have stopped half-way).
// A run on copies drops them with the copies.
func (r *run) clear() {
	if r.copied {
		return
	}
	if r.anyFailed.Load() || r.targetsLeft.Load() > 0 {
		for i := range int32(r.p.len()) {
			r.task(i).Clear()
		}
		return
	}
	for _, l := range r.p.tlocal {
		if l >= 0 {
			r.task(l).Clear()
		}
	}
}

func (r *run) hookPanicked(err *HookError) {
	r.errMu.Lock()
	if r.hookErr == nil {
		r.hookErr = err
	}
	r.errMu.Unlock()
	r.stop(err)
}

func (r *run) hookFailure() error {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	if r.hookErr == nil {
		return nil
	}
	return r.hookErr
}

// over tells whether a sub-run has stopped and none of its tasks is still
// running anywhere (or away at an executor).
func (r *run) over() bool {
	return r.halted() && r.inflight.Load() == 0
}

// leave ends a sub-run task's flight; the last one out of a stopped sub-run
// wakes its waiter.
func (r *run) leave() {
	if r.inflight.Add(-1) == 0 && r.halted() {
		r.pool.wakeAll()
	}
}
