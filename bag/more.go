package bag

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/seed001e6470/taskgraph/codec"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// Flatten is the bag of the elements of b's slices, in order (Dask's
// flatten). The slices are passed on in blocks, not copied.
func Flatten[T any](b Bag[[]T]) Bag[T] {
	return stage(b, "flatten", false, func(src producer[[]T]) producer[T] {
		return func(x *exec, sink func([]T) bool) {
			src(x, func(blk [][]T) bool {
				for _, s := range blk {
					for lo := 0; lo < len(s); lo += blockSize {
						if !sink(s[lo:min(lo+blockSize, len(s))]) {
							return false
						}
					}
				}
				return true
			})
		}
	})
}

// Map2 applies f to the elements of a and b taken pairwise by position
// (Dask's map over several bags); a and b must line up as for Zip.
func Map2[A, B, U any](a Bag[A], b Bag[B], f func(A, B) U) Bag[U] {
	if f == nil {
		return carry[U](a, "map", nilFunc("map"))
	}
	return Map(Zip(a, b), func(p Pair[A, B]) U { return f(p.First, p.Second) })
}

// Unzip splits a bag of pairs into the bag of their first and the bag of
// their second elements. When both are consumed in one run, b's stages
// run once (see "Shared stages" in the package documentation).
func Unzip[A, B any](b Bag[Pair[A, B]]) (Bag[A], Bag[B]) {
	return Map(b, func(p Pair[A, B]) A { return p.First }), Map(b, func(p Pair[A, B]) B { return p.Second })
}

// Product pairs every element of a with every element of b (Dask's
// product), in a's order and then b's. b is collected once per run and
// must fit in memory; a is streamed.
func Product[A, B any](a Bag[A], b Bag[B]) Bag[Pair[A, B]] {
	type P = Pair[A, B]
	if f := b.finite("product"); f != nil {
		return Bag[P]{g: a.g, err: f}
	}
	if a.g != b.g && a.g != nil && b.g != nil {
		return bad[P](a.g, "product", fmt.Errorf("%w: product: bags of different graphs", ErrMismatch))
	}
	if a.g == nil || b.g == nil {
		return Bag[P]{g: a.g, err: a.err}
	}
	return FlatMapWith(a, Collect(b), func(x A, bs []B) iter.Seq[P] {
		return func(yield func(P) bool) {
			for _, y := range bs {
				if !yield(P{x, y}) {
					return
				}
			}
		}
	})
}

// PluckOr is Pluck with a default: the value for key, or def where the key
// is missing.
func PluckOr[K comparable, V any](b Bag[map[K]V], key K, def V) Bag[V] {
	return stage(b, "pluck", true, blockwise("pluck", func(_ *exec, out []V, in []map[K]V) int {
		for i, m := range in {
			if v, ok := m[key]; ok {
				out[i] = v
			} else {
				out[i] = def
			}
		}
		return len(in)
	}))
}

// DistinctBy keeps the first element of every key, in order of first
// occurrence, as one partition (Dask's distinct(key=)).
func DistinctBy[T any, K comparable](b Bag[T], key func(T) K, opts ...Option) Bag[T] {
	if key == nil {
		return carry[T](b, "distinct", nilFunc("distinct"))
	}
	if b.g == nil && b.err == nil {
		return Bag[T]{}
	}
	if f := b.finite("distinct"); f != nil {
		return Bag[T]{g: b.g, err: f}
	}
	type firsts = keyFirsts[K, T]
	add := func(u *firsts, v T) {
		k := key(v)
		if _, ok := u.Seen[k]; !ok {
			u.Seen[k] = struct{}{}
			u.Order = append(u.Order, v)
		}
	}
	d := reduction[T, *firsts, []T]{
		name: "distinct",
		leaf: func(x *exec, src producer[T]) *firsts {
			u := &firsts{Seen: map[K]struct{}{}}
			src(x, func(blk []T) bool {
				x.stage = "distinct"
				for _, v := range blk {
					add(u, v)
				}
				return true
			})
			return u
		},
		combine: func(us []*firsts) *firsts {
			acc := us[0]
			for _, u := range us[1:] {
				for _, v := range u.Order {
					add(acc, v)
				}
			}
			return acc
		},
		finish: func(u *firsts) ([]T, error) { return u.Order, nil },
		empty:  func() ([]T, error) { return []T{}, nil },
	}.build(b, opts)
	return FromDelayed(b.g, d)
}

