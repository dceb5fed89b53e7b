package bag

import (
	"container/heap"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/seed001e6470/taskgraph/graph"
)

// Grouped reductions build one map per partition and merge the maps in the
// same tree as the other reductions, in partition order. A merge reuses the
// left map: each partial has exactly one reader, the combine task above it.

// sizeHint remembers how many keys the last partial map of a reduction
// held, so that the next one starts at that size: partitions of one bag
// usually have similar key sets, and a map that grows from empty rehashes
// its keys about twice on the way (7% of Frequencies' time over 1000 keys).
type sizeHint struct{ n atomic.Int64 }

func (h *sizeHint) get() int  { return int(h.n.Load()) }
func (h *sizeHint) set(n int) { h.n.Store(int64(n)) }

// FoldBy groups elements by key and folds each group: within a partition
// with step from init, then across partitions with combine, in order (Dask's
// foldby, the fast way to aggregate by key, since only one value per key
// and partition travels). The result maps each key to its group's value.
// As in Fold, init should be combine's identity and is copied.
func FoldBy[T any, K comparable, A any](b Bag[T], key func(T) K, init A, step func(A, T) A, combine func(A, A) A, opts ...Option) graph.Delayed[map[K]A] {
	if key == nil || step == nil || combine == nil {
		return failed[map[K]A](b.g, firstFailure(b, "fold-by", nilFunc("fold-by")))
	}
	// Partials hold pointers so that an element costs one map lookup, not
	// a lookup and an assignment.
	hint := new(sizeHint)
	return reduction[T, map[K]*A, map[K]A]{
		name: "fold-by",
		leaf: func(x *exec, src producer[T]) map[K]*A {
			m := make(map[K]*A, hint.get())
			defer func() { hint.set(len(m)) }()
			src(x, func(blk []T) bool {
				x.stage = "fold-by"
				for _, v := range blk {
					k := key(v)
					if p, ok := m[k]; ok {
						*p = step(*p, v)
					} else {
						a := step(init, v)
						m[k] = &a
					}
				}
				return true
			})
			return m
		},
		combine: func(ms []map[K]*A) map[K]*A {
			acc := ms[0]
			for _, m := range ms[1:] {
				for k, q := range m {
					if p, ok := acc[k]; ok {
						*p = combine(*p, *q)
					} else {
						acc[k] = q
					}
				}
			}
			return acc
		},
		finish: func(m map[K]*A) (map[K]A, error) {
			out := make(map[K]A, len(m))
			for k, p := range m {
				out[k] = *p
			}
			return out, nil
		},
		empty: func() (map[K]A, error) { return map[K]A{}, nil },
	}.build(b, opts)
}

// Frequencies counts how many times each distinct element occurs.
func Frequencies[T comparable](b Bag[T], opts ...Option) graph.Delayed[map[T]int] {
	hint := new(sizeHint)
	return reduction[T, map[T]int, map[T]int]{
		name: "frequencies",
		leaf: func(x *exec, src producer[T]) map[T]int {
			m := make(map[T]int, hint.get())
			defer func() { hint.set(len(m)) }()
			src(x, func(blk []T) bool {
				for _, v := range blk {
					m[v]++
				}
				return true
			})
			return m
		},
		combine: func(ms []map[T]int) map[T]int {
			// Counts commute: merge into the largest map.
			big := 0
			for i, m := range ms {
				if len(m) > len(ms[big]) {
					big = i
				}
			}
			acc := ms[big]
			for i, m := range ms {
				if i != big {
					for k, n := range m {
						acc[k] += n
					}
				}
			}
			return acc
		},
		finish: same[map[T]int],
		empty:  func() (map[T]int, error) { return map[T]int{}, nil },
	}.build(b, opts)
}

// GroupBy groups elements by key; each group keeps the elements' order.
// The whole bag ends up in one map, so it suits groups that fit in memory;
// FoldBy is the way to aggregate groups.
func GroupBy[T any, K comparable](b Bag[T], key func(T) K, opts ...Option) graph.Delayed[map[K][]T] {
	if key == nil {
		return failed[map[K][]T](b.g, firstFailure(b, "group-by", nilFunc("group-by")))
	}
	hint := new(sizeHint)
	return reduction[T, map[K][]T, map[K][]T]{
		name: "group-by",
		leaf: func(x *exec, src producer[T]) map[K][]T {
			m := make(map[K][]T, hint.get())
			defer func() { hint.set(len(m)) }()
			src(x, func(blk []T) bool {
				x.stage = "group-by"
				for _, v := range blk {
					k := key(v)
					m[k] = append(m[k], v)
				}
				return true
			})
			return m
		},
		combine: func(ms []map[K][]T) map[K][]T {
			acc := ms[0]
			for _, m := range ms[1:] {
				for k, vs := range m {
					acc[k] = append(acc[k], vs...)
				}
			}
			return acc
		},
		finish: same[map[K][]T],
		empty:  func() (map[K][]T, error) { return map[K][]T{}, nil },
	}.build(b, opts)
}

