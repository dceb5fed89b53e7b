package sched

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
)

// execute is every entry point's common path: check the call, take the
// graph's own tasks or copies of them, plan, set the run up, run it,
// collect the targets' results and release everything. Called from inside
// a task (its ctx tells), it computes a graph that the task built: a
// sub-run, whose tasks show in the hooks under the task's name
// ("parent/child") and join the pool of the task's run (see helper).
func (s *Scheduler) execute(ctx context.Context, g *graph.Graph, targets []int32,
	onTarget func(r *run, k int), collect func(r *run)) error {
	if err := checkCall(ctx, g, targets); err != nil {
		return err
	}
	outer, _ := ctx.Value(runKey{}).(*running)
	if err := outer.admits(); err != nil {
		return err
	}
	st := stateOf(g)
	own := st.cells.TryLock()
	if own {
		defer st.cells.Unlock()
	} else if outer.inside(g) {
		// Only when g is busy is it worth walking the chain of enclosing
		// runs: a task computing its own graph would compute itself.
		return ErrNested
	}
	p, x, tasks, err := st.planFor(g, unique(targets), !own)
	if err != nil {
		return err
	}
	r, err := s.newRun(ctx, p, x, tasks, targets)
	if err != nil {
		return err
	}
	if r.copied = !own; r.copied {
		r.consts = st.constants(x, targets)
	}
	defer r.clear()
	if onTarget != nil {
		r.streamTo(onTarget)
	}
	return r.execute(ctx, outer, collect)
}

// checkCall refuses what cannot be run, before anything is set up. (The
// graph itself is checked when it is planned, under the lock that keeps
// Persist from adding to it meanwhile: see graphState.planFor.)
func checkCall(ctx context.Context, g *graph.Graph, targets []int32) error {
	switch {
	case ctx == nil:
		return ErrNilContext
	case g == nil:
		return ErrNoTarget
	}
	return nil
}

// newRun sets up a run of plan p: its counters and settings, where its
// tasks come from, its resources and executor.
func (s *Scheduler) newRun(ctx context.Context, p *plan, x graph.Executable, tasks []graph.Task, targets []int32) (*run, error) {
	r := &run{p: p, x: x, tasks: tasks, keepGoing: s.KeepGoing, hooks: compileHooks(s.Hooks)}
	r.counts = append([]int32(nil), p.counts0...)
	r.state = make([]State, p.len())
	r.wanted(targets)
	if s.Executor != nil && len(p.remote) > 0 {
		r.exec = s.Executor
		if pr, ok := s.Executor.(Preparer); ok {
			if err := pr.Prepare(ctx, x.Graph(), p.remote); err != nil {
				return nil, err
			}
		}
	}
	return r, r.place(ctx, s)
}

// place decides where r runs: on the pool of the task that spawned it,
// serially, or on a pool of its own; and sets up its resources.
func (r *run) place(ctx context.Context, s *Scheduler) error {
	workers := s.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > MaxWorkers {
		return fmt.Errorf("%w: Workers(%d), at most %d", ErrWorkers, workers, MaxWorkers)
	}
	// Not capped by the number of tasks: a single task may spawn a graph
	// of thousands (see helper).
	workers = max(1, workers)
	if spawner := runnerOf(ctx); spawner != nil {
		parent := spawner.active
		r.sub, r.parent, r.parentTask = true, parent, spawner.task
		if r.hooks == nil {
			r.hooks = parent.hooks
		}
		workers = 1
		if w := spawner.w; w != nil {
			workers = len(w.pool.workers)
			r.pool, r.id = w.pool, w.pool.lastID.Add(1)
		}
	} else if workers > 1 {
		r.pool = newPool(r, workers)
	}
	r.workers = workers
	res, err := newResources(r, s.Resources)
	if err != nil {
		return err // checked with any worker count: a graph is accepted or refused alike
	}
	if workers > 1 {
		r.res = res // one worker runs one task at a time: nothing to limit
	}
	r.slow = r.hooks != nil || r.res != nil || r.p.opts != nil
	r.gated = r.res != nil || r.exec != nil
	return nil
}

// execute runs r and collects its targets' results.
func (r *run) execute(ctx context.Context, outer *running, collect func(*run)) error {
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	in := outer.enter(r.x.Graph())
	in.run = r
	r.ctx = context.WithValue(runCtx, runKey{}, in)
	r.cancel, r.runCtx = cancel, runCtx
	fired := make(chan struct{})
	stopWatch := context.AfterFunc(runCtx, func() { r.stop(nil); close(fired) })

	var info RunInfo
	if r.hooks != nil {
		info = RunInfo{Graph: r.x.Graph(), Tasks: r.p.len(), Workers: r.workers, Start: time.Now()}
		r.runStartHooks(info)
	}
	if ctx.Err() == nil && r.targetsLeft.Load() > 0 && !r.stopped.Load() {
		r.dispatch(ctx)
	}
	if !stopWatch() {
		<-fired
	}
	r.settleAway()
	if r.res != nil {
		ready := r.res.releaseAll()
		if w := r.releaser(ctx); w != nil {
			w.requeue(ready)
		}
	}
	err := r.outcome(ctx)
	if err == nil || r.keepGoing {
		collect(r)
	}
	r.runEnded(err)
	if r.hooks != nil {
		r.finishHooks(info, err)
		if herr := r.hookFailure(); herr != nil && err == nil {
			err = herr
		}
	}
	return err
}

