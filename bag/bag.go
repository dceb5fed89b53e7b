package bag

import (
	"context"
	"errors"
	"fmt"

	"github.com/seed001e6470/taskgraph/codec"
	"github.com/seed001e6470/taskgraph/graph"
)

// Errors a bag reports. A mistake made while building (a nil function, a
// negative count, a missing file) never panics: the bag remembers it
// ([Bag.Err]) and every result computed from the bag fails with it, as a
// task named after the stage that found it.
var (
	// ErrInvalid: an argument is out of range (k < 0, n ≤ 0, a pattern
	// without '*').
	ErrInvalid = errors.New("bag: invalid argument")
	// ErrUnbounded: a stage that needs a finite bag was given the
	// unbounded bag of a sequence; bound it with Take first.
	ErrUnbounded = errors.New("bag: unbounded bag (from a sequence): bound it with Take")
	// ErrEmpty: a reduction that needs elements (Reduce, Min, Max, Mean,
	// Var, Std) got none, or Var and Std got no more than ddof.
	ErrEmpty = errors.New("bag: no elements")
	// ErrMismatch: bags that must line up do not (Zip: partition counts or
	// lengths differ; Concat, Zip: bags of different graphs).
	ErrMismatch = errors.New("bag: bags do not match")
	// ErrNoFiles: a ReadText pattern matches no file (directories that a
	// glob matches are skipped, so a pattern matching only directories
	// matches no file).
	ErrNoFiles = errors.New("bag: no file matches")
	// ErrLineTooLong: ReadText met a line longer than MaxLineSize.
	ErrLineTooLong = errors.New("bag: line too long")
)

// PartitionError is how a failure inside a partition's task is reported:
// the stage whose function failed ("map", "filter", "read-text") and the
// partition's index in the bag being computed. The scheduler wraps it in a
// [sched.TaskError], which names the task (its name lists the stages fused
// into it, such as "range|map|filter|sum"); errors.Is and errors.As reach
// the cause, which is a *sched.PanicError when a function panicked.
//
// When the stage that failed works on elements made from the lines of
// ReadText, ReadLines or ReadJSON, Path, Line and Offset say where its
// element was read: the file, the line's number (from 1; 0 if the file
// could no longer be read to count) and its byte offset. The place
// follows the element through the stages that work element by element
// (Map, MapErr, Filter, Remove, FlatMap, Pluck, PluckAt, MapWith,
// FilterWith, FlatMapWith). They are empty, never a guess, after a stage
// that makes blocks of its own (MapBlocks, MapPartitions, Flatten,
// RandomSample), for the "shared|…" tasks that read a partition kept for
// several consumers, and for partitions computed whole (Take, Zip,
// Repartition, Persist, ToDelayed, …).
type PartitionError struct {
	Stage     string
	Partition int
	Path      string
	Line      int
	Offset    int64
	Err       error
}

func (e *PartitionError) Error() string {
	switch {
	case e.Path != "" && e.Line > 0:
		return fmt.Sprintf("bag: %s, partition %d: %s: line %d (byte %d): %v", e.Stage, e.Partition, e.Path, e.Line, e.Offset, e.Err)
	case e.Path != "":
		return fmt.Sprintf("bag: %s, partition %d: %s: line at byte %d: %v", e.Stage, e.Partition, e.Path, e.Offset, e.Err)
	}
	return fmt.Sprintf("bag: %s, partition %d: %v", e.Stage, e.Partition, e.Err)
}

func (e *PartitionError) Unwrap() error { return e.Err }

// Bag is a lazy collection of elements of type T split into partitions,
// Dask's bag. Each partition becomes tasks in a [graph.Graph], so bags and
// delayed values mix: reductions return a [graph.Delayed], and
// [FromDelayed] turns a Delayed slice into a bag.
//
// A Bag is a small value: copy it freely; stages return new bags and never
// change their input. Like building a graph, building bags is not safe for
// concurrent use; computing them is. Element-wise stages (Map, Filter, FlatMap, …) add no
// tasks: they are fused into the task of whatever consumes the partition,
// which runs them all in one pass, block by block.
//
// The zero Bag is empty and belongs to no graph: stages accept it and
// [ToSlice] returns nothing, but a reduction needs a graph to add its tasks
// to, so build bags with a constructor ([FromSlice], [Range], [FromSeq],
// [FromDelayed], [ReadText]).
type Bag[T any] struct {
	g     *graph.Graph
	parts []*part[T]
	seq   *unbounded[T] // set for the unbounded bag of a sequence (parts is nil)
	err   *failure
}

