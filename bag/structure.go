package bag

import (
	"fmt"

	"github.com/seed001e6470/taskgraph/codec"
	"github.com/seed001e6470/taskgraph/graph"
)

// Take is the bag of the first k elements of b, in order.
//
// On a bag with partitions, Take reads partitions one after another and
// stops when it has k: the tasks of the partitions after that find nothing
// left to take and never read their input (a range, a file, a slice), so
// Take(b, 10) of a huge bag is cheap. The result has b's partition count;
// the partitions past the k-th element are empty.
//
// On the unbounded bag of a sequence, Take bounds it; see FromSeq.
func Take[T any](b Bag[T], k int) Bag[T] {
	switch {
	case b.err != nil:
		return b
	case k < 0:
		return invalid[T](b.g, "take", "k = %d < 0", k)
	case b.g == nil:
		return b
	}
	if u := b.seq; u != nil {
		if u.exact {
			return Bag[T]{g: b.g, parts: u.chunks(b.g, k)}
		}
		return Bag[T]{g: b.g, parts: []*part[T]{through(u.stream(), "take", limit[T](k))}}
	}
	out := make([]*part[T], len(b.parts))
	codec.Register[taken[T]]()
	var prev graph.Delayed[any]
	for i, p := range b.parts {
		// Each task gets what its predecessor left to take: a chain.
		t := p.node(b.g, "take", i, prev, func(x *exec, src producer[T], av any) (any, error) {
			left := k
			if prev, ok := unwrap(av).(taken[T]); ok {
				left = prev.Left
			}
			if left == 0 {
				return taken[T]{}, nil
			}
			var items []T
			limit[T](left)(src)(x, func(blk []T) bool {
				items = append(items, blk...)
				return true
			})
			return taken[T]{items, left - len(items)}, nil
		})
		out[i] = &part[T]{memo: t, view: takenItems[T], remote: p.remote}
		prev = t
	}
	return Bag[T]{g: b.g, parts: out}
}

// taken is one partition of a Take and how many elements are still to take.
type taken[T any] struct {
	Items []T
	Left  int
}

func takenItems[T any](v any) []T { return unwrap(v).(taken[T]).Items }

// limit stops a pipeline after k elements.
func limit[T any](k int) func(producer[T]) producer[T] {
	return func(src producer[T]) producer[T] {
		return func(x *exec, sink func([]T) bool) {
			left := k
			if left == 0 {
				return
			}
			src(x, func(blk []T) bool {
				if len(blk) > left {
					blk = blk[:left]
				}
				left -= len(blk)
				return sink(blk) && left > 0
			})
		}
	}
}

// Pair is an element of a zipped bag.
type Pair[A, B any] struct {
	First  A
	Second B
}

// Zip pairs the elements of a and b by position. The bags must have the
// same number of partitions, and corresponding partitions the same number
// of elements (as bags cut the same way from inputs of the same length
// have); otherwise the result reports ErrMismatch.
func Zip[A, B any](a Bag[A], b Bag[B]) Bag[Pair[A, B]] {
	type P = Pair[A, B]
	if f := a.finite("zip"); f != nil {
		return Bag[P]{g: a.g, err: f}
	}
	if f := b.finite("zip"); f != nil {
		return Bag[P]{g: b.g, err: f}
	}
	if a.g != b.g {
		return bad[P](a.g, "zip", fmt.Errorf("%w: zip: bags of different graphs", ErrMismatch))
	}
	if len(a.parts) != len(b.parts) {
		return bad[P](a.g, "zip", fmt.Errorf("%w: zip: %d and %d partitions", ErrMismatch, len(a.parts), len(b.parts)))
	}
	out := Bag[P]{g: a.g, parts: make([]*part[P], len(a.parts))}
	for i := range a.parts {
		deps := []graph.Delayed[any]{a.parts[i].whole(a.g, i), b.parts[i].whole(b.g, i)}
		va, vb := a.parts[i].viewer(), b.parts[i].viewer() // after whole, which may set them
		out.parts[i] = valuesPart("zip", deps, a.parts[i].remote || b.parts[i].remote, func(vs []any) producer[P] {
			return zipSource(va(vs[0]), vb(vs[1]))
		})
	}
	return out
}

func zipSource[A, B any](as []A, bs []B) producer[Pair[A, B]] {
	return func(x *exec, sink func([]Pair[A, B]) bool) {
		if len(as) != len(bs) {
			x.stage = "zip"
			x.fail(fmt.Errorf("%w: zip: partitions of %d and %d elements", ErrMismatch, len(as), len(bs)))
			return
		}
		buf := make([]Pair[A, B], min(blockSize, len(as)))
		for lo := 0; lo < len(as); lo += blockSize {
			if !x.live() {
				return
			}
			out := buf[:min(blockSize, len(as)-lo)]
			for i := range out {
				out[i] = Pair[A, B]{as[lo+i], bs[lo+i]}
			}
			if !sink(out) {
				return
			}
		}
	}
}

// Concat is the bag of the elements of bags, one after another: their
// partitions, in order. Nothing is copied or computed.
func Concat[T any](bags ...Bag[T]) Bag[T] {
	var g *graph.Graph
	for _, b := range bags {
		if f := b.finite("concat"); f != nil {
			return Bag[T]{g: b.g, err: f}
		}
		if g == nil {
			g = b.g
		}
	}
	out := Bag[T]{g: g}
	for _, b := range bags {
		if b.g != nil && b.g != g {
			return bad[T](g, "concat", fmt.Errorf("%w: concat: bags of different graphs", ErrMismatch))
		}
		out.parts = append(out.parts, b.parts...)
	}
	return out
}

// Repartition is b with n partitions (n ≥ 1), elements in the same order.
// Fewer partitions concatenate runs of neighbours; more split each
// partition into equal pieces when it has been computed (the sizes of
// filtered partitions are not known before). Either way, b's partitions
// are computed whole once.
func Repartition[T any](b Bag[T], n int) Bag[T] {
	if f := b.finite("repartition"); f != nil {
		return Bag[T]{g: b.g, err: f}
	}
	if n < 1 {
		return invalid[T](b.g, "repartition", "n = %d < 1", n)
	}
	m := len(b.parts)
	switch {
	case b.g == nil || n == m:
		return b
	case m == 0:
		out := Bag[T]{g: b.g, parts: make([]*part[T], n)}
		for i := range out.parts {
			out.parts[i] = sourcePart("repartition", func() producer[T] { return sliceSource[T](nil) })
		}
		return out
	}
	ds, _ := b.wholes("repartition")
	views := b.views()
	out := Bag[T]{g: b.g, parts: make([]*part[T], 0, n)}
	if n < m {
		for j := range n {
			lo, hi := j*m/n, (j+1)*m/n
			vs := views[lo:hi]
			out.parts = append(out.parts, valuesPart("repartition", ds[lo:hi], anyRemote(b.parts[lo:hi]), func(xs []any) producer[T] {
				ss := make([][]T, len(xs))
				for i, v := range xs {
					ss[i] = vs[i](v)
				}
				return concatSource(ss)
			}))
		}
		return out
	}
	for i := range m {
		c := (i+1)*n/m - i*n/m // pieces of partition i: at least one, as n > m
		view := views[i]
		for p := range c {
			out.parts = append(out.parts, valuesPart("repartition", ds[i:i+1], b.parts[i].remote, func(xs []any) producer[T] {
				s := view(xs[0])
				return sliceSource(s[p*len(s)/c : (p+1)*len(s)/c])
			}))
		}
	}
	return out
}
