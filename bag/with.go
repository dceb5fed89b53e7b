package bag

import (
	"fmt"
	"iter"

	"github.com/seed001e6470/taskgraph/codec"
	"github.com/seed001e6470/taskgraph/graph"
)

// Stages with a delayed argument: Dask's b.map(f, b.mean()). The argument
// is any graph.Delayed of the bag's graph (a reduction of another bag, a
// hand-built task); every partition's task depends on it, so the
// partitions wait for it and it is computed once per run. If it fails,
// the run's error is its task's (a sched.TaskError naming it) and the
// stages that use it do not run.

// argPair carries the two extra dependencies of a task when a delayed
// argument meets another (a Take's chain, a second argument). Its values
// are held in interfaces, as codec.Any, so that it travels to another
// process (see Remote) as it is.
type argPair struct{ After, Arg codec.Any }

func init() { codec.Register[argPair]() }

// withArg returns p followed by the stage made by mk from arg's value.
// arg is boxed once per stage, so all partitions read one task.
func withArg[T, U, A any](p *part[T], stage string, arg graph.Delayed[any], mk func(a A) func(producer[T]) producer[U]) *part[U] {
	return &part[U]{unshared: p.unshared, remote: p.remote, build: func(g *graph.Graph, stages string, idx int, after graph.Delayed[any], fn consume[U]) graph.Delayed[any] {
		extra := arg
		if valid(after) {
			extra = graph.Call2(g, stage+"-args", func(a, b any) any { return argPair{codec.Any{V: a}, codec.Any{V: b}} }, after, arg)
		}
		return p.node(g, stage+"|"+stages, idx, extra, func(x *exec, src producer[T], av any) (any, error) {
			var outer any
			if valid(after) {
				pr, _ := av.(argPair)
				outer, av = pr.After.V, pr.Arg.V
			}
			a, _ := av.(A)
			return fn(x, mk(a)(src), outer)
		})
	}}
}

// argOf checks that d belongs to b's graph and boxes it.
func argOf[T, A any](b Bag[T], stage string, d graph.Delayed[A]) (graph.Delayed[any], *failure) {
	switch {
	case b.err != nil:
		return graph.Delayed[any]{}, b.err
	case d.Graph() == nil:
		return graph.Delayed[any]{}, &failure{stage, fmt.Errorf("bag: %s: argument: %w", stage, graph.ErrZeroHandle)}
	case b.g != nil && d.Graph() != b.g:
		return graph.Delayed[any]{}, &failure{stage, fmt.Errorf("bag: %s: argument: %w", stage, graph.ErrForeignHandle)}
	}
	codec.Register[A]()
	return graph.Call(d.Graph(), stage+"-arg", boxed[A], d), nil
}

// MapWith applies f to every element and the value of arg, a Delayed of
// the same graph: bag.MapWith(b, bag.Mean(b), func(x, mean float64) float64
// { return x - mean }) centres a bag on its own mean. The partitions wait
// for arg, which is computed once per run.
func MapWith[T, A, U any](b Bag[T], arg graph.Delayed[A], f func(T, A) U) Bag[U] {
	if f == nil {
		return carry[U](b, "map", nilFunc("map"))
	}
	d, fl := argOf(b, "map", arg)
	if fl != nil {
		return Bag[U]{g: b.g, err: fl}
	}
	return eachPart(b, true, func(p *part[T]) *part[U] {
		return withArg(p, "map", d, func(a A) func(producer[T]) producer[U] {
			return blockwise("map", func(_ *exec, out []U, in []T) int {
				for i, v := range in {
					out[i] = f(v, a)
				}
				return len(in)
			})
		})
	})
}

// FilterWith keeps the elements for which keep(element, value of arg) is
// true: bag.FilterWith(b, threshold, func(x, t int) bool { return x > t }).
func FilterWith[T, A any](b Bag[T], arg graph.Delayed[A], keep func(T, A) bool) Bag[T] {
	if keep == nil {
		return carry[T](b, "filter", nilFunc("filter"))
	}
	d, fl := argOf(b, "filter", arg)
	if fl != nil {
		return Bag[T]{g: b.g, err: fl}
	}
	return eachPart(b, false, func(p *part[T]) *part[T] {
		return withArg(p, "filter", d, func(a A) func(producer[T]) producer[T] {
			return filterer("filter", func(v T) bool { return keep(v, a) }, true)
		})
	})
}

// FlatMapWith replaces every element by the elements of f's sequence for
// it and the value of arg (see MapWith and FlatMap).
func FlatMapWith[T, A, U any](b Bag[T], arg graph.Delayed[A], f func(T, A) iter.Seq[U]) Bag[U] {
	if f == nil {
		return carry[U](b, "flat-map", nilFunc("flat-map"))
	}
	d, fl := argOf(b, "flat-map", arg)
	if fl != nil {
		return Bag[U]{g: b.g, err: fl}
	}
	return eachPart(b, false, func(p *part[T]) *part[U] {
		return withArg(p, "flat-map", d, func(a A) func(producer[T]) producer[U] {
			return flatMapper(func(v T) iter.Seq[U] { return f(v, a) })
		})
	})
}

// Join pairs every element of b with every element of other that has the
// same key (an inner join; Dask's b.join(other, on_self, on_other)), in
// b's order and, for one element of b, in other's order. other is a
// Delayed slice, so it can be computed in the same graph (Collect of a
// small bag, a hand-built task); it is indexed once per run, and b is
// streamed past the index, so b may be as large as a bag goes while other
// must fit in memory.
func Join[T, U any, K comparable](b Bag[T], other graph.Delayed[[]U], key func(T) K, otherKey func(U) K) Bag[Pair[T, U]] {
	type P = Pair[T, U]
	if key == nil || otherKey == nil {
		return carry[P](b, "join", nilFunc("join"))
	}
	switch {
	case b.err != nil:
		return Bag[P]{g: b.g, err: b.err}
	case b.g == nil:
		return Bag[P]{}
	case other.Graph() == nil:
		return bad[P](b.g, "join", fmt.Errorf("bag: join: other: %w", graph.ErrZeroHandle))
	case other.Graph() != b.g:
		return bad[P](b.g, "join", fmt.Errorf("bag: join: other: %w", graph.ErrForeignHandle))
	}
	index := graph.Call(b.g, "join-index", func(us []U) map[K][]U {
		m := make(map[K][]U)
		for _, u := range us {
			k := otherKey(u)
			m[k] = append(m[k], u)
		}
		return m
	}, other)
	return FlatMapWith(b, index, func(v T, m map[K][]U) iter.Seq[P] {
		return func(yield func(P) bool) {
			for _, u := range m[key(v)] {
				if !yield(P{v, u}) {
					return
				}
			}
		}
	})
}
