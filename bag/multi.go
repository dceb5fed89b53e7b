package bag

import (
	"errors"
	"fmt"

	"github.com/seed001e6470/taskgraph/codec"
	"github.com/seed001e6470/taskgraph/graph"
)

// ErrIndex: PluckAt met a slice too short for its index.
var ErrIndex = errors.New("bag: index out of range")

// Map3 applies f to the elements of a, b and c taken by position (Dask's
// map over several bags, starmap over zipped ones). The bags must line
// up as for Zip: the same graph, the same partition count (or the result
// reports ErrMismatch) and partitions of equal lengths (or the partition's
// task fails with ErrMismatch). Each partition of the three is computed
// whole once, as for Zip; no tuple is made per element.
func Map3[A, B, C, U any](a Bag[A], b Bag[B], c Bag[C], f func(A, B, C) U) Bag[U] {
	if f == nil {
		return carry[U](a, "map", nilFunc("map"))
	}
	ws, g, remote, fl := alignedWholes("map", a.g, a.wholer(), b.wholer(), c.wholer())
	if fl != nil {
		return Bag[U]{g: g, err: fl}
	}
	va, vb, vc := a.views(), b.views(), c.views() // after the wholes, which may set them
	out := Bag[U]{g: g, parts: make([]*part[U], len(ws))}
	for i, deps := range ws {
		out.parts[i] = valuesPart("map3", deps, remote[i], func(vs []any) producer[U] {
			as, bs, cs := va[i](vs[0]), vb[i](vs[1]), vc[i](vs[2])
			return zipMapSource("map", []int{len(as), len(bs), len(cs)}, func(out []U, lo int) {
				for k := range out {
					out[k] = f(as[lo+k], bs[lo+k], cs[lo+k])
				}
			})
		})
	}
	return out
}

// MapN applies f to the elements of bags taken by position: f(args)
// where args[j] is the element of bags[j] (Dask's map over any number of
// bags). The bags line up as for Map3. args is reused from one call to
// the next: f must copy it to keep it. No bag gives the empty bag of no
// graph.
func MapN[T, U any](bags []Bag[T], f func(args []T) U) Bag[U] {
	if f == nil {
		if len(bags) == 0 {
			return bad[U](nil, "map", nilFunc("map"))
		}
		return carry[U](bags[0], "map", nilFunc("map"))
	}
	if len(bags) == 0 {
		return Bag[U]{}
	}
	wholers := make([]wholer, len(bags))
	for j, b := range bags {
		wholers[j] = b.wholer()
	}
	ws, g, remote, fl := alignedWholes("map", bags[0].g, wholers...)
	if fl != nil {
		return Bag[U]{g: g, err: fl}
	}
	views := make([][]func(any) []T, len(bags))
	for j, b := range bags {
		views[j] = b.views()
	}
	out := Bag[U]{g: g, parts: make([]*part[U], len(ws))}
	for i, deps := range ws {
		out.parts[i] = valuesPart("map-n", deps, remote[i], func(vs []any) producer[U] {
			cols := make([][]T, len(vs))
			lens := make([]int, len(vs))
			for j, v := range vs {
				cols[j] = views[j][i](v)
				lens[j] = len(cols[j])
			}
			args := make([]T, len(cols))
			return zipMapSource("map", lens, func(out []U, lo int) {
				for k := range out {
					for j, col := range cols {
						args[j] = col[lo+k]
					}
					out[k] = f(args)
				}
			})
		})
	}
	return out
}

// wholer is what alignedWholes needs of a bag of any element type.
type wholer struct {
	g      *graph.Graph
	f      *failure
	n      int
	whole  func(i int) graph.Delayed[any]
	remote func(i int) bool
}

func (b Bag[T]) wholer() wholer {
	return wholer{
		g: b.g, f: b.finite("map"), n: len(b.parts),
		whole:  func(i int) graph.Delayed[any] { return b.parts[i].whole(b.g, i) },
		remote: func(i int) bool { return b.parts[i].remote },
	}
}

// alignedWholes checks that bags line up (as Zip does) and returns, for
// each partition index, the whole partitions of every bag, and whether
// the partition's task runs remotely.
func alignedWholes(stage string, g *graph.Graph, bags ...wholer) ([][]graph.Delayed[any], *graph.Graph, []bool, *failure) {
	for _, b := range bags {
		if b.f != nil {
			return nil, b.g, nil, b.f
		}
	}
	for _, b := range bags[1:] {
		switch {
		case b.g != g:
			return nil, g, nil, &failure{stage, fmt.Errorf("%w: %s: bags of different graphs", ErrMismatch, stage)}
		case b.n != bags[0].n:
			return nil, g, nil, &failure{stage, fmt.Errorf("%w: %s: %d and %d partitions", ErrMismatch, stage, bags[0].n, b.n)}
		}
	}
	if g == nil {
		return nil, nil, nil, nil
	}
	ws := make([][]graph.Delayed[any], bags[0].n)
	remote := make([]bool, bags[0].n)
	for i := range ws {
		ws[i] = make([]graph.Delayed[any], len(bags))
		for j, b := range bags {
			ws[i][j] = b.whole(i)
			remote[i] = remote[i] || b.remote(i)
		}
	}
	return ws, g, remote, nil
}

// zipMapSource pushes blocks of elements made by fill(out, lo) from
// position lo of partitions of lengths lens, which must be equal.
func zipMapSource[U any](stage string, lens []int, fill func(out []U, lo int)) producer[U] {
	return func(x *exec, sink func([]U) bool) {
		for _, n := range lens[1:] {
			if n != lens[0] {
				x.stage = stage
				x.fail(fmt.Errorf("%w: %s: partitions of %v elements", ErrMismatch, stage, lens))
				return
			}
		}
		n := lens[0]
		buf := make([]U, min(blockSize, n))
		for lo := 0; lo < n; lo += blockSize {
			if !x.live() {
				return
			}
			out := buf[:min(blockSize, n-lo)]
			x.stage = stage
			fill(out, lo)
			if !sink(out) {
				return
			}
		}
	}
}

