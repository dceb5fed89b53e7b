package sched

import (
	"context"
	"fmt"
	"iter"
	"slices"

	"github.com/seed001e6470/taskgraph/graph"
)

// Scheduler holds the settings of runs. The zero value is ready to use:
// all cores, fail-fast, no hooks. A Scheduler is only configuration, so one
// value may serve any number of concurrent runs.
type Scheduler struct {
	// Workers is the number of goroutines that run tasks; 0 means
	// GOMAXPROCS. With 1, the run is the reference schedule: every task
	// in the static order, in the caller's goroutine. At most MaxWorkers.
	Workers int
	// KeepGoing runs everything that does not depend on a failed task and
	// returns the partial results with every error (errors.Join). The
	// default is fail-fast: the first error stops the run.
	KeepGoing bool
	// Hooks are called as the run goes (progress, profiling, logging).
	Hooks []Hooks
	// Resources limits named resources: at most Resources[name] units
	// are held at once by tasks that declared graph.Uses(name, units),
	// counting the tasks of graphs that tasks spawn (see the package doc).
	Resources map[string]int64
	// Executor, if set, runs the tasks marked graph.Remote.
	Executor Executor
}

// MaxWorkers is the most workers a run may have: each is a goroutine
// with a deque, and far more than there are cores only helps tasks that
// block (which is what resources and executors are for).
const MaxWorkers = 4096

// Option changes the settings of one run. A *Scheduler is an Option too:
// it sets the fields it has set (those that are not zero), adds its hooks
// and its limits to those given before or after it, so the order of
// options matters only when two of them set the same field (the last
// wins).
type Option interface{ apply(*Scheduler) }

type optionFunc func(*Scheduler)

func (f optionFunc) apply(s *Scheduler) { f(s) }

func (s *Scheduler) apply(t *Scheduler) {
	if s.Workers != 0 {
		t.Workers = s.Workers
	}
	t.KeepGoing = t.KeepGoing || s.KeepGoing
	t.Hooks = append(slices.Clip(t.Hooks), s.Hooks...)
	for name, units := range s.Resources {
		Limit(name, units).apply(t)
	}
	if s.Executor != nil {
		t.Executor = s.Executor
	}
}

// Workers sets the number of workers (see Scheduler.Workers).
func Workers(n int) Option { return optionFunc(func(s *Scheduler) { s.Workers = n }) }

// KeepGoing asks for partial results instead of fail-fast.
func KeepGoing() Option { return optionFunc(func(s *Scheduler) { s.KeepGoing = true }) }

// WithHooks adds hooks to the run.
func WithHooks(h Hooks) Option {
	return optionFunc(func(s *Scheduler) { s.Hooks = append(slices.Clip(s.Hooks), h) })
}

// WithExecutor hands the run's tasks marked graph.Remote to e (see
// Executor); the others run on the run's own workers.
func WithExecutor(e Executor) Option { return optionFunc(func(s *Scheduler) { s.Executor = e }) }

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
	err := s.execute(ctx, d.Graph(), []int32{int32(d.ID())}, nil, func(r *run) { v = resultOf[T](r, 0) })
	return v, err
}

// ComputeAll computes several values of one type in one run, sharing what
// they have in common. With KeepGoing, the values of the targets that
// succeeded are filled in even when the error is not nil, and the error is
// a *PartialError that tells, target by target, which ones did.
func ComputeAll[T any](ctx context.Context, ds []graph.Delayed[T], opts ...Option) ([]T, error) {
	g, ids, err := targetsOf(ds)
	if err != nil {
		return nil, err
	}
	vs := make([]T, len(ds))
	s := settings(opts)
	err = s.execute(ctx, g, ids, nil, func(r *run) {
		for k := range ds {
			vs[k] = resultOf[T](r, k)
		}
	})
	return vs, err
}