// failure is a building mistake and the stage that found it.
type failure struct {
	stage string
	err   error
}

// Err returns the mistake made while building b or any bag it came from,
// or nil.
func (b Bag[T]) Err() error {
	if b.err == nil {
		return nil
	}
	return b.err.err
}

// Graph is the graph b's tasks go into (nil for the zero Bag).
func (b Bag[T]) Graph() *graph.Graph { return b.g }

// NumPartitions is the number of partitions, or -1 for the unbounded bag
// of a sequence.
func (b Bag[T]) NumPartitions() int {
	if b.seq != nil {
		return -1
	}
	return len(b.parts)
}

// ToDelayed returns each partition as a Delayed slice, in order: the
// bridge to hand-built graphs. The pending stages of a partition run once,
// however many times ToDelayed (or a stage that needs whole partitions) is
// called. It returns nil when b has an error or is unbounded.
func (b Bag[T]) ToDelayed() []graph.Delayed[[]T] {
	if b.err != nil || b.seq != nil || b.g == nil {
		return nil
	}
	out := make([]graph.Delayed[[]T], len(b.parts))
	for i, p := range b.parts {
		out[i] = p.slice(b.g, i)
	}
	return out
}

// bad returns a bag that only carries a building mistake.
func bad[T any](g *graph.Graph, stage string, err error) Bag[T] {
	return Bag[T]{g: g, err: &failure{stage, err}}
}

// invalid reports an argument out of range.
func invalid[T any](g *graph.Graph, stage, format string, args ...any) Bag[T] {
	return bad[T](g, stage, fmt.Errorf("%w: %s: %s", ErrInvalid, stage, fmt.Sprintf(format, args...)))
}

// nilFunc reports a nil function, with the graph package's sentinel.
func nilFunc(stage string) error { return fmt.Errorf("bag: %s: %w", stage, graph.ErrNilFunc) }

// failed adds a task that fails with f's error: how a bag's building
// mistake reaches whoever computes a result of it.
func failed[R any](g *graph.Graph, f *failure) graph.Delayed[R] {
	if g == nil {
		return graph.Delayed[R]{}
	}
	return graph.Source(g, f.stage, func(context.Context) (R, error) {
		var zero R
		return zero, f.err
	})
}

// finite checks that b can be consumed whole by a stage named stage.
func (b Bag[T]) finite(stage string) *failure {
	if b.err != nil {
		return b.err
	}
	if b.seq != nil {
		return &failure{stage, fmt.Errorf("%w (%s)", ErrUnbounded, stage)}
	}
	return nil
}

// part is one partition that is not in the graph yet: the recipe for a
// task that consumes its elements. Stages wrap the recipe, so a chain of
// element-wise stages becomes one task when something consumes it.
type part[T any] struct {
	// build adds a task running fn over the partition's elements. The
	// task's name is the partition's own stages followed by stages (the
	// consumer's). after, when valid, is one more dependency whose value
	// fn receives (Take chains its tasks this way).
	build func(g *graph.Graph, stages string, idx int, after graph.Delayed[any], fn consume[T]) graph.Delayed[any]

	// memo is the partition computed as a whole, once a stage needed it
	// (Zip, Repartition, Collect, ToDelayed); view reads its value.
	memo graph.Delayed[any]
	view func(any) []T

	// typed is the partition as a Delayed[[]T], when it was given as one
	// (FromDelayed) or when ToDelayed made one.
	typed graph.Delayed[[]T]

	// first is the task of the partition's first consumer, which later
	// consumers read the partition from (see share.go).
	first *share
	// unshared: the partition may be too large to keep (a huge range, a
	// whole sequence), so every consumer runs its stages, streaming.
	unshared bool
	// remote: the tasks that run the partition's stages are marked
	// graph.Remote (see the Remote option).
	remote bool

	// refilter, set on a partition made by Map, is that partition
	// followed by the filter stage name keeping the elements where keep
	// is true, with keep called in the map's own loop (see refiltered).
	// separate is the same filter as a stage of its own, for a
	// partition that was computed whole.
	refilter func(name string, keep func(T) bool, separate *part[T]) *part[T]
}

