package bag

import (
	"fmt"
	"hash/maphash"
	"math"

	"github.com/seed001e6470/taskgraph/codec"
	"github.com/seed001e6470/taskgraph/graph"
)

// Shuffled grouping: Dask's groupby with the tasks shuffle and foldby with
// split_out. Every input partition's task (fused with its pending stages)
// splits its elements by a hash of their key into one bucket per output
// partition; output partition j reads bucket j of every input, in input
// order. So a group is whole in one output partition, no task holds more
// than its partitions' share of the data, and the result can be larger
// than one map: it is a bag. Groups appear in an output partition in order
// of first occurrence, their elements in input order, so the result is the
// same with any number of workers.

// SplitOut sets how many output partitions Groups and FoldGroups make
// (n ≥ 1; default: as many as the input has, at least 1). Dask's split_out.
func SplitOut(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.fail(fmt.Errorf("%w: SplitOut(%d): need at least 1", ErrInvalid, n))
		}
		c.out = n
	}
}

// Groups groups the elements of b by key into a bag of (key, elements)
// pairs, shuffled into SplitOut partitions (see above): GroupBy for data
// that need not fit in one map.
func Groups[T any, K comparable](b Bag[T], key func(T) K, opts ...Option) Bag[Pair[K, []T]] {
	type P = Pair[K, []T]
	if key == nil {
		return carry[P](b, "groups", nilFunc("groups"))
	}
	return shuffle(b, "groups", opts, func(x *exec, src producer[T], n int) [][]T {
		buckets := make([][]T, n)
		src(x, func(blk []T) bool {
			x.stage = "groups"
			for _, v := range blk {
				j := bucketOf(key(v), n)
				buckets[j] = append(buckets[j], v)
			}
			return true
		})
		return buckets
	}, func(x *exec, ins [][]T) []P {
		// Two passes: the first finds each element's group (one map
		// lookup) and counts the groups, the second copies the elements
		// into groups allocated at their exact size, so no group grows.
		at := map[K]int32{}
		var out []P
		var sizes []int
		n := 0
		for _, in := range ins {
			n += len(in)
		}
		group := make([]int32, 0, n)
		for _, in := range ins {
			x.stage = "groups"
			for _, v := range in {
				k := key(v)
				i, ok := at[k]
				if !ok {
					i = int32(len(out))
					at[k] = i
					out = append(out, P{First: k})
					sizes = append(sizes, 0)
				}
				sizes[i]++
				group = append(group, i)
			}
		}
		for i := range out {
			out[i].Second = make([]T, 0, sizes[i])
		}
		e := 0
		for _, in := range ins {
			for _, v := range in {
				i := group[e]
				out[i].Second = append(out[i].Second, v)
				e++
			}
		}
		return out
	})
}

// FoldGroups is FoldBy with its result as a bag of (key, value) pairs in
// SplitOut partitions (Dask's foldby(split_out=)): each input partition
// folds its elements per key with step from init, and each output
// partition combines the folds of its keys, in input order, with combine.
func FoldGroups[T any, K comparable, A any](b Bag[T], key func(T) K, init A, step func(A, T) A, combine func(A, A) A, opts ...Option) Bag[Pair[K, A]] {
	type P = Pair[K, A]
	if key == nil || step == nil || combine == nil {
		return carry[P](b, "fold-groups", nilFunc("fold-groups"))
	}
	return shuffle(b, "fold-groups", opts, func(x *exec, src producer[T], n int) []*folds[K, A] {
		buckets := make([]*folds[K, A], n)
		for j := range buckets {
			buckets[j] = &folds[K, A]{At: map[K]int{}}
		}
		src(x, func(blk []T) bool {
			x.stage = "fold-groups"
			for _, v := range blk {
				k := key(v)
				f := buckets[bucketOf(k, n)]
				if i, ok := f.At[k]; ok {
					f.Pairs[i].Second = step(f.Pairs[i].Second, v)
				} else {
					f.At[k] = len(f.Pairs)
					f.Pairs = append(f.Pairs, P{k, step(init, v)})
				}
			}
			return true
		})
		return buckets
	}, func(x *exec, ins []*folds[K, A]) []P {
		acc := &folds[K, A]{At: map[K]int{}}
		for _, in := range ins {
			x.stage = "fold-groups"
			for _, p := range in.Pairs {
				if i, ok := acc.At[p.First]; ok {
					acc.Pairs[i].Second = combine(acc.Pairs[i].Second, p.Second)
				} else {
					acc.At[p.First] = len(acc.Pairs)
					acc.Pairs = append(acc.Pairs, p)
				}
			}
		}
		return acc.Pairs
	})
}

