package bag

import (
	"iter"

	"github.com/seed001e6470/taskgraph/graph"
)

// The element-wise stages. None adds a task: each wraps the partitions'
// recipes, and the task that finally consumes a partition (a reduction, a
// write, a collect) runs all pending stages in one pass over blocks of
// elements, with no intermediate partition per stage.
//
// Go has no methods with type parameters, so stages are functions:
// bag.Map(b, f), not b.Map(f).

// carry keeps a bag's earlier mistake, which comes first, or records err.
func carry[U, T any](b Bag[T], stage string, err error) Bag[U] {
	if b.err != nil {
		return Bag[U]{g: b.g, err: b.err}
	}
	return bad[U](b.g, stage, err)
}

// Map applies f to every element.
//
// f is called through a func value, which the compiler cannot inline: a
// call per element costs more than the whole body of a cheap loop (see
// the package documentation). A Filter right after a Map runs in the
// map's loop, so a map-and-filter is one pass with two calls per element.
// For hot loops over cheap functions, MapBlocks and FoldBlocks are
// several times faster.
func Map[T, U any](b Bag[T], f func(T) U) Bag[U] {
	if f == nil {
		return carry[U](b, "map", nilFunc("map"))
	}
	return eachPart(b, true, func(p *part[T]) *part[U] { return mapPart(p, f) })
}

// mapPart is p mapped by f, able to take a filter into its loop.
func mapPart[T, U any](p *part[T], f func(T) U) *part[U] {
	mapMk := blockwise("map", func(_ *exec, out []U, in []T) int {
		for i, v := range in {
			out[i] = f(v)
		}
		return len(in)
	})
	q := through(p, "map", mapMk)
	q.refilter = func(name string, keep func(U) bool, separate *part[U]) *part[U] {
		fusedMk := blockwise("map", func(x *exec, out []U, in []T) int {
			return mapFilterBlock(x, out, in, f, name, keep)
		})
		filterMk := filterer(name, keep, true)
		return &part[U]{unshared: q.unshared, remote: q.remote, build: func(g *graph.Graph, stages string, idx int, after graph.Delayed[any], fn consume[U]) graph.Delayed[any] {
			// A mapped partition that was computed whole (for Zip,
			// ToDelayed, …) or that another consumer reads is read, not
			// mapped again.
			if valid(q.memo) || q.first != nil {
				return separate.build(g, stages, idx, after, fn)
			}
			if q.unshared { // never kept: always the fused loop
				return p.node(g, "map|"+name+"|"+stages, idx, after, func(x *exec, src producer[T], av any) (any, error) {
					return fn(x, fusedMk(src), av)
				})
			}
			// This task is the mapped partition's first consumer. If
			// another comes, the task must keep the mapped elements,
			// which the fused loop never holds: it then maps, keeps
			// and filters in separate loops (decided when it runs).
			s := &share{key: name + "|" + stages}
			unfused := teeing(s, func(x *exec, src producer[U], av any) (any, error) {
				return fn(x, filterMk(src), av)
			})
			s.task = p.node(g, "map|"+name+"|"+stages, idx, after, func(x *exec, src producer[T], av any) (any, error) {
				if s.tee.Load() {
					return unfused(x, mapMk(src), av)
				}
				return fn(x, fusedMk(src), av)
			})
			q.first = s
			return s.task
		}}
	}
	return q
}

// mapFilterBlock writes to out the f(v), for v in in, where keep(f(v)),
// and returns how many. x.stage says "map" while it runs; a panic in
// keep changes it to name on the way out, so the error names the stage
// whose function failed. That costs a store to the stack per call, where
// setting x.stage around each call would cost two string stores to the
// heap.
func mapFilterBlock[T, U any](x *exec, out []U, in []T, f func(T) U, name string, keep func(U) bool) int {
	inKeep := false
	defer func() {
		if inKeep {
			x.stage = name
		}
	}()
	n := 0
	for _, v := range in {
		y := f(v)
		inKeep = true
		ok := keep(y)
		inKeep = false
		// Storing every y and counting the kept ones compiles to no
		// branch: a predicate that is true at random costs no
		// mispredictions.
		out[n] = y
		if ok {
			n++
		}
	}
	return n
}

