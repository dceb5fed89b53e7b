package bag

import (
	"context"
	"iter"

	"github.com/seed001e6470/taskgraph/codec"
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
// err) pair; stopping early cancels the run.
//
// Iter runs in bounded memory, however large the bag: a partition is
// computed at most iterAhead (8) partitions ahead of the one being
// yielded, and is released as soon as it has been handed over. The
// hand-over is a chain of small tasks (one per partition, ranked above the
// static order) that pass each partition to the loop and wait for it to
// take it; each call adds them, and a task per partition computing it, to
// b's graph.
func Iter[T any](ctx context.Context, b Bag[T], opts ...sched.Option) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		if b.g == nil && b.err == nil {
			return
		}
		if f := b.finite("iter"); f != nil {
			var zero T
			_, err := sched.Compute(ctx, failed[any](b.g, f), opts...)
			yield(zero, err)
			return
		}
		if len(b.parts) == 0 {
			return
		}
		streamParts(ctx, b, yield, opts)
	}
}

// iterAhead is how many partitions Iter computes ahead of the loop.
const iterAhead = 8

func streamParts[T any](ctx context.Context, b Bag[T], yield func(T, error) bool, opts []sched.Option) {
	ch := make(chan []T)
	last := handOver(b, ch)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := sched.Compute(runCtx, last, opts...)
		close(ch)
		done <- err
	}()
	for items := range ch {
		for _, v := range items {
			if !yield(v, nil) {
				cancel()
				for range ch { // the senders stop on the cancellation
				}
				<-done
				return
			}
		}
	}
	if err := <-done; err != nil {
		var zero T
		yield(zero, err)
	}
}

// handOver adds, for each partition, a task computing it (at most
// iterAhead after the last hand-over) and a task handing it to ch after
// the one before it; it returns the last hand-over.
func handOver[T any](b Bag[T], ch chan<- []T) graph.Delayed[any] {
	senders := make([]graph.Delayed[any], len(b.parts))
	codec.Register[[]T]()
	for i, p := range b.parts {
		var after graph.Delayed[any]
		if i >= iterAhead {
			after = senders[i-iterAhead]
		}
		deps := []graph.Delayed[any]{p.node(b.g, "iter", i, after, collect[T])}
		if i > 0 {
			deps = append(deps, senders[i-1])
		}
		senders[i] = graph.CallSlice(b.g, "iter-hand-over", func(ctx context.Context, vs []any) (any, error) {
			select {
			case ch <- asSlice[T](vs[0]):
				return nil, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}, deps, graph.Priority(1))
	}
	return senders[len(senders)-1]
}
