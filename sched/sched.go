package sched

import (
	"context"
	"iter"
	"runtime"
	"slices"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
)

// Scheduler holds the settings of runs. The zero value is ready to use:
// all cores, fail-fast, no hooks. A Scheduler is only configuration, so one
// value may serve any number of concurrent runs.
type Scheduler struct {
	// Workers is the number of goroutines that run tasks; 0 means
	// GOMAXPROCS. With 1, the run is the reference schedule: every task
	// in the static order, in the caller's goroutine.
	Workers int
	// KeepGoing runs everything that does not depend on a failed task and
	// returns the partial results with every error (errors.Join). The
	// default is fail-fast: the first error stops the run.
	KeepGoing bool
	// Hooks are called as the run goes (progress, profiling, logging).
	Hooks []Hooks
	// Resources limits named resources: at most Resources[name] units
	// are held at once by tasks that declared graph.Uses(name, units).
	Resources map[string]int64
}

// Option changes the settings of one run. A *Scheduler is an Option too
// (it sets all of them), so callers may pass a prepared configuration.
type Option interface{ apply(*Scheduler) }

type optionFunc func(*Scheduler)

func (f optionFunc) apply(s *Scheduler) { f(s) }

func (s *Scheduler) apply(t *Scheduler) { *t = *s }

// Workers sets the number of workers (see Scheduler.Workers).
func Workers(n int) Option { return optionFunc(func(s *Scheduler) { s.Workers = n }) }

// KeepGoing asks for partial results instead of fail-fast.
func KeepGoing() Option { return optionFunc(func(s *Scheduler) { s.KeepGoing = true }) }

// WithHooks adds hooks to the run.
func WithHooks(h Hooks) Option {
	return optionFunc(func(s *Scheduler) { s.Hooks = append(slices.Clip(s.Hooks), h) })
}

// Limit caps a named resource (see Scheduler.Resources).
func Limit(resource string, units int64) Option {
	return optionFunc(func(s *Scheduler) {
		m := make(map[string]int64, len(s.Resources)+1)
		for k, v := range s.Resources {
			m[k] = v
		}
		m[resource] = units
		s.Resources = m
	})
}

func settings(opts []Option) Scheduler {
	var s Scheduler
	for _, o := range opts {
		if o != nil {
			o.apply(&s)
		}
	}
	return s
}

// Compute runs what d needs and returns its value. Only the tasks d
// depends on run, each once.
func Compute[T any](ctx context.Context, d graph.Delayed[T], opts ...Option) (T, error) {
	var v T
	s := settings(opts)
	err := s.execute(ctx, d.Graph(), []int32{int32(d.ID())}, nil, func(*plan) { v = d.Stored() })
	return v, err
}

// ComputeAll computes several values of one type in one run, sharing what
// they have in common. With KeepGoing, the values of the targets that
// succeeded are filled in even when the error is not nil.
func ComputeAll[T any](ctx context.Context, ds []graph.Delayed[T], opts ...Option) ([]T, error) {
	g, ids, err := targetsOf(ds)
	if err != nil {
		return nil, err
	}
	vs := make([]T, len(ds))
	s := settings(opts)
	err = s.execute(ctx, g, ids, nil, func(p *plan) {
		for k, d := range ds {
			vs[k] = d.Stored()
		}
	})
	return vs, err
}

// Run computes targets of any types in one run and returns their values
// boxed, in order (Dask's compute(a, b, c)).
func (s *Scheduler) Run(ctx context.Context, targets ...graph.Node) ([]any, error) {
	g, ids, err := targetsOf(targets)
	if err != nil {
		return nil, err
	}
	vs := make([]any, len(targets))
	err = s.execute(ctx, g, ids, nil, func(p *plan) {
		for k, t := range targets {
			vs[k] = g.TaskOf(t.ID()).Value()
		}
	})
	return vs, err
}

// Completed is one result delivered by AsCompleted: which target it is and
// its value.
type Completed[T any] struct {
	Index int
	Value T
}