// MapErr applies f to every element; the first error fails the partition's
// task, and the error names the stage ("map") and the partition.
func MapErr[T, U any](b Bag[T], f func(T) (U, error)) Bag[U] {
	if f == nil {
		return carry[U](b, "map", nilFunc("map"))
	}
	kernel := func(x *exec, out []U, in []T) int {
		for i, v := range in {
			u, err := f(v)
			if err != nil {
				x.fail(err)
				return -1
			}
			out[i] = u
		}
		return len(in)
	}
	return stage(b, "map", true, blockwise("map", kernel))
}

// Filter keeps the elements for which keep returns true. Right after a
// Map, it runs in the map's loop. keep is called through a func value, at
// the cost Map's f has (see Map).
func Filter[T any](b Bag[T], keep func(T) bool) Bag[T] {
	if keep == nil {
		return carry[T](b, "filter", nilFunc("filter"))
	}
	return refiltered(b, "filter", keep, true)
}

// Remove drops the elements for which drop returns true (Filter's
// complement).
func Remove[T any](b Bag[T], drop func(T) bool) Bag[T] {
	if drop == nil {
		return carry[T](b, "remove", nilFunc("remove"))
	}
	return refiltered(b, "remove", drop, false)
}

// refiltered is b's elements where pred is want. Where a Map made a
// partition, Filter runs in the map's loop. Remove does not: it would
// need a compare with want per element there, which Filter would pay
// too, or a wrapper calling pred, a third call per element.
func refiltered[T any](b Bag[T], name string, pred func(T) bool, want bool) Bag[T] {
	return eachPart(b, false, func(p *part[T]) *part[T] {
		separate := through(p, name, filterer(name, pred, want))
		if want && p.refilter != nil {
			return p.refilter(name, pred, separate)
		}
		return separate
	})
}

func filterer[T any](name string, pred func(T) bool, want bool) func(producer[T]) producer[T] {
	return blockwise(name, func(_ *exec, out, in []T) int {
		n := 0
		for _, v := range in {
			ok := pred(v) == want
			out[n] = v // unconditionally: no branch (see mapFilterBlock)
			if ok {
				n++
			}
		}
		return n
	})
}

// blockwise makes a stage of a kernel that writes what it makes of a block
// in to out, a buffer as long as in that is reused from block to block,
// and returns how many elements of out to pass on, or −1 after x.fail.
// A block that keeps nothing is not passed on. The stage's name is set
// before every block, so an error or a panic in the kernel names it.
//
// A block whose elements' places are known (a text source's, see
// positions) runs through the kernel one element at a time
// (trackedBlock), so a failure names the element's file and line, and
// the output block carries the places of the elements kept on to the
// stages after it.
func blockwise[T, U any](stage string, kernel func(x *exec, out []U, in []T) int) func(producer[T]) producer[U] {
	return func(src producer[T]) producer[U] {
		return func(x *exec, sink func([]U) bool) {
			var buf []U
			var kept []lineLoc // the output's places, when the kernel dropped elements
			src(x, func(in []T) bool {
				if cap(buf) < len(in) {
					buf = make([]U, max(len(in), blockSize))
				}
				x.stage = stage
				locs := locsOf(x, in)
				if locs == nil {
					switch n := kernel(x, buf[:len(in)], in); {
					case n < 0:
						return false
					case n == 0:
						return true
					default:
						return sink(buf[:n])
					}
				}
				n, out := trackedBlock(x, kernel, buf[:len(in)], in, locs, kept)
				switch {
				case n < 0:
					return false
				case n == 0:
					return true
				}
				if &out[0] != &locs[0] {
					kept = out
				}
				return passLocated(x, sink, buf[:n], out)
			})
		}
	}
}

// FlatMap replaces every element by the elements of f's sequence for it
// (strings.FieldsSeq turns lines into words). The sequences are consumed as
// they are made: nothing is collected per element.
func FlatMap[T, U any](b Bag[T], f func(T) iter.Seq[U]) Bag[U] {
	if f == nil {
		return carry[U](b, "flat-map", nilFunc("flat-map"))
	}
	return stage(b, "flat-map", false, flatMapper(f))
}