// SortedFrequencies is Frequencies as a list, most frequent first, equal
// counts in increasing order of the element (Dask's frequencies(sort=True)),
// so the result is the same on every run.
func SortedFrequencies[T cmp.Ordered](b Bag[T], opts ...Option) graph.Delayed[[]Pair[T, int]] {
	return MostCommon(b, -1, opts...)
}

// MostCommon is the k most frequent elements with their counts, in the
// order of SortedFrequencies (all of them when k < 0): Dask's
// frequencies().topk(k, key=1) as one step.
func MostCommon[T cmp.Ordered](b Bag[T], k int, opts ...Option) graph.Delayed[[]Pair[T, int]] {
	freqs := Frequencies(b, opts...)
	if !valid(freqs) {
		return graph.Delayed[[]Pair[T, int]]{}
	}
	return graph.Call(freqs.Graph(), "most-common", func(m map[T]int) []Pair[T, int] {
		return byCount(m, k)
	}, freqs)
}

func byCount[T cmp.Ordered](m map[T]int, k int) []Pair[T, int] {
	ps := make([]Pair[T, int], 0, len(m))
	for v, n := range m {
		ps = append(ps, Pair[T, int]{v, n})
	}
	slices.SortFunc(ps, func(a, b Pair[T, int]) int {
		if c := cmp.Compare(b.Second, a.Second); c != 0 {
			return c
		}
		return cmp.Compare(a.First, b.First)
	})
	if k >= 0 && k < len(ps) {
		ps = ps[:k]
	}
	return ps
}

// Items is the bag form of a grouped result (FoldBy, Frequencies,
// GroupBy): its entries as pairs, in increasing order of the key, as one
// partition, so the result keeps flowing through stages and reductions:
// bag.TopK(bag.Items(bag.FoldBy(…)), 5, byValue).
func Items[K cmp.Ordered, V any](m graph.Delayed[map[K]V]) Bag[Pair[K, V]] {
	g := m.Graph()
	if g == nil {
		return Bag[Pair[K, V]]{}
	}
	return FromDelayed(g, graph.Call(g, "items", func(m map[K]V) []Pair[K, V] {
		ps := make([]Pair[K, V], 0, len(m))
		for k, v := range m {
			ps = append(ps, Pair[K, V]{k, v})
		}
		slices.SortFunc(ps, func(a, b Pair[K, V]) int { return cmp.Compare(a.First, b.First) })
		return ps
	}, m))
}

// Accumulate is the running fold of b (Dask's accumulate, a scan): the
// i-th element is step applied to the (i-1)-th and the i-th element of b,
// starting from init, across partitions in order: Accumulate of 1, 2, 3
// with + from 0 is 1, 3, 6. Each partition waits for the one before it
// (it needs its last value), so the partitions' stages run one after
// another; the result keeps b's partitioning.
func Accumulate[T, A any](b Bag[T], init A, step func(A, T) A) Bag[A] {
	if step == nil {
		return carry[A](b, "accumulate", nilFunc("accumulate"))
	}
	if f := b.finite("accumulate"); f != nil {
		return Bag[A]{g: b.g, err: f}
	}
	out := Bag[A]{g: b.g, parts: make([]*part[A], len(b.parts))}
	codec.Register[scanned[A]]()
	var prev graph.Delayed[any]
	for i, p := range b.parts {
		t := p.node(b.g, "accumulate", i, prev, func(x *exec, src producer[T], av any) (any, error) {
			acc := init
			if s, ok := unwrap(av).(scanned[A]); ok {
				acc = s.Last
			}
			items := []A{}
			src(x, func(blk []T) bool {
				x.stage = "accumulate"
				for _, v := range blk {
					acc = step(acc, v)
					items = append(items, acc)
				}
				return true
			})
			return scanned[A]{items, acc}, nil
		})
		out.parts[i] = &part[A]{memo: t, view: func(v any) []A { return unwrap(v).(scanned[A]).Items }, remote: p.remote}
		prev = t
	}
	return out
}

