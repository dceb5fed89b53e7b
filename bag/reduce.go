package bag

import (
	"cmp"
	"context"
	"fmt"
	"math"

	"github.com/seed001e6470/taskgraph/codec"
	"github.com/seed001e6470/taskgraph/graph"
)

// Reductions are trees: one task per partition folds its elements (fused
// with the partition's pending stages) into a partial result, and combine
// tasks merge at most SplitEvery partials each, level by level, until one
// is left. No task folds everything, and the partials are combined in
// partition order, so a reduction gives the same result with one worker
// or many, floating-point sums included.

// Number is the constraint of the arithmetic reductions.
type Number interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr |
		~float32 | ~float64
}

// reduction describes a tree: leaf folds one partition into a partial A;
// combine merges partials in order; finish makes the result of the last
// one; empty is the result of a bag without partitions.
type reduction[T, A, R any] struct {
	name    string
	leaf    func(x *exec, src producer[T]) A
	combine func([]A) A
	finish  func(A) (R, error)
	empty   func() (R, error)
}

// build adds the reduction's tasks for b.
func (r reduction[T, A, R]) build(b Bag[T], opts []Option) graph.Delayed[R] {
	if b.g == nil && b.err == nil {
		return graph.Delayed[R]{}
	}
	c := configure(opts)
	if c.err != nil && b.err == nil {
		return failed[R](b.g, &failure{r.name, c.err})
	}
	if f := b.finite(r.name); f != nil {
		return failed[R](b.g, f)
	}
	g := b.g
	if len(b.parts) == 0 {
		return graph.Source(g, r.name, func(context.Context) (R, error) { return r.empty() })
	}
	codec.Register[A]() // a partial may be made on a worker (Remote)
	leaf := func(x *exec, src producer[T], _ any) (any, error) { return r.leaf(x, src), nil }
	level := make([]graph.Delayed[any], len(b.parts))
	for i, p := range b.parts {
		level[i] = p.node(g, r.name, i, graph.Delayed[any]{}, leaf)
	}
	if len(level) <= c.every {
		return graph.CallSlice(g, r.name, func(_ context.Context, vs []any) (R, error) {
			return r.finish(r.combine(unbox[A](vs)))
		}, level)
	}
	combineAny := func(_ context.Context, vs []any) (A, error) { return r.combine(unbox[A](vs)), nil }
	combineA := func(_ context.Context, vs []A) (A, error) { return r.combine(vs), nil }
	up := groups(g, r.name+"-combine", level, c.every, combineAny)
	for len(up) > c.every {
		up = groups(g, r.name+"-combine", up, c.every, combineA)
	}
	return graph.CallSlice(g, r.name, func(_ context.Context, vs []A) (R, error) {
		return r.finish(r.combine(vs))
	}, up)
}

// groups adds one task per run of k consecutive inputs.
func groups[V, A any](g *graph.Graph, name string, in []graph.Delayed[V], k int, fn func(context.Context, []V) (A, error)) []graph.Delayed[A] {
	out := make([]graph.Delayed[A], 0, (len(in)+k-1)/k)
	for lo := 0; lo < len(in); lo += k {
		out = append(out, graph.CallSlice(g, name, fn, in[lo:min(lo+k, len(in))]))
	}
	return out
}

func unbox[A any](vs []any) []A {
	as := make([]A, len(vs))
	for i, v := range vs {
		as[i], _ = unwrap(v).(A)
	}
	return as
}

func same[A any](a A) (A, error) { return a, nil }

// Fold folds every partition, in order, with step from init, and combines
// the partitions' results, in order, with combine (Dask's fold). init
// starts every partition and is the result of an empty bag, so it should be
// combine's identity; it is copied, so a map or slice in it would be
// shared between partitions (use FoldBy or MapPartitions for those).
// step is called through a func value, once per element; for a cheap step
// over many elements, FoldBlocks is several times faster.
func Fold[T, A any](b Bag[T], init A, step func(A, T) A, combine func(A, A) A, opts ...Option) graph.Delayed[A] {
	if step == nil || combine == nil {
		return failed[A](b.g, firstFailure(b, "fold", nilFunc("fold")))
	}
	return reduction[T, A, A]{
		name: "fold",
		leaf: func(x *exec, src producer[T]) A {
			acc := init
			src(x, func(blk []T) bool {
				x.stage = "fold"
				a := acc // a local the loop can keep in registers
				for _, v := range blk {
					a = step(a, v)
				}
				acc = a
				return true
			})
			return acc
		},
		combine: func(as []A) A {
			acc := as[0]
			for _, a := range as[1:] {
				acc = combine(acc, a)
			}
			return acc
		},
		finish: same[A],
		empty:  func() (A, error) { return init, nil },
	}.build(b, opts)
}