// AtRunEnd has f called, with the run's error (nil after success), once
// the run that the task that got ctx belongs to is over: after its last
// task, before Compute (or whichever call started the run) returns, on
// that call's goroutine. It is for work that must be settled by the run
// and not outlive it: files written by tasks, renamed into place or
// removed. Called outside a task, it returns false and f is not called.
func AtRunEnd(ctx context.Context, f func(err error)) bool {
	in, _ := ctx.Value(runKey{}).(*running)
	if in == nil || in.run == nil {
		return false
	}
	r := in.run
	r.errMu.Lock()
	r.atEnd = append(r.atEnd, f)
	r.errMu.Unlock()
	return true
}

// runEnded calls what tasks asked to be called at the run's end, in the
// order they asked.
func (r *run) runEnded(err error) {
	r.errMu.Lock()
	fs := r.atEnd
	r.atEnd = nil
	r.errMu.Unlock()
	for _, f := range fs {
		f(err)
	}
}

// dispatch runs r's tasks where place decided.
func (r *run) dispatch(ctx context.Context) {
	spawner := workerOf(ctx)
	switch {
	case spawner != nil:
		h := newHelper(spawner)
		pr, pt := r.parent, r.parentTask
		lent := false
		if pr.res != nil {
			var ready []waiter
			lent, ready = pr.res.lend(pt)
			h.requeue(ready)
		}
		h.corun(r)
		if lent {
			pr.res.reclaim(pr.ctx, pt)
		}
	case r.pool == nil:
		r.serial()
	default:
		r.parallel()
	}
}

// releaser is the worker that takes tasks granted by resources a stopped
// run gives back: the helper's pool worker for a sub-run, none for a top
// run (its pool is done).
func (r *run) releaser(ctx context.Context) *worker {
	if w := workerOf(ctx); w != nil {
		return w.pool.workers[w.id]
	}
	return nil
}

// unique drops repeated targets, keeping the first occurrence's place.
func unique(ids []int32) []int32 {
	if len(ids) == 1 {
		return ids
	}
	seen := make(map[int32]bool, len(ids))
	out := make([]int32, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

type runKey struct{}

// running is what a task's context knows of the runs it is inside: so
// that a task computing its own graph fails instead of waiting for
// itself, and spawning cannot recurse without bound.
type running struct {
	g      *graph.Graph
	parent *running
	depth  int
	run    *run // the run, for AtRunEnd
}

// maxDepth bounds how deeply tasks may spawn graphs inside each other. A
// level costs a few KiB of stack (more with Workers(1), where a spawned
// graph is computed in place like a recursive call); far beyond any
// divide-and-conquer's depth, far below a goroutine's stack limit.
var maxDepth = 50_000 // a variable only so that a test need not go 50,000 deep

func (r *running) enter(g *graph.Graph) *running {
	if r == nil {
		return &running{g: g}
	}
	return &running{g: g, parent: r, depth: r.depth + 1}
}

// admits tells whether a task inside r may compute a graph of its own.
func (r *running) admits() error {
	if r != nil && r.depth+1 >= maxDepth {
		return fmt.Errorf("%w: %d levels of graphs computed inside tasks", ErrTooDeep, r.depth+1)
	}
	return nil
}

// inside tells whether g is one of the graphs whose runs r is inside.
func (r *running) inside(g *graph.Graph) bool {
	for q := r; q != nil; q = q.parent {
		if q.g == g {
			return true
		}
	}
	return false
}

// addToGraph runs add, which appends nodes to g, while no run reads g's
// structure: planners (under mu) and a run on g's own tasks (under cells).
func addToGraph(ctx context.Context, g *graph.Graph, add func()) error {
	st := stateOf(g)
	if !st.cells.TryLock() {
		if outer, _ := ctx.Value(runKey{}).(*running); outer != nil {
			// A run of g may be up this goroutine's stack, and would wait
			// for the task that waits here: refuse rather than risk it.
			return fmt.Errorf("%w: Persist into a graph that is being computed, from inside a task", ErrNested)
		}
		st.cells.Lock()
	}
	defer st.cells.Unlock()
	st.mu.Lock()
	defer st.mu.Unlock()
	add()
	return nil
}

// settleAway waits for the hand-offs still away when the run's workers
// stopped (a failure or a cancellation stopped the run) and takes in
// their reports, so that every task is accounted for before the run ends.
func (r *run) settleAway() {
	if r.exec == nil || r.pool == nil || r.sub {
		return
	}
	r.away.Wait()
	// The caller's goroutine, where each hook call is guarded.
	on := &runner{guarded: true}
	for h := r.pool.takeReport(); h != nil; h = r.pool.takeReport() {
		on.start, on.active = h.start, h.r
		h.r.ended(h.i, on, h.rep.Err, h.rep.Worker)
	}
}