// PluckAt is the element at index i of every slice (Dask's pluck by
// position, for slices; Map with a function literal does it for arrays
// and struct fields, compiled to a plain load). A slice too short fails
// the partition's task with ErrIndex; PluckAtOr gives a default instead.
// i < 0 is a building mistake (ErrInvalid).
func PluckAt[S ~[]E, E any](b Bag[S], i int) Bag[E] {
	if i < 0 {
		return carry[E](b, "pluck", fmt.Errorf("%w: pluck: index %d < 0", ErrInvalid, i))
	}
	return stage(b, "pluck", true, blockwise("pluck", func(x *exec, out []E, in []S) int {
		for k, s := range in {
			if i >= len(s) {
				x.fail(fmt.Errorf("%w: pluck: index %d of a slice of %d", ErrIndex, i, len(s)))
				return -1
			}
			out[k] = s[i]
		}
		return len(in)
	}))
}

// PluckAtOr is PluckAt with a default: the element at index i, or def
// where the slice is too short.
func PluckAtOr[S ~[]E, E any](b Bag[S], i int, def E) Bag[E] {
	if i < 0 {
		return carry[E](b, "pluck", fmt.Errorf("%w: pluck: index %d < 0", ErrInvalid, i))
	}
	return stage(b, "pluck", true, blockwise("pluck", func(_ *exec, out []E, in []S) int {
		for k, s := range in {
			if i < len(s) {
				out[k] = s[i]
			} else {
				out[k] = def
			}
		}
		return len(in)
	}))
}

// JoinBag pairs every element of b with every element of other of the
// same key (Dask's join with another bag, an inner hash join), for two
// bags too large to index either whole. Both are shuffled by a hash of
// the key into SplitOut partitions (default: as many as b has): each
// output partition indexes its bucket of other — that is the side held,
// one bucket at a time — and streams its bucket of b past the index, so
// no task holds more than its share of either bag. The result is ordered
// by output partition, then in b's order, each element's matches in
// other's order, the same with any number of workers. When other is
// small, Join(b, Collect(other), …) indexes it once and keeps b's
// partitions and order, without a shuffle.
func JoinBag[T, U any, K comparable](b Bag[T], other Bag[U], key func(T) K, otherKey func(U) K, opts ...Option) Bag[Pair[T, U]] {
	type P = Pair[T, U]
	if key == nil || otherKey == nil {
		return carry[P](b, "join", nilFunc("join"))
	}
	if f := b.finite("join"); f != nil {
		return Bag[P]{g: b.g, err: f}
	}
	if f := other.finite("join"); f != nil {
		return Bag[P]{g: b.g, err: f}
	}
	if b.g != other.g && b.g != nil && other.g != nil {
		return bad[P](b.g, "join", fmt.Errorf("%w: join: bags of different graphs", ErrMismatch))
	}
	if b.g == nil || other.g == nil {
		return Bag[P]{g: b.g}
	}
	c := configure(opts)
	if c.err != nil {
		return bad[P](b.g, "join", c.err)
	}
	n := c.out
	if n == 0 {
		n = max(len(b.parts), 1)
	}
	if n > maxPartitions {
		return invalid[P](b.g, "join", "SplitOut(%d): more than %d partitions", n, maxPartitions)
	}
	splits := append(splitByKey(b, key, n), splitByKey(other, otherKey, n)...)
	remote := anyRemote(b.parts) || anyRemote(other.parts)
	na := len(b.parts)
	out := Bag[P]{g: b.g, parts: make([]*part[P], n)}
	for j := range n {
		out.parts[j] = valuesPart("join", splits, remote, func(vs []any) producer[P] {
			return func(x *exec, sink func([]P) bool) {
				x.stage = "join"
				index := map[K][]U{}
				for _, v := range vs[na:] {
					for _, e := range unwrap(v).([][]keyed[K, U])[j] {
						index[e.Key] = append(index[e.Key], e.V)
					}
				}
				a := newAppender(sink)
				for _, v := range vs[:na] {
					bucket := unwrap(v).([][]keyed[K, T])[j]
					for lo := 0; lo < len(bucket); lo += blockSize {
						if !x.live() {
							return
						}
						for _, e := range bucket[lo:min(lo+blockSize, len(bucket))] {
							for _, u := range index[e.Key] {
								if !a.add(P{e.V, u}) {
									return
								}
							}
						}
						x.stage = "join"
					}
				}
				a.flush()
			}
		})
	}
	return out
}

// keyed is an element with its key, so the key is computed once.
type keyed[K, T any] struct {
	Key K
	V   T
}

// splitByKey adds a task per partition of b splitting its elements, with
// their keys, into n buckets by a hash of the key.
func splitByKey[T any, K comparable](b Bag[T], key func(T) K, n int) []graph.Delayed[any] {
	splits := make([]graph.Delayed[any], len(b.parts))
	codec.Register[[][]keyed[K, T]]()
	for i, p := range b.parts {
		splits[i] = p.node(b.g, "join-split", i, graph.Delayed[any]{}, func(x *exec, src producer[T], _ any) (any, error) {
			buckets := make([][]keyed[K, T], n)
			src(x, func(blk []T) bool {
				x.stage = "join"
				for _, v := range blk {
					k := key(v)
					j := bucketOf(k, n)
					buckets[j] = append(buckets[j], keyed[K, T]{k, v})
				}
				return true
			})
			return buckets, nil
		})
	}
	return splits
}
