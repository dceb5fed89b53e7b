package bag

import (
	"context"
	"fmt"
	"iter"
	"math"
	"runtime/debug"
	"sync"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// FromSlice makes a bag of xs's elements, in order. Partitions are pieces
// of xs itself, not copies, so xs must not change until the graph has run.
// By default up to 128 elements make one partition each, more make at
// least 128 partitions of up to 32Ki elements (at most 4096 partitions; see
// the package documentation's "Partitions"); Partitions and PartitionSize
// override that.
func FromSlice[T any](g *graph.Graph, xs []T, opts ...Option) Bag[T] {
	c := configure(opts)
	if c.err != nil {
		return bad[T](g, "from-slice", c.err)
	}
	n := len(xs)
	p, err := c.count(n)
	if err != nil {
		return bad[T](g, "from-slice", fmt.Errorf("%w (from-slice)", err))
	}
	b := Bag[T]{g: g, parts: make([]*part[T], p)}
	for i := range p {
		lo, hi := c.bounds(n, p, i), c.bounds(n, p, i+1)
		// A constant leaf: the piece is already in memory, so reading
		// it costs no task and a consumer reads it in place.
		b.parts[i] = &part[T]{memo: graph.Value(g, "from-slice", any(xs[lo:hi:hi])), remote: c.remote}
	}
	return b
}

// Range makes the bag of the integers lo, lo+1, …, hi-1 (empty when
// hi ≤ lo; ErrInvalid when hi-lo exceeds math.MaxInt). The integers are
// made inside the tasks that consume them, a
// block at a time, so a range costs no memory. Partitioning as FromSlice.
func Range(g *graph.Graph, lo, hi int, opts ...Option) Bag[int] {
	c := configure(opts)
	if c.err != nil {
		return bad[int](g, "range", c.err)
	}
	n := 0
	if hi > lo {
		n = hi - lo
		if n < 0 { // hi-lo overflowed
			return invalid[int](g, "range", "[%d, %d) holds more than %d integers", lo, hi, math.MaxInt)
		}
	}
	p, err := c.count(n)
	if err != nil {
		return bad[int](g, "range", fmt.Errorf("%w (range)", err))
	}
	b := Bag[int]{g: g, parts: make([]*part[int], p)}
	for i := range p {
		a, z := lo+c.bounds(n, p, i), lo+c.bounds(n, p, i+1)
		b.parts[i] = sourcePart("range", func() producer[int] { return rangeSource(a, z) })
		b.parts[i].unshared = z-a > maxKept
		b.parts[i].remote = c.remote
	}
	return b
}

// FromDelayed makes a bag with one partition per Delayed slice, in order:
// how a computed value, or a hand-built graph, becomes a bag. Use
// graph.Gather to turn Delayed elements into a Delayed slice.
func FromDelayed[T any](g *graph.Graph, parts ...graph.Delayed[[]T]) Bag[T] {
	return FromDelayedSlice(g, parts)
}

// FromDelayedSlice is FromDelayed with the partitions in a slice and
// options. It reads Remote: the tasks that run the partitions' stages
// are then marked graph.Remote, and receive their partition, the value of
// its Delayed, as their argument (so T must be a type the executor can
// carry); the tasks that make the Delayed slices keep their own options.
func FromDelayedSlice[T any](g *graph.Graph, parts []graph.Delayed[[]T], opts ...Option) Bag[T] {
	c := configure(opts)
	if c.err != nil {
		return bad[T](g, "from-delayed", c.err)
	}
	b := Bag[T]{g: g, parts: make([]*part[T], len(parts))}
	for i, d := range parts {
		switch {
		case d.Graph() == nil:
			return bad[T](g, "from-delayed", fmt.Errorf("bag: from-delayed: partition %d: %w", i, graph.ErrZeroHandle))
		case d.Graph() != g:
			return bad[T](g, "from-delayed", fmt.Errorf("bag: from-delayed: partition %d: %w", i, graph.ErrForeignHandle))
		}
		p := depPart("from-delayed", d, sliceSource[T])
		p.typed = d
		p.remote = c.remote
		b.parts[i] = p
	}
	return b
}

// FromSeq makes the bag of a sequence, a Go generator, possibly infinite.
// Its length is not known when the graph is built, so the bag is
// unbounded: element-wise stages apply to it, and Take bounds it; every
// other stage reports ErrUnbounded.
//
// Take(FromSeq(g, seq), k), or Take after Map stages, cuts the first k
// elements into partitions, in order: a chain of tasks pulls one partition
// after another from the sequence, and later stages run on each partition
// as soon as it is cut, in parallel with the next pull. The partitions are
// those FromSlice would make of k elements, or of PartitionSize elements
// when given; either way there are at most 4096 of them, so a huge k makes
// larger partitions rather than a huge graph. A partition holds only the
// elements the sequence yields: Take(FromSeq(g, tenElements), 1e11) makes
// 4096 partitions, all but the first empty, in the memory of ten elements.
// Peak memory is a few partitions per worker. After a stage that changes
// the count (Filter, FlatMap, …) the k-th output is not at a known place,
// so Take streams the whole pipeline in one task, which also runs in
// constant memory.
//
// The sequence is iterated once per computation that needs it, from the
// start; a run that stops early (an error, a cancelled context, or a
// Take that has enough) stops the sequence as iter.Pull does.
//
// FromSeq reads PartitionSize and Remote. The sequence is always iterated
// in the run's own process: the chain of tasks that cuts it shares one
// iterator. With Remote, the tasks that run the stages on the cut
// partitions are marked graph.Remote, and each receives its partition's
// elements, taken from the cut by a local task ("from-seq-chunk"), as its
// argument; the single task that streams the whole sequence (a Take after
// a stage that changes the count) iterates it, so it stays local.
func FromSeq[T any](g *graph.Graph, seq iter.Seq[T], opts ...Option) Bag[T] {
	c := configure(opts)
	switch {
	case c.err != nil:
		return bad[T](g, "from-seq", c.err)
	case seq == nil:
		return bad[T](g, "from-seq", nilFunc("from-seq"))
	case c.parts > 0:
		return invalid[T](g, "from-seq", "the length of a sequence is unknown: use PartitionSize, not Partitions")
	}
	return Bag[T]{g: g, seq: &unbounded[T]{
		exact:  true,
		chunks: func(g *graph.Graph, k int) []*part[T] { return seqChunks(g, seq, k, c.seqSize(k), c.remote) },
		stream: func() *part[T] {
			p := sourcePart("from-seq", func() producer[T] { return seqSource(seq) })
			p.unshared = true // the whole sequence: never kept
			return p
		},
	}}
}

// seqSource streams a whole sequence in blocks.
func seqSource[T any](seq iter.Seq[T]) producer[T] {
	return func(x *exec, sink func([]T) bool) {
		if !x.live() {
			return
		}
		x.stage = "from-seq"
		a := newAppender(func(b []T) bool {
			ok := x.live() && sink(b)
			x.stage = "from-seq"
			return ok
		})
		for v := range seq {
			if !a.add(v) {
				return
			}
		}
		if x.live() {
			a.flush()
		}
	}
}

// chunk is one cut of a sequence and the cursor that cuts the next one.
type chunk[T any] struct {
	items []T
	cur   *cursor[T]
}

// cursor is a sequence being cut into chunks during one run. The chain of
// cutting tasks passes it along, so they run one after another; the mutex
// is for the run's end, which may stop the sequence while a cut is in
// progress.
type cursor[T any] struct {
	mu     sync.Mutex
	next   func() ([]T, bool)
	stop   func()
	want   int // size of the chunk being cut; read by the sequence's side
	done   bool
	unhook func() bool
}

// seqChunks adds the chain of tasks cutting the first k elements of seq
// into partitions of size elements. With remote, a partition's tasks are
// marked graph.Remote and read its elements alone from a local task, for
// a cut holds the cursor too, which lives in this process.
func seqChunks[T any](g *graph.Graph, seq iter.Seq[T], k, size int, remote bool) []*part[T] {
	n := ceilDiv(k, size)
	parts := make([]*part[T], n)
	var prev graph.Delayed[chunk[T]]
	for i := range n {
		want, last := min(size, k-i*size), i == n-1
		var d graph.Delayed[chunk[T]]
		if i == 0 {
			d = graph.Source(g, "from-seq", func(ctx context.Context) (chunk[T], error) {
				return openCursor(ctx, seq).cut(0, want, last)
			})
		} else {
			d = graph.CallCtx(g, "from-seq", func(_ context.Context, c chunk[T]) (chunk[T], error) {
				return c.cur.cut(i, want, last)
			}, prev)
		}
		if remote {
			items := graph.Call(g, "from-seq-chunk", func(c chunk[T]) []T { return c.items }, d)
			parts[i] = depPart("chunk", items, sliceSource[T])
			parts[i].remote = true
		} else {
			parts[i] = depPart("chunk", d, func(c chunk[T]) producer[T] { return sliceSource(c.items) })
		}
		parts[i].unshared = want > maxKept
		prev = d
	}
	return parts
}

// openCursor starts cutting seq for one run. The sequence runs as a
// coroutine (iter.Pull) that fills a whole chunk per switch, so the switch
// costs nothing per element. If the run ends before the last chunk is cut
// (an error, a cancellation, a graph that needed only the first chunks),
// the end of the run's context stops the coroutine.
func openCursor[T any](ctx context.Context, seq iter.Seq[T]) *cursor[T] {
	c := &cursor[T]{}
	chunks := func(yield func([]T) bool) {
		var buf []T
		want := 0
		for v := range seq {
			if buf == nil {
				// c.want is read here, after the switch from the cutting
				// task that set it. The chunk grows with what the sequence
				// yields: a large want costs nothing until it is filled.
				want = c.want
				buf = make([]T, 0, min(want, blockSize))
			}
			buf = append(buf, v)
			if len(buf) == want { // hand the chunk over before pulling more
				if !yield(buf) {
					return
				}
				buf = nil
			}
		}
		if buf != nil {
			yield(buf)
		}
	}
	c.next, c.stop = iter.Pull(chunks)
	c.unhook = context.AfterFunc(ctx, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		defer func() { _ = recover() }() // the run is over: nobody to tell
		c.finish()
	})
	return c
}

// cut takes the next want elements as partition i.
func (c *cursor[T]) cut(i, want int, last bool) (ch chunk[T], err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer func() {
		if v := recover(); v != nil {
			c.done = true // iter.Pull has given up on the sequence too
			c.unhook()
			err = &PartitionError{Stage: "from-seq", Partition: i, Err: &sched.PanicError{Value: v, Stack: debug.Stack()}}
		}
	}()
	ch.cur = c
	if c.done {
		return ch, nil
	}
	c.want = want
	items, ok := c.next()
	ch.items = items
	if !ok || last {
		c.finish()
	}
	return ch, nil
}

// finish stops the sequence; the caller holds mu.
func (c *cursor[T]) finish() {
	if c.done {
		return
	}
	c.done = true
	c.unhook()
	c.stop()
}