// keyFirsts is a partial Distinct by key: the first element of each key,
// in order of first occurrence.
type keyFirsts[K comparable, T any] struct {
	Seen  map[K]struct{}
	Order []T
}

type scanned[A any] struct {
	Items []A
	Last  A
}

// Persist computes b's partitions and returns a bag that reads them: later
// pipelines built on it do not run b's stages again (Dask's persist). opts
// configure the run. The partitions stay in memory as long as the
// returned bag's graph is in use.
func Persist[T any](ctx context.Context, b Bag[T], opts ...sched.Option) (Bag[T], error) {
	if b.g == nil && b.err == nil {
		return b, nil
	}
	ds, f := b.wholes("persist")
	if f != nil {
		return b, f.err
	}
	views := b.views()
	kept, err := sched.PersistAll(ctx, ds, opts...)
	if err != nil {
		return b, err
	}
	out := Bag[T]{g: b.g, parts: make([]*part[T], len(kept))}
	for i, d := range kept {
		out.parts[i] = &part[T]{memo: d, view: views[i], remote: b.parts[i].remote}
	}
	return out, nil
}

// RandomSample keeps each element with probability prob (0 ≤ prob ≤ 1),
// Dask's random_sample. The draws come from a generator seeded by seed and
// the partition's index, consumed in element order, so a sample depends on
// the seed and the bag's partitioning only, never on the number of
// workers or the order tasks run in.
func RandomSample[T any](b Bag[T], prob float64, seed uint64) Bag[T] {
	if !(prob >= 0 && prob <= 1) {
		return carry[T](b, "random-sample", fmt.Errorf("%w: random-sample: probability %v not in [0, 1]", ErrInvalid, prob))
	}
	return stage(b, "random-sample", false, func(src producer[T]) producer[T] {
		return func(x *exec, sink func([]T) bool) {
			r := rand.New(rand.NewPCG(seed, uint64(x.part)))
			var buf []T
			src(x, func(in []T) bool {
				buf = buf[:0]
				for _, v := range in {
					if r.Float64() < prob {
						buf = append(buf, v)
					}
				}
				return len(buf) == 0 || sink(buf)
			})
		}
	})
}

// Sample is k elements drawn without replacement, each set of k equally
// likely (all of them when the bag has fewer), in the bag's order (Dask's
// bag.random.sample). Each element gets a random key from a generator
// seeded by seed and its partition's index, and the k smallest keys win:
// partitions keep their own k best and the tree merges them, so the sample
// depends on the seed and the partitioning only, not on the workers.
func Sample[T any](b Bag[T], k int, seed uint64, opts ...Option) graph.Delayed[[]T] {
	if k < 0 {
		return failed[[]T](b.g, firstFailure(b, "sample", fmt.Errorf("%w: sample: k = %d < 0", ErrInvalid, k)))
	}
	type cand = sampled[T]
	keep := func(cs []cand) []cand {
		slices.SortFunc(cs, func(a, b cand) int {
			if c := cmp.Compare(a.Key, b.Key); c != 0 {
				return c
			}
			if c := cmp.Compare(a.Part, b.Part); c != 0 { // equal keys: practically never
				return c
			}
			return cmp.Compare(a.I, b.I)
		})
		return cs[:min(k, len(cs))]
	}
	return reduction[T, []cand, []T]{
		name: "sample",
		leaf: func(x *exec, src producer[T]) []cand {
			r := rand.New(rand.NewPCG(seed, uint64(x.part)))
			var cs []cand
			i := 0
			src(x, func(blk []T) bool {
				for _, v := range blk {
					cs = append(cs, cand{r.Uint64(), x.part, i, v})
					i++
				}
				if len(cs) > 2*k+blockSize {
					cs = keep(cs)
				}
				return true
			})
			return keep(cs)
		},
		combine: func(css [][]cand) []cand {
			var all []cand
			for _, cs := range css {
				all = append(all, cs...)
			}
			return keep(all)
		},
		finish: func(cs []cand) ([]T, error) {
			slices.SortFunc(cs, func(a, b cand) int {
				if c := cmp.Compare(a.Part, b.Part); c != 0 {
					return c
				}
				return cmp.Compare(a.I, b.I)
			})
			out := make([]T, len(cs))
			for i, c := range cs {
				out[i] = c.V
			}
			return out, nil
		},
		empty: func() ([]T, error) { return []T{}, nil },
	}.build(b, opts)
}

