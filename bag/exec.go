package bag

import (
	"context"
	"errors"
	"runtime/debug"
	"unsafe"

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
	// files are the files a text source of the task reads, which its
	// places name by index.
	files []string
	// at, while a block whose elements' places are known is in the
	// stages, says where each was read (see locsOf).
	at positions
	// here, while a stage that calls user code outside a tracked kernel
	// (FlatMap's function) works on an element of known place, is that
	// place; execute names it if the code panics.
	here lineLoc
}

// lineLoc is where a line of a text source starts: the byte offset in
// x.files[file-1]; file 0 is no place. It holds no pointer, so the stages
// that copy places per element pay no write barrier.
type lineLoc struct {
	off  int64
	file int32
}

// positions are the places of a block's elements: locs[i] is where
// element i was read, for the block whose first element is at first.
//
// Stages pass blocks down by calling their sinks, so the positions of the
// block in flight are set by the stage that passes it (the text source, or
// a stage that carried them from its input, see passLocated) and belong
// to that block only. A stage that makes a new block without carrying
// them (MapBlocks, MapPartitions, Flatten) passes a block whose first
// element is not its input's (its own buffer, a piece of an element), so
// the stages after it find no positions: an error there names no file
// rather than a wrong line.
type positions struct {
	first any // a pointer to the block's first element
	locs  []lineLoc
}

// locsOf is where the elements of in were read, or nil when that is not
// known: in is not the block the positions were set for. A prefix of it
// (Take's) keeps them. Blocks of zero-size elements all start at the same
// address, so they carry none.
func locsOf[T any](x *exec, in []T) []lineLoc {
	if x.at.locs == nil || len(in) == 0 || len(in) > len(x.at.locs) ||
		unsafe.Sizeof(in[0]) == 0 || any(&in[0]) != x.at.first {
		return nil
	}
	return x.at.locs[:len(in)]
}

// passLocated passes blk to sink with locs as its elements' places (when
// not nil) for the stages downstream, then restores those of the block
// the caller is working on.
func passLocated[T any](x *exec, sink func([]T) bool, blk []T, locs []lineLoc) bool {
	if locs == nil {
		return sink(blk)
	}
	prev := x.at
	x.at = positions{&blk[0], locs}
	ok := sink(blk)
	x.at = prev
	return ok
}

// locate adds to the failure the file and line of an element read at l.
// The line number is counted here, on the error path, from the file's
// start. A failure located already (by the stage that failed, before a
// stage upstream saw it) keeps its place.
func (x *exec) locate(l lineLoc) {
	pe, ok := x.err.(*PartitionError)
	if !ok || pe.Path != "" || l.file < 1 || int(l.file) > len(x.files) {
		return
	}
	path := x.files[l.file-1]
	pe.Path, pe.Offset = path, l.off
	if n, err := LineNumber(path, l.off); err == nil {
		pe.Line = n
	}
}

// trackedBlock runs a blockwise kernel over a block whose elements' places
// are locs, one element at a time, so that when it fails or panics the
// error names the element's file and line. It returns how many elements
// it wrote to out, or −1 after a failure, and where they were read: locs
// itself while every element made one, else the places of those it
// made, in kept's storage. Only blocks of known places pay the call per
// element, which costs little next to reading a line; the kernels of the
// other sources keep their tight loops.
func trackedBlock[T, U any](x *exec, kernel func(x *exec, out []U, in []T) int, out []U, in []T, locs, kept []lineLoc) (n int, outLocs []lineLoc) {
	i := 0
	defer func() {
		if v := recover(); v != nil {
			x.fail(&sched.PanicError{Value: v, Stack: debug.Stack()})
			x.locate(locs[i])
			n, outLocs = -1, nil
		}
	}()
	moved := false // an element made other than one output: kept holds the places
	for ; i < len(in); i++ {
		k := kernel(x, out[n:], in[i:i+1])
		if k < 0 {
			x.locate(locs[i])
			return -1, nil
		}
		if k != 1 && !moved {
			moved, kept = true, append(kept[:0], locs[:i]...)
		}
		if moved {
			for range k {
				kept = append(kept, locs[i])
			}
		}
		n += k
	}
	if moved {
		return n, kept
	}
	return n, locs
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
			pe := &PartitionError{Stage: x.stage, Partition: idx, Err: &sched.PanicError{Value: v, Stack: debug.Stack()}}
			if x.here.file != 0 {
				x.err = pe
				x.locate(x.here)
			}
			res, err = nil, pe
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
//
// A stage that knows where its inputs were read (FlatMap over text) adds
// with addAt, and the block carries those places on while every element
// of it has one (len(locs) == n).
type appender[T any] struct {
	buf  []T
	n    int
	sink func([]T) bool
	ok   bool
	x    *exec // set by the stage that adds with addAt
	locs []lineLoc
}

func newAppender[T any](sink func([]T) bool) *appender[T] {
	return &appender[T]{buf: make([]T, blockSize), sink: sink, ok: true}
}

// add appends v and passes a full block on; false means stop.
func (a *appender[T]) add(v T) bool {
	a.buf[a.n] = v
	a.n++
	if a.n == len(a.buf) {
		a.pass()
	}
	return a.ok
}

// addAt is add for an element made from one read at l; a.x must be set.
func (a *appender[T]) addAt(v T, l lineLoc) bool {
	if len(a.locs) == a.n {
		a.locs = append(a.locs, l)
	}
	return a.add(v)
}

// pass hands the block on, with its places if it has them all.
func (a *appender[T]) pass() {
	blk := a.buf[:a.n]
	if a.n > 0 && len(a.locs) == a.n {
		a.ok = passLocated(a.x, a.sink, blk, a.locs)
	} else {
		a.ok = a.sink(blk)
	}
	a.n, a.locs = 0, a.locs[:0]
}

// flush passes on what is left.
func (a *appender[T]) flush() {
	if a.ok && a.n > 0 {
		a.pass()
	}
}