// folds is the per-key folds of one bucket, in order of first occurrence.
type folds[K comparable, A any] struct {
	At    map[K]int
	Pairs []Pair[K, A]
}

// shuffle adds a splitting task per input partition (split makes its n
// buckets) and makes output partition j of merge applied to bucket j of
// every input.
func shuffle[T, B, E any](b Bag[T], name string, opts []Option,
	split func(x *exec, src producer[T], n int) []B, merge func(x *exec, ins []B) []E) Bag[E] {
	if b.g == nil && b.err == nil {
		return Bag[E]{}
	}
	if f := b.finite(name); f != nil {
		return Bag[E]{g: b.g, err: f}
	}
	c := configure(opts)
	if c.err != nil {
		return bad[E](b.g, name, c.err)
	}
	n := c.out
	if n == 0 {
		n = max(len(b.parts), 1)
	}
	if n > maxPartitions {
		return invalid[E](b.g, name, "SplitOut(%d): more than %d partitions", n, maxPartitions)
	}
	splits := make([]graph.Delayed[any], len(b.parts))
	codec.Register[[]B]()
	for i, p := range b.parts {
		splits[i] = p.node(b.g, name+"-split", i, graph.Delayed[any]{}, func(x *exec, src producer[T], _ any) (any, error) {
			return split(x, src, n), nil
		})
	}
	out := Bag[E]{g: b.g, parts: make([]*part[E], n)}
	remote := anyRemote(b.parts)
	for j := range n {
		out.parts[j] = valuesPart(name, splits, remote, func(vs []any) producer[E] {
			return func(x *exec, sink func([]E) bool) {
				ins := make([]B, len(vs))
				for i, v := range vs {
					ins[i] = unwrap(v).([]B)[j]
				}
				sliceSource(merge(x, ins))(x, sink)
			}
		})
	}
	return out
}

// bucketOf is the output partition of key k among n: a hash that is the
// same in every process for strings, integers, floats and booleans (so a
// graph built twice splits the same way) and the runtime's hash of k,
// seeded once per process, for other key types.
func bucketOf[K comparable](k K, n int) int {
	if n == 1 {
		return 0
	}
	return int(hashKey(k) % uint64(n))
}

var processSeed = maphash.MakeSeed()

func hashKey[K comparable](k K) uint64 {
	switch v := any(k).(type) {
	case string:
		h := uint64(14695981039346656037) // FNV-1a
		for i := 0; i < len(v); i++ {
			h ^= uint64(v[i])
			h *= 1099511628211
		}
		return mix(h)
	case int:
		return mix(uint64(v))
	case int64:
		return mix(uint64(v))
	case int32:
		return mix(uint64(v))
	case uint:
		return mix(uint64(v))
	case uint64:
		return mix(v)
	case uint32:
		return mix(uint64(v))
	case float64:
		return mix(math.Float64bits(v))
	case bool:
		if v {
			return mix(1)
		}
		return mix(0)
	}
	return maphash.Comparable(processSeed, k)
}

// mix is SplitMix64's finaliser: neighbouring keys land in unrelated
// buckets.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