// Run computes targets of any types in one run and returns their values
// boxed, in order (Dask's compute(a, b, c)). With two or three targets of
// known types, [Compute2] and [Compute3] return them typed.
func (s *Scheduler) Run(ctx context.Context, targets ...graph.Node) ([]any, error) {
	g, ids, err := targetsOf(targets)
	if err != nil {
		return nil, err
	}
	vs := make([]any, len(targets))
	err = s.execute(ctx, g, ids, nil, func(r *run) {
		for k := range targets {
			vs[k] = r.value(k)
		}
	})
	return vs, err
}

// Compute2 computes two values of any types in one run, sharing what they
// have in common.
func Compute2[A, B any](ctx context.Context, a graph.Delayed[A], b graph.Delayed[B], opts ...Option) (A, B, error) {
	var va A
	var vb B
	g, ids, err := targetsOf([]graph.Node{a, b})
	if err != nil {
		return va, vb, err
	}
	s := settings(opts)
	err = s.execute(ctx, g, ids, nil, func(r *run) { va, vb = resultOf[A](r, 0), resultOf[B](r, 1) })
	return va, vb, err
}

// Compute3 computes three values of any types in one run.
func Compute3[A, B, C any](ctx context.Context, a graph.Delayed[A], b graph.Delayed[B], c graph.Delayed[C], opts ...Option) (A, B, C, error) {
	var va A
	var vb B
	var vc C
	g, ids, err := targetsOf([]graph.Node{a, b, c})
	if err != nil {
		return va, vb, vc, err
	}
	s := settings(opts)
	err = s.execute(ctx, g, ids, nil, func(r *run) {
		va, vb, vc = resultOf[A](r, 0), resultOf[B](r, 1), resultOf[C](r, 2)
	})
	return va, vb, vc, err
}

// Completed is one result delivered by AsCompleted: which target it is and
// its value.
type Completed[T any] struct {
	Index int
	Value T
}

// AsCompleted computes ds and yields each value as soon as it is ready, in
// completion order (Python's asyncio.as_completed). A failed run ends the
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
		s := settings(opts)
		go func() {
			done <- s.execute(ctx, g, ids, func(r *run, k int) {
				ready <- Completed[T]{k, resultOf[T](r, k)}
			}, func(*run) {})
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
			return nil, nil, fmt.Errorf("%w: target %d (%q) and target 0 (%q)", ErrMixedGraphs, k, n.Graph().Name(n.ID()), g.Name(ns[0].ID()))
		}
		ids[k] = int32(n.ID())
	}
	return g, ids, nil
}

// Persist computes d once and returns a handle to its value as a constant
// leaf of d's graph (Dask's persist): graphs built on the returned handle
// use the value as it is and never compute d's part again. Handles that
// already depended on d still compute it when they run.
//
// Persist adds a node to d's graph, and does so safely while other
// goroutines compute or persist parts of the same graph (building it
// with other functions of package graph meanwhile is not safe, as
// always). It waits for a run that uses the graph's own tasks to finish.
func Persist[T any](ctx context.Context, d graph.Delayed[T], opts ...Option) (graph.Delayed[T], error) {
	v, err := Compute(ctx, d, opts...)
	if err != nil {
		return graph.Delayed[T]{}, err
	}
	var p graph.Delayed[T]
	err = addToGraph(ctx, d.Graph(), func() { p = graph.Value(d.Graph(), d.Name(), v) })
	return p, err
}

// PersistAll is Persist for several values of one type, computed in one
// run that shares their common part.
func PersistAll[T any](ctx context.Context, ds []graph.Delayed[T], opts ...Option) ([]graph.Delayed[T], error) {
	vs, err := ComputeAll(ctx, ds, opts...)
	if err != nil {
		return nil, err
	}
	out := make([]graph.Delayed[T], len(ds))
	err = addToGraph(ctx, ds[0].Graph(), func() {
		for k, d := range ds {
			out[k] = graph.Value(d.Graph(), d.Name(), vs[k])
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