// FoldBlocks is Fold with a step that takes a block of elements (a few
// hundred) at a time: the fast path for reductions, as MapBlocks is for
// stages. A step that is a plain loop over the block is compiled as a
// whole, so a partition costs close to what a hand-written loop over it
// does (plus, for a range, writing its blocks); Fold pays an indirect call
// per element. The blocks must not be modified or kept. This is Dask's
// reduction(perpartition, aggregate), with the partition streamed to the
// step in blocks rather than held whole.
func FoldBlocks[T, A any](b Bag[T], init A, step func(A, []T) A, combine func(A, A) A, opts ...Option) graph.Delayed[A] {
	if step == nil || combine == nil {
		return failed[A](b.g, firstFailure(b, "fold-blocks", nilFunc("fold-blocks")))
	}
	return reduction[T, A, A]{
		name: "fold-blocks",
		leaf: func(x *exec, src producer[T]) A {
			acc := init
			src(x, func(blk []T) bool {
				x.stage = "fold-blocks"
				acc = step(acc, blk)
				return true
			})
			return acc
		},
		combine: func(as []A) A {
			acc := as[0]
			for _, a := range as[1:] {
				acc = combine(acc, a)
			}
			return acc
		},
		finish: same[A],
		empty:  func() (A, error) { return init, nil },
	}.build(b, opts)
}

// firstFailure is b's own mistake if it has one, else err found by stage.
func firstFailure[T any](b Bag[T], stage string, err error) *failure {
	if b.err != nil {
		return b.err
	}
	return &failure{stage, err}
}

// maybe is a partial result of a reduction without an identity.
type maybe[T any] struct {
	V  T
	OK bool
}

func combineMaybe[T any](f func(T, T) T) func([]maybe[T]) maybe[T] {
	return func(ms []maybe[T]) maybe[T] {
		var acc maybe[T]
		for _, m := range ms {
			switch {
			case !m.OK:
			case !acc.OK:
				acc = m
			default:
				acc.V = f(acc.V, m.V)
			}
		}
		return acc
	}
}

func finishMaybe[T any](name string) func(maybe[T]) (T, error) {
	return func(m maybe[T]) (T, error) {
		if !m.OK {
			return m.V, fmt.Errorf("%w (%s)", ErrEmpty, name)
		}
		return m.V, nil
	}
}

func emptyErr[R any](name string) func() (R, error) {
	return func() (R, error) {
		var zero R
		return zero, fmt.Errorf("%w (%s)", ErrEmpty, name)
	}
}

// Reduce combines all elements with f, which must be associative: within
// partitions, then across them, in order. An empty bag gives ErrEmpty.
func Reduce[T any](b Bag[T], f func(T, T) T, opts ...Option) graph.Delayed[T] {
	if f == nil {
		return failed[T](b.g, firstFailure(b, "reduce", nilFunc("reduce")))
	}
	return reduction[T, maybe[T], T]{
		name: "reduce",
		leaf: func(x *exec, src producer[T]) maybe[T] {
			var acc maybe[T]
			src(x, func(blk []T) bool {
				x.stage = "reduce"
				if !acc.OK {
					acc = maybe[T]{blk[0], true}
					blk = blk[1:]
				}
				a := acc.V
				for _, v := range blk {
					a = f(a, v)
				}
				acc.V = a
				return true
			})
			return acc
		},
		combine: combineMaybe(f),
		finish:  finishMaybe[T]("reduce"),
		empty:   emptyErr[T]("reduce"),
	}.build(b, opts)
}

func sumOf[T Number](vs []T) T {
	var s T
	for _, v := range vs {
		s += v
	}
	return s
}

// Count is the number of elements.
func Count[T any](b Bag[T], opts ...Option) graph.Delayed[int] {
	return reduction[T, int, int]{
		name: "count",
		leaf: func(x *exec, src producer[T]) int {
			n := 0
			src(x, func(blk []T) bool { n += len(blk); return true })
			return n
		},
		combine: sumOf[int],
		finish:  same[int],
		empty:   func() (int, error) { return 0, nil },
	}.build(b, opts)
}

// Sum adds all elements (0 for an empty bag).
func Sum[T Number](b Bag[T], opts ...Option) graph.Delayed[T] {
	return reduction[T, T, T]{
		name: "sum",
		leaf: func(x *exec, src producer[T]) T {
			var s T
			src(x, func(blk []T) bool { s += sumOf(blk); return true })
			return s
		},
		combine: sumOf[T],
		finish:  same[T],
		empty:   func() (T, error) { var zero T; return zero, nil },
	}.build(b, opts)
}

// Min is the least element; an empty bag gives ErrEmpty. A NaN makes the
// result NaN, as with the built-in min.
func Min[T cmp.Ordered](b Bag[T], opts ...Option) graph.Delayed[T] {
	return extreme(b, "min", func(a, b T) T { return min(a, b) }, opts)
}

// Max is the greatest element; an empty bag gives ErrEmpty.
func Max[T cmp.Ordered](b Bag[T], opts ...Option) graph.Delayed[T] {
	return extreme(b, "max", func(a, b T) T { return max(a, b) }, opts)
}