type sampled[T any] struct {
	Key     uint64
	Part, I int
	V       T
}

// Choices is k elements drawn with replacement, each uniformly from the
// whole bag, in the order drawn (Dask's bag.random.choices). The draws are
// indices into the bag from a generator seeded by seed alone, so they
// depend on the seed and the bag's contents, not on the partitioning or
// the workers. It reads b twice, once to count each partition and once to
// pick (see "Shared stages" in the package documentation for when b's
// stages then run once). An empty bag gives ErrEmpty when k > 0.
func Choices[T any](b Bag[T], k int, seed uint64) graph.Delayed[[]T] {
	switch {
	case k < 0:
		return failed[[]T](b.g, firstFailure(b, "choices", fmt.Errorf("%w: choices: k = %d < 0", ErrInvalid, k)))
	case b.g == nil && b.err == nil:
		return graph.Delayed[[]T]{}
	}
	if f := b.finite("choices"); f != nil {
		return failed[[]T](b.g, f)
	}
	g := b.g
	counts := make([]graph.Delayed[any], len(b.parts))
	codec.Register[int]()
	codec.Register[[][2]int]()
	codec.Register[map[int]T]()
	for i, p := range b.parts {
		counts[i] = p.node(g, "choices-count", i, graph.Delayed[any]{}, func(x *exec, src producer[T], _ any) (any, error) {
			n := 0
			src(x, func(blk []T) bool { n += len(blk); return true })
			return n, nil
		})
	}
	// draws[j] is draw j's partition and index in it.
	draws := graph.CallSlice(g, "choices-draw", func(_ context.Context, vs []any) (any, error) {
		ns := unbox[int](vs)
		total := 0
		for _, n := range ns {
			total += n
		}
		if total == 0 && k > 0 {
			return nil, fmt.Errorf("%w (choices of %d)", ErrEmpty, k)
		}
		r := rand.New(rand.NewPCG(seed, math.MaxUint64))
		out := make([][2]int, k)
		for j := range out {
			at := r.IntN(total)
			i := 0
			for at >= ns[i] {
				at -= ns[i]
				i++
			}
			out[j] = [2]int{i, at}
		}
		return out, nil
	}, counts)
	picks := make([]graph.Delayed[any], len(b.parts))
	for i, p := range b.parts {
		picks[i] = p.node(g, "choices-pick", i, draws, func(x *exec, src producer[T], av any) (any, error) {
			want := map[int]T{}
			for _, d := range av.([][2]int) {
				if d[0] == i {
					var zero T
					want[d[1]] = zero
				}
			}
			at := 0
			if len(want) > 0 {
				src(x, func(blk []T) bool {
					for j, v := range blk {
						if _, ok := want[at+j]; ok {
							want[at+j] = v
						}
					}
					at += len(blk)
					return true
				})
			}
			return want, nil
		})
	}
	return graph.CallSlice(g, "choices", func(_ context.Context, vs []any) ([]T, error) {
		ds := unwrap(vs[0]).([][2]int)
		out := make([]T, len(ds))
		for j, d := range ds {
			out[j] = unwrap(vs[1+d[0]]).(map[int]T)[d[1]]
		}
		return out, nil
	}, append([]graph.Delayed[any]{draws}, picks...))
}