// consume is what a task does with a partition's elements; after is the
// value of the task's extra dependency, if any.
type consume[T any] func(x *exec, src producer[T], after any) (any, error)

func valid[T any](d graph.Delayed[T]) bool { return d.Graph() != nil }

// node adds a task consuming p: reading p's computed value if it has one;
// else fused with p's pending stages if it is p's first consumer, or
// reading the partition from the first consumer's task if not, so that
// the stages run once for all.
func (p *part[T]) node(g *graph.Graph, stages string, idx int, after graph.Delayed[any], fn consume[T]) graph.Delayed[any] {
	switch {
	case valid(p.memo):
		view := p.viewer()
		return onValues(g, stages, idx, []graph.Delayed[any]{p.memo}, after, fn,
			func(vs []any) producer[T] { return sliceSource(view(vs[0])) }, p.taskOpts()...)
	case p.unshared:
		return p.build(g, stages, idx, after, fn)
	case p.first != nil:
		return shared(g, p.first, stages, idx, after, fn, p.remote)
	}
	s := &share{key: stages}
	s.task = p.build(g, stages, idx, after, teeing(s, fn))
	p.first = s
	return s.task
}

// taskOpts are the options of a task running p's stages.
func (p *part[T]) taskOpts() []graph.Option {
	if p.remote {
		return remoteOpts
	}
	return nil
}

var remoteOpts = []graph.Option{graph.Remote()}

// anyRemote tells whether a partition made from ps runs its stages
// remotely: when any of them does.
func anyRemote[T any](ps []*part[T]) bool {
	for _, p := range ps {
		if p.remote {
			return true
		}
	}
	return false
}

func (p *part[T]) viewer() func(any) []T {
	if p.view != nil {
		view := p.view
		return func(v any) []T { return view(unwrap(v)) }
	}
	return asSlice[T]
}

func asSlice[T any](v any) []T {
	s, _ := unwrap(v).([]T)
	return s
}

// whole returns the partition computed as a []T (held as any), adding its
// task the first time.
func (p *part[T]) whole(g *graph.Graph, idx int) graph.Delayed[any] {
	if !valid(p.memo) {
		codec.Register[[]T]()
		if valid(p.typed) {
			p.memo = graph.Call(g, "partition", boxed[[]T], p.typed)
		} else {
			p.memo = p.node(g, "partition", idx, graph.Delayed[any]{}, collect[T])
		}
		p.view = nil
	}
	return p.memo
}

// slice returns the partition as a typed Delayed.
func (p *part[T]) slice(g *graph.Graph, idx int) graph.Delayed[[]T] {
	if !valid(p.typed) {
		p.typed = graph.Call(g, "partition", p.viewer(), p.whole(g, idx))
	}
	return p.typed
}

func boxed[T any](v T) any { return v }

// collect is the consumer that keeps a partition's elements.
func collect[T any](x *exec, src producer[T], _ any) (any, error) {
	out := []T{}
	src(x, func(b []T) bool {
		out = append(out, b...)
		return true
	})
	return out, nil
}

// wholes computes every partition of b as a []T, or says why it cannot.
func (b Bag[T]) wholes(stage string) ([]graph.Delayed[any], *failure) {
	if f := b.finite(stage); f != nil {
		return nil, f
	}
	ds := make([]graph.Delayed[any], len(b.parts))
	for i, p := range b.parts {
		ds[i] = p.whole(b.g, i)
	}
	return ds, nil
}

// views returns the readers of b's computed partitions.
func (b Bag[T]) views() []func(any) []T {
	vs := make([]func(any) []T, len(b.parts))
	for i, p := range b.parts {
		vs[i] = p.viewer()
	}
	return vs
}

// sourcePart is a partition made from nothing the graph holds (a range, a
// file block): its task has no dependency but the optional after.
func sourcePart[T any](prefix string, open func() producer[T]) *part[T] {
	p := &part[T]{}
	p.build = func(g *graph.Graph, stages string, idx int, after graph.Delayed[any], fn consume[T]) graph.Delayed[any] {
		name := prefix + "|" + stages
		if valid(after) {
			return graph.CallCtx(g, name, func(ctx context.Context, av any) (any, error) {
				return execute(ctx, idx, open(), av, fn)
			}, after, p.taskOpts()...)
		}
		return graph.Source(g, name, func(ctx context.Context) (any, error) {
			return execute(ctx, idx, open(), nil, fn)
		}, p.taskOpts()...)
	}
	return p
}