// uniq is a partial Distinct: the elements in order of first occurrence.
type uniq[T comparable] struct {
	Seen  map[T]struct{}
	Order []T
}

func (u *uniq[T]) add(v T) {
	if _, ok := u.Seen[v]; !ok {
		u.Seen[v] = struct{}{}
		u.Order = append(u.Order, v)
	}
}

// Distinct is the bag of the distinct elements, in order of first
// occurrence, as one partition.
func Distinct[T comparable](b Bag[T], opts ...Option) Bag[T] {
	if b.g == nil && b.err == nil {
		return Bag[T]{}
	}
	if f := b.finite("distinct"); f != nil {
		return Bag[T]{g: b.g, err: f}
	}
	if c := configure(opts); c.err != nil {
		return bad[T](b.g, "distinct", c.err)
	}
	hint := new(sizeHint)
	d := reduction[T, *uniq[T], []T]{
		name: "distinct",
		leaf: func(x *exec, src producer[T]) *uniq[T] {
			u := &uniq[T]{Seen: make(map[T]struct{}, hint.get())}
			defer func() { hint.set(len(u.Order)) }()
			src(x, func(blk []T) bool {
				for _, v := range blk {
					u.add(v)
				}
				return true
			})
			return u
		},
		combine: func(us []*uniq[T]) *uniq[T] {
			acc := us[0]
			for _, u := range us[1:] {
				for _, v := range u.Order {
					acc.add(v)
				}
			}
			return acc
		},
		finish: func(u *uniq[T]) ([]T, error) { return u.Order, nil },
		empty:  func() ([]T, error) { return []T{}, nil },
	}.build(b, opts)
	return FromDelayed(b.g, d)
}

// TopK is the k greatest elements by cmp (which orders like
// slices.SortFunc's), greatest first; among equal elements the earlier one
// ranks first, so the result is that of a stable sort, and the same with any
// number of workers. Each partition keeps only its own k best in a heap.
func TopK[T any](b Bag[T], k int, cmp func(a, b T) int, opts ...Option) graph.Delayed[[]T] {
	switch {
	case cmp == nil:
		return failed[[]T](b.g, firstFailure(b, "top-k", nilFunc("top-k")))
	case k < 0:
		return failed[[]T](b.g, firstFailure(b, "top-k", fmt.Errorf("%w: top-k: k = %d < 0", ErrInvalid, k)))
	}
	// better orders ranked entries: greater value first, then earlier.
	better := func(a, b ranked[T]) int {
		if c := cmp(a.v, b.v); c != 0 {
			return -c
		}
		return a.i - b.i
	}
	return reduction[T, []T, []T]{
		name: "top-k",
		leaf: func(x *exec, src producer[T]) []T {
			h := &worst[T]{better: better}
			i := 0
			src(x, func(blk []T) bool {
				x.stage = "top-k"
				for j, v := range blk {
					h.offer(ranked[T]{v, i + j}, k)
				}
				i += len(blk)
				return true
			})
			slices.SortFunc(h.es, better)
			out := make([]T, len(h.es))
			for j, e := range h.es {
				out[j] = e.v
			}
			return out
		},
		combine: func(ls [][]T) []T {
			acc := ls[0]
			for _, l := range ls[1:] {
				acc = mergeTop(acc, l, k, cmp)
			}
			return acc
		},
		finish: same[[]T],
		empty:  func() ([]T, error) { return []T{}, nil },
	}.build(b, opts)
}

// ranked is an element and its position in its partition.
type ranked[T any] struct {
	v T
	i int
}

// worst is a heap of the k best entries seen, the worst on top, so a new
// entry is compared with the one it would evict.
type worst[T any] struct {
	es     []ranked[T]
	better func(a, b ranked[T]) int
}

func (h *worst[T]) Len() int           { return len(h.es) }
func (h *worst[T]) Less(i, j int) bool { return h.better(h.es[i], h.es[j]) > 0 }
func (h *worst[T]) Swap(i, j int)      { h.es[i], h.es[j] = h.es[j], h.es[i] }
func (h *worst[T]) Push(x any)         { h.es = append(h.es, x.(ranked[T])) }
func (h *worst[T]) Pop() any {
	e := h.es[len(h.es)-1]
	h.es = h.es[:len(h.es)-1]
	return e
}

func (h *worst[T]) offer(e ranked[T], k int) {
	switch {
	case len(h.es) < k:
		heap.Push(h, e)
	case k > 0 && h.better(e, h.es[0]) < 0:
		h.es[0] = e
		heap.Fix(h, 0)
	}
}

// mergeTop merges two best-first lists, left winning ties (it holds
// earlier elements), keeping k.
func mergeTop[T any](a, b []T, k int, cmp func(a, b T) int) []T {
	out := make([]T, 0, min(k, len(a)+len(b)))
	i, j := 0, 0
	for len(out) < k && (i < len(a) || j < len(b)) {
		if j == len(b) || (i < len(a) && cmp(a[i], b[j]) >= 0) {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	return out
}
