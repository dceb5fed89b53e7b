package bag

import (
	"sync/atomic"

	"github.com/seed001e6470/taskgraph/codec"
	"github.com/seed001e6470/taskgraph/graph"
)

// Shared stages. A partition's pending stages are fused into the task of
// whatever consumes it. When a second consumer of the same partition comes
// along (three results computed from one parsed bag), running the stages
// again for it would repeat the costly part of the pipeline, the parsing,
// once per consumer. So the first consumer's task is told, by a flag it
// reads when it runs, to keep the elements it streams (a tee), and every
// later consumer becomes a task that reads them from it. The stages run
// once per run however many consumers there are; a single consumer still
// streams, with no partition-sized slice; and the kept elements are a
// result of the first task like any other, released by the scheduler when
// the last task reading it is done.

// A partition that may be too large to keep is never shared (part.unshared):
// a range or a chunk of a sequence of more than maxKept elements, text of
// more than maxKeptText bytes, a whole sequence. Its consumers each run its
// stages, streaming in constant memory, as they would alone: re-making
// such a partition is cheap next to holding it, or holding it is not
// possible at all.
const (
	maxKept     = 1 << 20
	maxKeptText = 256 << 20
)

// share is the first consumer's task of a partition, and the flag that
// makes it keep the partition's elements for the others. The flag is set
// while building and read while running, which may overlap when a graph
// is extended between runs: hence atomic.
type share struct {
	task graph.Delayed[any]
	tee  atomic.Bool
	// key tells apart the shares one task serves (a partition and a
	// stage over it, both shared): the stages its consumer adds, which
	// nest, so no two shares of one task have the same. It is what a
	// kept partition is found by, since a task's result may have been
	// made in another process, whose shares are other pointers.
	key string
	// picked, for remote readers, is the local task picking the kept
	// partition out of task's result.
	picked graph.Delayed[any]
}

// teed is the result of a task that kept partitions for other consumers:
// its own result and, for each share it serves, the elements. Nested
// tees (a partition and a stage over it both shared) add to one teed.
// Its values are held in interfaces, as codec.Any, so that it travels to
// another process (see Remote) as it is.
type teed struct {
	Res  codec.Any
	Kept []kept
}

type kept struct {
	Key   string    // the share's
	Items codec.Any // []T
}

// unwrap is a task's own result, whatever it kept for others.
func unwrap(v any) any {
	if t, ok := v.(*teed); ok {
		return t.Res.V
	}
	return v
}

// keptBy is the partition s kept in v, a result of s.task.
func keptBy[T any](v any, s *share) []T {
	if t, ok := v.(*teed); ok {
		for _, k := range t.Kept {
			if k.Key == s.key {
				items, _ := k.Items.V.([]T)
				return items
			}
		}
	}
	return nil
}

func init() { codec.Register[*teed]() }

// teeing wraps a consumer so that, when s.tee is set at run time, it also
// keeps every element of the partition. A consumer that stops early (Take,
// Any) does not stop the reading: the others need the whole partition.
func teeing[T any](s *share, fn consume[T]) consume[T] {
	codec.Register[[]T]()
	return func(x *exec, src producer[T], av any) (any, error) {
		if !s.tee.Load() {
			return fn(x, src, av)
		}
		items := []T{}
		read := false
		tee := func(x *exec, sink func([]T) bool) {
			read = true
			open := true
			src(x, func(blk []T) bool {
				items = append(items, blk...)
				if open {
					open = sink(blk)
				}
				return true
			})
		}
		res, err := fn(x, tee, av)
		if err != nil || x.err != nil {
			return res, err
		}
		if !read {
			tee(x, func([]T) bool { return false })
			if x.err != nil {
				return nil, nil // execute reports x.err
			}
		}
		t, ok := res.(*teed)
		if !ok {
			t = &teed{Res: codec.Any{V: res}}
		}
		t.Kept = append(t.Kept, kept{s.key, codec.Any{V: items}})
		return t, nil
	}
}

// shared is a consumer's task reading partition p from the task of p's
// first consumer, which is told to keep it. The reader ranks above the
// static order (graph.Priority), so it runs as soon as the partition is
// kept, which is then released: in the static order, the first consumer's
// whole reduction would run before any reader, keeping every partition of
// the bag meanwhile (TestSharedStagesReleased measures both).
//
// A remote reader reads the partition from a local task that picks it out
// of the first consumer's result: only the partition travels, and the
// rest of that result, which its own consumer may be changing meanwhile
// (a reduction merges into its partials), is never encoded.
func shared[T any](g *graph.Graph, s *share, stages string, idx int, after graph.Delayed[any], fn consume[T], remote bool) graph.Delayed[any] {
	s.tee.Store(true)
	if !remote {
		return onValues(g, "shared|"+stages, idx, []graph.Delayed[any]{s.task}, after, fn,
			func(vs []any) producer[T] { return sliceSource(keptBy[T](vs[0], s)) }, graph.Priority(1))
	}
	if !valid(s.picked) {
		s.picked = graph.Call(g, "kept", func(v any) any { return keptBy[T](v, s) }, s.task, graph.Priority(1))
	}
	return onValues(g, "shared|"+stages, idx, []graph.Delayed[any]{s.picked}, after, fn,
		func(vs []any) producer[T] { return sliceSource(asSlice[T](vs[0])) }, graph.Remote(), graph.Priority(1))
}