func flatMapper[T, U any](f func(T) iter.Seq[U]) func(producer[T]) producer[U] {
	return func(src producer[T]) producer[U] {
		return func(x *exec, sink func([]U) bool) {
			a := newAppender(sink)
			src(x, func(in []T) bool {
				if locs := locsOf(x, in); locs != nil {
					return flatMapLocated(x, a, in, locs, f)
				}
				for _, v := range in {
					x.stage = "flat-map"
					for u := range f(v) {
						if !a.add(u) {
							return false
						}
						x.stage = "flat-map"
					}
				}
				return true
			})
			if x.err == nil {
				a.flush()
			}
		}
	}
}

// flatMapLocated is FlatMap over a block whose elements' places are
// known: each output carries the place of the element it came from, and
// while f runs for an element, x.here names that element's place for a
// panic (not cleared on the way out by a defer, which would run before
// execute's recover). It is cleared whenever the outputs go downstream,
// so a panic there is not put on f's element.
func flatMapLocated[T, U any](x *exec, a *appender[U], in []T, locs []lineLoc, f func(T) iter.Seq[U]) bool {
	a.x = x
	for i, v := range in {
		x.stage = "flat-map"
		l := locs[i]
		x.here = l
		for u := range f(v) {
			x.here = lineLoc{}
			if !a.addAt(u, l) {
				break // not return: the result would live on the heap
			}
			x.stage = "flat-map"
			x.here = l
		}
		x.here = lineLoc{}
		if !a.ok {
			return false
		}
	}
	return true
}

// MapPartitions replaces each partition's elements by f's sequence over
// them: f sees the partition as a sequence, so it can keep state across
// elements (a running total, a parser, a batch). It is fused like the
// other stages: the input is streamed, not collected. f is called once per
// partition per computation.
func MapPartitions[T, U any](b Bag[T], f func(iter.Seq[T]) iter.Seq[U]) Bag[U] {
	if f == nil {
		return carry[U](b, "map-partitions", nilFunc("map-partitions"))
	}
	return stage(b, "map-partitions", false, func(src producer[T]) producer[U] {
		return func(x *exec, sink func([]U) bool) {
			in := func(yield func(T) bool) {
				src(x, func(blk []T) bool {
					for _, v := range blk {
						x.stage = "map-partitions"
						if !yield(v) {
							return false
						}
					}
					return true
				})
			}
			a := newAppender(sink)
			x.stage = "map-partitions"
			for u := range f(in) {
				if x.err != nil || !a.add(u) {
					break
				}
				x.stage = "map-partitions"
			}
			if x.err == nil {
				a.flush()
			}
		}
	})
}

// MapBlocks is the fast path for element-wise work: f appends the outputs
// for a block of inputs to dst and returns the extended slice, in the
// style of strconv.AppendInt, so one call can map, filter and expand. f
// must not modify or keep src, and must return dst extended (not another
// slice). Because f is a plain loop the compiler can inline the per-element
// work into, a MapBlocks stage costs the hand-written loop's body plus
// writing its output block, where Map and Filter pay an indirect call per
// element (see the package documentation). A reduction at the end of the
// pipeline is faster still as one FoldBlocks step, which writes no block.
func MapBlocks[T, U any](b Bag[T], f func(dst []U, src []T) []U) Bag[U] {
	if f == nil {
		return carry[U](b, "map-blocks", nilFunc("map-blocks"))
	}
	return stage(b, "map-blocks", false, func(src producer[T]) producer[U] {
		return func(x *exec, sink func([]U) bool) {
			buf := make([]U, 0, blockSize)
			src(x, func(in []T) bool {
				x.stage = "map-blocks"
				out := f(buf[:0], in)
				if cap(out) > cap(buf) {
					buf = out[:0] // f grew the buffer: keep the larger one
				}
				if len(out) == 0 {
					return true
				}
				return sink(out)
			})
		}
	})
}

// Pluck maps every element, a map such as a decoded JSON object, to its
// value for key (the zero value when the key is missing). A field of a
// struct element is a Map: bag.Map(b, func(p Person) string { return p.Name }).
func Pluck[K comparable, V any](b Bag[map[K]V], key K) Bag[V] {
	return stage(b, "pluck", true, blockwise("pluck", func(_ *exec, out []V, in []map[K]V) int {
		for i, m := range in {
			out[i] = m[key]
		}
		return len(in)
	}))
}