// AsCompleted computes ds and yields each value as soon as it is ready, in
// completion order (Go's asyncio.as_completed). A failed run ends the
// sequence with one (zero, err) pair. Stopping the loop early cancels the
// run; either way, no goroutine outlives the loop.
func AsCompleted[T any](ctx context.Context, ds []graph.Delayed[T], opts ...Option) iter.Seq2[Completed[T], error] {
	return func(yield func(Completed[T], error) bool) {
		g, ids, err := targetsOf(ds)
		if err != nil {
			yield(Completed[T]{Index: -1}, err)
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		ready := make(chan Completed[T], len(ds))
		done := make(chan error, 1)
		byID := make(map[int32][]int, len(ds))
		for k, id := range ids {
			byID[id] = append(byID[id], k)
		}
		s := settings(opts)
		go func() {
			done <- s.execute(ctx, g, ids, func(p *plan, local int32) {
				id := p.ids[local]
				for _, k := range byID[id] {
					ready <- Completed[T]{k, ds[k].Stored()}
				}
			}, func(p *plan) {
				for k, d := range ds { // constants are ready from the start
					if g.Kind(d.ID()) == graph.KindValue {
						ready <- Completed[T]{k, d.Stored()}
					}
				}
			})
			close(ready)
		}()
		defer func() {
			cancel()
			for range ready { // let the run finish before returning
			}
		}()
		for c := range ready {
			if !yield(c, nil) {
				return
			}
		}
		if err := <-done; err != nil {
			yield(Completed[T]{Index: -1}, err)
		}
	}
}

// targetsOf checks that all handles are valid and share one graph.
func targetsOf[N graph.Node](ns []N) (*graph.Graph, []int32, error) {
	if len(ns) == 0 {
		return nil, nil, ErrNoTarget
	}
	g := ns[0].Graph()
	ids := make([]int32, len(ns))
	for k, n := range ns {
		if n.Graph() != g {
			return nil, nil, graph.ErrForeignHandle
		}
		ids[k] = int32(n.ID())
	}
	return g, ids, nil
}

type runKey struct{}

// running is what a task's context knows of the runs it is inside, so
// that a task computing its own graph fails instead of waiting forever.
type running struct {
	g      *graph.Graph
	parent *running
}

func nested(ctx context.Context, g *graph.Graph) bool {
	for r, _ := ctx.Value(runKey{}).(*running); r != nil; r = r.parent {
		if r.g == g {
			return true
		}
	}
	return false
}

// execute is every entry point's common path: check, plan, run, collect
// the targets' results, release everything.
//
// Called from inside a task (its ctx tells), it computes a graph that the
// task built: a sub-run, whose tasks show in the hooks under the task's
// name ("parent/child"). In a parallel run the sub-run joins the pool on
// the caller's worker (see corun); in a serial run it is computed in
// place, like a recursive call.
func (s *Scheduler) execute(ctx context.Context, g *graph.Graph, targets []int32,
	onTarget func(p *plan, local int32), collect func(p *plan)) error {
	if g == nil {
		return ErrNoTarget
	}
	if err := g.Err(); err != nil {
		return err
	}
	for _, t := range targets {
		if t < 0 || int(t) >= g.Len() {
			return ErrNoTarget
		}
	}
	// Runs of one graph take turns; only when g is busy is it worth
	// walking the chain of enclosing runs to see whether the caller is one
	// of g's own tasks, which would wait for itself.
	if !g.RunLock().TryLock() {
		if nested(ctx, g) {
			return ErrNested
		}
		g.RunLock().Lock()
	}
	defer g.RunLock().Unlock()

	targets = unique(targets)
	p, _ := (*g.Memo()).(*plan)
	if p.sameTargets(g, targets) {
		p.reused()
	} else {
		var err error
		if p, err = newPlan(g, targets); err != nil {
			return err
		}
		*g.Memo() = p
	}
	r := newRun(p, s)
	res, err := newResources(p, s.Resources)
	if err != nil {
		return err
	}
	spawner := workerOf(ctx)
	workers := s.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	switch {
	case spawner != nil:
		parent := spawner.cur
		r.sub, r.parent, r.parentTask = true, parent, spawner.current
		if r.hooks == nil {
			r.hooks = parent.hooks
		}
		workers = 1
		if spawner.pool != nil {
			workers = len(spawner.pool.workers)
		}
	default:
		// Not capped by the number of tasks: a single task may spawn a
		// graph of thousands (see corun).
		workers = max(1, workers)
	}
	if workers > 1 && res != nil {
		res.r, r.res = r, res
	}
	r.slow = r.hooks != nil || r.res != nil || p.opts != nil
	if onTarget != nil {
		r.onTarget = func(l int32) { onTarget(p, l) }
	}

	switch {
	case spawner != nil && spawner.pool != nil:
		r.pool, r.id = spawner.pool, spawner.pool.lastID.Add(1)
	case workers > 1:
		r.pool = newPool(r, workers)
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	outer, _ := ctx.Value(runKey{}).(*running)
	r.ctx = context.WithValue(runCtx, runKey{}, &running{g, outer})
	r.cancel, r.done = cancel, runCtx
	fired := make(chan struct{})
	stopWatch := context.AfterFunc(runCtx, func() { r.stop(nil); close(fired) })

	var info RunInfo
	if r.hooks != nil {
		info = RunInfo{Graph: g, Tasks: p.len(), Workers: workers, Start: time.Now()}
		if !r.sub {
			for _, f := range r.hooks.runStart {
				f(info)
			}
		}
	}
	if ctx.Err() == nil && r.targetsLeft.Load() > 0 {
		switch {
		case spawner != nil && spawner.pool != nil:
			spawner.corun(r)
		case workers == 1:
			r.serial()
		default:
			r.parallel()
		}
	}
	if !stopWatch() {
		<-fired
	}
	err = r.result(ctx)
	if err == nil || s.KeepGoing {
		collect(p)
	}
	if r.hooks != nil {
		r.finishHooks(info, err)
	}
	r.clear(err != nil)
	return err
}

// clear drops the results the run still holds: the targets' after a clean
// run, everything after a failed one (which may have stopped half-way).
func (r *run) clear(all bool) {
	if all {
		for i := range int32(r.p.len()) {
			r.p.task(i).Clear()
		}
		return
	}
	for _, l := range r.p.tlocal {
		if l >= 0 {
			r.p.task(l).Clear()
		}
	}
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

// Persist computes d once and returns a handle to its value as a constant
// leaf of d's graph (Dask's persist): graphs built on the returned handle
// use the value as it is and never compute d's part again. Handles that
// already depended on d still compute it when they run.
func Persist[T any](ctx context.Context, d graph.Delayed[T], opts ...Option) (graph.Delayed[T], error) {
	v, err := Compute(ctx, d, opts...)
	if err != nil {
		return graph.Delayed[T]{}, err
	}
	return graph.Value(d.Graph(), d.Name(), v), nil
}

// PersistAll is Persist for several values of one type, computed in one
// run that shares their common part.
func PersistAll[T any](ctx context.Context, ds []graph.Delayed[T], opts ...Option) ([]graph.Delayed[T], error) {
	vs, err := ComputeAll(ctx, ds, opts...)
	if err != nil {
		return nil, err
	}
	out := make([]graph.Delayed[T], len(ds))
	for k, d := range ds {
		out[k] = graph.Value(d.Graph(), d.Name(), vs[k])
	}
	return out, nil
}
