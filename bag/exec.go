package bag

import (
	"context"
	"errors"
	"runtime/debug"

	"github.com/seed001e6470/taskgraph/sched"
)

// blockSize is how many elements travel together between fused stages.
// A block fits in L1 for small T, and a few hundred elements are enough
// to make the per-block costs (a context check, a call per stage)
// vanish next to the per-element ones.
const blockSize = 512

// producer pushes a partition's elements to sink, a block at a time, until
// they run out, sink returns false, or x records an error. A block is never
// empty; it is only valid during the call and must not be modified: it may
// be a piece of a partition that other tasks read too.
//
// Pushing blocks rather than pulling elements keeps a fused pipeline to one
// call per stage per block; the per-element work is a tight loop per stage.
type producer[T any] func(x *exec, sink func(block []T) bool)

// exec is the state of one partition task while it runs.
type exec struct {
	ctx   context.Context
	part  int
	stage string // the stage running user code now, for error reports
	err   error  // the first failure; it stops the pipeline
	// src, while a text source's block is in the stages, is where each
	// of its elements was read (see locate).
	src *[]lineLoc
}

// lineLoc is where a line of a text source starts.
type lineLoc struct {
	path string
	off  int64
}

// locate adds to the failure the file and line of element i of the text
// source's block in flight. Only tracked kernels call it (see tracked),
// whose input blocks are the source's own. The line number is counted
// here, on the error path, from the file's start.
func (x *exec) locate(i int) {
	pe, ok := x.err.(*PartitionError)
	if !ok || x.src == nil || i >= len(*x.src) || pe.Path != "" {
		return
	}
	l := (*x.src)[i]
	pe.Path, pe.Offset = l.path, l.off
	if n, err := LineNumber(l.path, l.off); err == nil {
		pe.Line = n
	}
}

// tracked runs kernel one element at a time and, when it fails or
// panics, says which element of the block it was. It serves the stages of
// a text source's partitions that keep their elements' positions (Map,
// MapErr, then a Filter), so their errors name the file and line: the
// call per element costs nothing next to reading a line, and the other
// sources' kernels keep their tight loops.
func tracked[T, U any](kernel func(x *exec, out []U, in []T) int) func(x *exec, out []U, in []T) int {
	return func(x *exec, out []U, in []T) (n int) {
		i := 0
		defer func() {
			if v := recover(); v != nil {
				x.fail(&sched.PanicError{Value: v, Stack: debug.Stack()})
				x.locate(i)
				n = -1
			}
		}()
		for ; i < len(in); i++ {
			k := kernel(x, out[n:], in[i:i+1])
			if k < 0 {
				x.locate(i)
				return -1
			}
			n += k
		}
		return n
	}
}

// trackedIf is kernel, tracked when on is set.
func trackedIf[T, U any](on bool, kernel func(x *exec, out []U, in []T) int) func(x *exec, out []U, in []T) int {
	if on {
		return tracked(kernel)
	}
	return kernel
}

// fail records err as the failure of the current stage and returns false,
// so a sink can end with `return x.fail(err)`.
func (x *exec) fail(err error) bool {
	if x.err == nil {
		x.err = &PartitionError{Stage: x.stage, Partition: x.part, Err: err}
	}
	return false
}

// live reports whether the run still wants results: sources ask once per
// block, so a cancelled run stops within a block.
func (x *exec) live() bool {
	if x.err != nil {
		return false
	}
	if err := x.ctx.Err(); err != nil {
		return x.fail(err)
	}
	return true
}

// execute runs one partition's task: fn over src. A panic in any stage
// becomes a PartitionError naming that stage and wrapping a
// *sched.PanicError, so it tells the partition as well as the task.
func execute[T any](ctx context.Context, idx int, src producer[T], after any, fn consume[T]) (res any, err error) {
	x := &exec{ctx: ctx, part: idx}
	defer func() {
		if v := recover(); v != nil {
			res, err = nil, &PartitionError{Stage: x.stage, Partition: idx, Err: &sched.PanicError{Value: v, Stack: debug.Stack()}}
		}
	}()
	res, err = fn(x, src, after)
	if x.err != nil {
		return nil, x.err
	}
	if err != nil {
		if pe := (*PartitionError)(nil); !errors.As(err, &pe) {
			err = &PartitionError{Stage: x.stage, Partition: idx, Err: err}
		}
		return nil, err
	}
	return res, nil
}

// sliceSource pushes a computed partition in blocks, without copying.
func sliceSource[T any](xs []T) producer[T] {
	return func(x *exec, sink func([]T) bool) {
		for lo := 0; lo < len(xs); lo += blockSize {
			if !x.live() || !sink(xs[lo:min(lo+blockSize, len(xs))]) {
				return
			}
		}
	}
}

// concatSource pushes several computed partitions one after another.
func concatSource[T any](xss [][]T) producer[T] {
	return func(x *exec, sink func([]T) bool) {
		ok := true
		for _, xs := range xss {
			sliceSource(xs)(x, func(b []T) bool {
				ok = sink(b)
				return ok
			})
			if !ok || x.err != nil {
				return
			}
		}
	}
}

// rangeSource makes the integers [lo, hi) without storing more than a
// block of them.
func rangeSource(lo, hi int) producer[int] {
	return func(x *exec, sink func([]int) bool) {
		buf := make([]int, min(blockSize, max(hi-lo, 0)))
		// next is a local: the closure's own lo would live on the heap,
		// and every store to the block would force a reload of it.
		for next := lo; next < hi; {
			if !x.live() {
				return
			}
			b := buf[:min(blockSize, hi-next)]
			fillRange(b, next)
			if !sink(b) {
				return
			}
			next += len(b)
		}
	}
}

// fillRange sets b to v, v+1, …, eight at a time through an array
// pointer: one length check per eight stores and no bounds checks, about
// three instructions per element where a plain loop takes five.
func fillRange(b []int, v int) {
	for len(b) >= 8 {
		b8 := (*[8]int)(b)
		b8[0], b8[1], b8[2], b8[3] = v, v+1, v+2, v+3
		b8[4], b8[5], b8[6], b8[7] = v+4, v+5, v+6, v+7
		v += 8
		b = b[8:]
	}
	for i := range b {
		b[i] = v + i
	}
}

// appender collects elements into blocks for stages whose output count is
// not their input count (FlatMap, MapPartitions, sequences). It writes by
// index into a fixed block: an append to a slice that lives outside the
// loop costs three stores per element, this costs two.
type appender[T any] struct {
	buf  []T
	n    int
	sink func([]T) bool
	ok   bool
}

func newAppender[T any](sink func([]T) bool) *appender[T] {
	return &appender[T]{buf: make([]T, blockSize), sink: sink, ok: true}
}

// add appends v and passes a full block on; false means stop.
func (a *appender[T]) add(v T) bool {
	a.buf[a.n] = v
	a.n++
	if a.n == len(a.buf) {
		a.ok = a.sink(a.buf)
		a.n = 0
	}
	return a.ok
}

// flush passes on what is left.
func (a *appender[T]) flush() {
	if a.ok && a.n > 0 {
		a.ok = a.sink(a.buf[:a.n])
		a.n = 0
	}
}