// depPart is a partition read from one typed task (a Delayed slice, a
// chunk of a sequence).
func depPart[A, T any](prefix string, dep graph.Delayed[A], open func(A) producer[T]) *part[T] {
	p := &part[T]{}
	p.build = func(g *graph.Graph, stages string, idx int, after graph.Delayed[any], fn consume[T]) graph.Delayed[any] {
		name := prefix + "|" + stages
		if valid(after) {
			return graph.CallCtx2(g, name, func(ctx context.Context, a A, av any) (any, error) {
				return execute(ctx, idx, open(a), av, fn)
			}, dep, after, p.taskOpts()...)
		}
		return graph.CallCtx(g, name, func(ctx context.Context, a A) (any, error) {
			return execute(ctx, idx, open(a), nil, fn)
		}, dep, p.taskOpts()...)
	}
	return p
}

// valuesPart is a partition read from computed partitions (Zip,
// Repartition); remote marks its tasks.
func valuesPart[T any](prefix string, deps []graph.Delayed[any], remote bool, open func([]any) producer[T]) *part[T] {
	p := &part[T]{remote: remote}
	p.build = func(g *graph.Graph, stages string, idx int, after graph.Delayed[any], fn consume[T]) graph.Delayed[any] {
		return onValues(g, prefix+"|"+stages, idx, deps, after, fn, open, p.taskOpts()...)
	}
	return p
}

func onValues[T any](g *graph.Graph, name string, idx int, deps []graph.Delayed[any], after graph.Delayed[any],
	fn consume[T], open func([]any) producer[T], opts ...graph.Option) graph.Delayed[any] {
	n := len(deps)
	if valid(after) {
		deps = append(deps[:n:n], after)
	}
	return graph.CallSlice(g, name, func(ctx context.Context, vs []any) (any, error) {
		var av any
		if len(vs) > n {
			av = vs[n]
		}
		return execute(ctx, idx, open(vs[:n]), av, fn)
	}, deps, opts...)
}

// through returns p with one more element-wise stage: mk wraps p's
// producer when a task is finally built.
func through[T, U any](p *part[T], stage string, mk func(producer[T]) producer[U]) *part[U] {
	return &part[U]{unshared: p.unshared, remote: p.remote, build: func(g *graph.Graph, stages string, idx int, after graph.Delayed[any], fn consume[U]) graph.Delayed[any] {
		return p.node(g, stage+"|"+stages, idx, after, func(x *exec, src producer[T], av any) (any, error) {
			return fn(x, mk(src), av)
		})
	}}
}

// unbounded is the bag of a sequence whose length is not known when the
// graph is built. It stays lazy until Take bounds it.
type unbounded[T any] struct {
	// exact: every stage so far maps one element to one element, so the
	// first k outputs come from the first k inputs and the sequence can
	// be cut into partitions of known size.
	exact bool
	// chunks cuts the first k elements of the sequence into partitions,
	// with the stages so far applied.
	chunks func(g *graph.Graph, k int) []*part[T]
	// stream is the whole sequence as one partition, stages applied.
	stream func() *part[T]
}

// stage applies an element-wise stage to every partition of b.
func stage[T, U any](b Bag[T], name string, exact bool, mk func(producer[T]) producer[U]) Bag[U] {
	return eachPart(b, exact, func(p *part[T]) *part[U] { return through(p, name, mk) })
}

// eachPart makes the bag of wrap applied to every partition of b, the
// ones a sequence will be cut into included. exact tells whether wrap
// maps one element to one element.
func eachPart[T, U any](b Bag[T], exact bool, wrap func(*part[T]) *part[U]) Bag[U] {
	if b.err != nil {
		return Bag[U]{g: b.g, err: b.err}
	}
	out := Bag[U]{g: b.g}
	if b.parts != nil {
		out.parts = make([]*part[U], len(b.parts))
		for i, p := range b.parts {
			out.parts[i] = wrap(p)
		}
	}
	if u := b.seq; u != nil {
		out.seq = &unbounded[U]{
			exact: u.exact && exact,
			chunks: func(g *graph.Graph, k int) []*part[U] {
				ps := u.chunks(g, k)
				qs := make([]*part[U], len(ps))
				for i, p := range ps {
					qs[i] = wrap(p)
				}
				return qs
			},
			stream: func() *part[U] { return wrap(u.stream()) },
		}
	}
	return out
}