func extreme[T cmp.Ordered](b Bag[T], name string, pick func(T, T) T, opts []Option) graph.Delayed[T] {
	return reduction[T, maybe[T], T]{
		name: name,
		leaf: func(x *exec, src producer[T]) maybe[T] {
			var acc maybe[T]
			src(x, func(blk []T) bool {
				if !acc.OK {
					acc = maybe[T]{blk[0], true}
				}
				a := acc.V
				for _, v := range blk {
					a = pick(a, v)
				}
				acc.V = a
				return true
			})
			return acc
		},
		combine: combineMaybe(pick),
		finish:  finishMaybe[T](name),
		empty:   emptyErr[T](name),
	}.build(b, opts)
}

// moments is a partial mean and variance: count, mean and the sum of
// squared deviations from it, merged with Chan et al.'s formula, which
// stays accurate where a sum of squares would cancel.
type moments struct {
	N       int
	Mean, M float64
}

func (a moments) merge(b moments) moments {
	if a.N == 0 {
		return b
	}
	if b.N == 0 {
		return a
	}
	n := a.N + b.N
	d := b.Mean - a.Mean
	return moments{
		N:    n,
		Mean: a.Mean + d*float64(b.N)/float64(n),
		M:    a.M + b.M + d*d*float64(a.N)*float64(b.N)/float64(n),
	}
}

// blockMoments measures a block in two passes while it is in cache.
func blockMoments[T Number](blk []T) moments {
	s := 0.0
	for _, v := range blk {
		s += float64(v)
	}
	mean := s / float64(len(blk))
	m := 0.0
	for _, v := range blk {
		d := float64(v) - mean
		m += d * d
	}
	return moments{len(blk), mean, m}
}

func momentsOf[T Number](b Bag[T], name string, finish func(moments) (float64, error), opts []Option) graph.Delayed[float64] {
	return reduction[T, moments, float64]{
		name: name,
		leaf: func(x *exec, src producer[T]) moments {
			var acc moments
			src(x, func(blk []T) bool { acc = acc.merge(blockMoments(blk)); return true })
			return acc
		},
		combine: func(ms []moments) moments {
			var acc moments
			for _, m := range ms {
				acc = acc.merge(m)
			}
			return acc
		},
		finish: finish,
		empty:  func() (float64, error) { return finish(moments{}) },
	}.build(b, opts)
}

// Mean is the arithmetic mean, as a float64; an empty bag gives ErrEmpty.
func Mean[T Number](b Bag[T], opts ...Option) graph.Delayed[float64] {
	return momentsOf(b, "mean", func(m moments) (float64, error) {
		if m.N == 0 {
			return 0, fmt.Errorf("%w (mean)", ErrEmpty)
		}
		return m.Mean, nil
	}, opts)
}

// Var is the variance: the sum of squared deviations from the mean over
// n-ddof (ddof 0: the population variance; 1: the sample variance). Fewer
// than ddof+1 elements give ErrEmpty.
func Var[T Number](b Bag[T], ddof int, opts ...Option) graph.Delayed[float64] {
	return variance(b, "var", ddof, false, opts)
}

// Std is the standard deviation, the square root of Var.
func Std[T Number](b Bag[T], ddof int, opts ...Option) graph.Delayed[float64] {
	return variance(b, "std", ddof, true, opts)
}

func variance[T Number](b Bag[T], name string, ddof int, root bool, opts []Option) graph.Delayed[float64] {
	if ddof < 0 {
		return failed[float64](b.g, firstFailure(b, name, fmt.Errorf("%w: %s: ddof %d < 0", ErrInvalid, name, ddof)))
	}
	return momentsOf(b, name, func(m moments) (float64, error) {
		if m.N <= ddof {
			return 0, fmt.Errorf("%w (%s of %d elements with ddof %d)", ErrEmpty, name, m.N, ddof)
		}
		v := m.M / float64(m.N-ddof)
		if root {
			v = math.Sqrt(v)
		}
		return v, nil
	}, opts)
}

// Any tells whether pred holds for some element (false for an empty bag).
// A partition stops reading at its first match.
func Any[T any](b Bag[T], pred func(T) bool, opts ...Option) graph.Delayed[bool] {
	return quantifier(b, "any", pred, true, opts)
}

// All tells whether pred holds for every element (true for an empty bag).
// A partition stops reading at its first counterexample.
func All[T any](b Bag[T], pred func(T) bool, opts ...Option) graph.Delayed[bool] {
	return quantifier(b, "all", pred, false, opts)
}

func quantifier[T any](b Bag[T], name string, pred func(T) bool, want bool, opts []Option) graph.Delayed[bool] {
	if pred == nil {
		return failed[bool](b.g, firstFailure(b, name, nilFunc(name)))
	}
	// The partial is "found an element where pred is want".
	return reduction[T, bool, bool]{
		name: name,
		leaf: func(x *exec, src producer[T]) bool {
			found := false
			src(x, func(blk []T) bool {
				x.stage = name
				for _, v := range blk {
					if pred(v) == want {
						found = true
						return false
					}
				}
				return true
			})
			return found
		},
		combine: func(fs []bool) bool {
			for _, f := range fs {
				if f {
					return true
				}
			}
			return false
		},
		finish: func(found bool) (bool, error) { return found == want, nil },
		empty:  func() (bool, error) { return !want, nil },
	}.build(b, opts)
}
