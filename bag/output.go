package bag

import (
	"context"
	"iter"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// Collect is the whole bag as one Delayed slice, in order: the bag as a
// value of a larger graph.
func Collect[T any](b Bag[T]) graph.Delayed[[]T] {
	if b.g == nil && b.err == nil {
		return graph.Delayed[[]T]{}
	}
	ds, f := b.wholes("collect")
	if f != nil {
		return failed[[]T](b.g, f)
	}
	views := b.views()
	return graph.CallSlice(b.g, "collect", func(_ context.Context, vs []any) ([]T, error) {
		n := 0
		parts := make([][]T, len(vs))
		for i, v := range vs {
			parts[i] = views[i](v)
			n += len(parts[i])
		}
		out := make([]T, 0, n)
		for _, p := range parts {
			out = append(out, p...)
		}
		return out, nil
	}, ds)
}

// ToSlice computes b and returns its elements in order. opts configure the
// run (sched.Workers, …). The zero Bag gives nil.
func ToSlice[T any](ctx context.Context, b Bag[T], opts ...sched.Option) ([]T, error) {
	if b.g == nil && b.err == nil {
		return nil, nil
	}
	return sched.Compute(ctx, Collect(b), opts...)
}

// Iter computes b and yields its elements in order, each partition as soon
// as it and the ones before it are done, so a consumer starts before the
// whole bag is computed. A failed run ends the sequence with one (zero,
// err) pair; stopping early cancels the run. The scheduler keeps every
// partition until the run ends, so Iter does not bound memory: reduce the
// bag where that matters.
func Iter[T any](ctx context.Context, b Bag[T], opts ...sched.Option) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		if b.g == nil && b.err == nil {
			return
		}
		ds, f := b.wholes("iter")
		if f != nil {
			ds = []graph.Delayed[any]{failed[any](b.g, f)}
		}
		if len(ds) == 0 {
			return
		}
		views := b.views()
		ready := make(map[int][]T)
		next := 0
		for c, err := range sched.AsCompleted(ctx, ds, opts...) {
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			ready[c.Index] = views[c.Index](c.Value)
			for ; ; next++ {
				items, ok := ready[next]
				if !ok {
					break
				}
				delete(ready, next)
				for _, v := range items {
					if !yield(v, nil) {
						return
					}
				}
			}
		}
	}
}
