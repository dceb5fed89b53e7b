package bag

import (
	"fmt"
	"math/bits"
)

// Option tunes how a bag is split or reduced. Each function says which
// options it reads; it ignores the others. A value out of range is a
// building mistake (ErrInvalid), reported like any other.
type Option func(*config)

type config struct {
	parts int   // partition count
	size  int   // elements per partition
	block int64 // bytes per text block
	every int   // fan-in of a reduction tree
	line  int   // longest line ReadText reads
	files int   // files per partition of ReadText
	out   int   // output partitions of a shuffle
	// remote marks the partitions' tasks graph.Remote
	remote bool
	err    error
}

// Partitions asks for n partitions (n ≥ 1, at most 4Mi). Read by
// FromSlice, Range and ReadText (which then cuts blocks of about total/n
// bytes).
func Partitions(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.fail(fmt.Errorf("%w: Partitions(%d): need at least 1", ErrInvalid, n))
		}
		c.parts, c.size = n, 0
	}
}

// PartitionSize asks for partitions of n elements (n ≥ 1; the last may be
// smaller; at most 4Mi partitions). Read by FromSlice, Range and FromSeq
// (which makes partitions larger when k would need more than 4096).
func PartitionSize(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.fail(fmt.Errorf("%w: PartitionSize(%d): need at least 1", ErrInvalid, n))
		}
		c.size, c.parts = n, 0
	}
}

// BlockSize cuts text files larger than n bytes into blocks of about n
// bytes, one partition each, never cutting a line. Read by ReadText.
func BlockSize(n int64) Option {
	return func(c *config) {
		if n < 1 {
			c.fail(fmt.Errorf("%w: BlockSize(%d): need at least 1", ErrInvalid, n))
		}
		c.block = n
	}
}

// SplitEvery sets how many partial results one task of a reduction tree
// combines (k ≥ 2; default 8): a smaller k makes a deeper tree of cheaper
// tasks. Read by every reduction.
func SplitEvery(k int) Option {
	return func(c *config) {
		if k < 2 {
			c.fail(fmt.Errorf("%w: SplitEvery(%d): need at least 2", ErrInvalid, k))
		}
		c.every = k
	}
}

// FilesPerPartition makes ReadText put n files in one partition (n ≥ 1;
// default 1), in order, for many small files, where a task per file would
// cost more than reading it (Dask's files_per_partition). A file larger
// than BlockSize is still cut into blocks of its own.
func FilesPerPartition(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.fail(fmt.Errorf("%w: FilesPerPartition(%d): need at least 1", ErrInvalid, n))
		}
		c.files = n
	}
}

// MaxLineSize bounds the length of a line that ReadText reads (n ≥ 1
// bytes, not counting its newline; default 16 MiB). A longer line fails
// the partition's task with ErrLineTooLong, naming the file and the line's
// line number and byte offset, instead of reading on until memory runs out (a file of
// binary data, /dev/zero). Read by ReadText.
func MaxLineSize(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.fail(fmt.Errorf("%w: MaxLineSize(%d): need at least 1", ErrInvalid, n))
		}
		c.line = n
	}
}

// Remote lets the tasks that run a bag's partitions run in another
// process: each is marked graph.Remote, so a run with an executor
// (sched.WithExecutor, a cluster.Job) hands it over, and without one it
// runs in the run's own pool as usual (see "Remote partitions" in the
// package doc for how their values travel). Read by FromSlice, Range,
// FromDelayedSlice, FromSeq, ReadText, ReadLines and ReadJSON (the files
// must then be readable at the same paths where the tasks run). A sequence is iterated in the run's own
// process, so for FromSeq the marked tasks are those that run the stages
// on the partitions cut from it, which receive the cut elements; the
// cutting stays local.
//
// The mark follows the partitions through every stage: a partition's task
// is the one that consumes it (a reduction's leaf, a write, a shuffle's
// split, a collect) with all the pending stages fused into it, so the
// stages run where the task runs and only whole partitions or partial
// results travel, never single elements. The marked tasks are those
// fused chains, the "shared|…" tasks that read a partition kept for
// several consumers, the splits and merges of a shuffle (Groups,
// FoldGroups, JoinBag), and the pieces of Zip, Map3, MapN, Repartition,
// Accumulate, Take and Persist made from marked partitions. The tasks that only combine
// partial results (a reduction tree's upper levels), the single task of a
// grouped result's bag (Items, Distinct), the writes' settling, a
// sequence's cutting and the task that streams a whole sequence stay where
// the run is.
func Remote() Option { return func(c *config) { c.remote = true } }

func (c *config) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// The default partitioning. A bag does not know what its elements cost, so
// the rule serves both ends:
//
//   - A small collection is likely to hold costly elements (file names,
//     tiles, URLs): up to minDefaultPartitions elements make one partition
//     each, and more make at least minDefaultPartitions partitions, so a
//     handful of costly elements runs in parallel on any machine.
//   - A large collection of cheap elements must not drown in task overhead
//     (about a microsecond each): partitions never go below 32Ki elements
//     unless that would make fewer than minDefaultPartitions of them, so
//     a partition's work dwarfs its task from 4Mi elements on.
//   - Huge inputs make bigger partitions, not huge graphs: the count is
//     capped at maxDefaultPartitions.
//
// A cheap collection between those ends (a few thousand elements) pays at
// most minDefaultPartitions tasks, a fraction of a millisecond. The rule
// depends on the length only, never on the machine, so a graph has the
// same shape wherever it is built.
const (
	minDefaultPartitions = 128
	defaultPartitionSize = 1 << 15
	maxDefaultPartitions = 1 << 12
	defaultBlockSize     = 32 << 20
	defaultLineSize      = 16 << 20
	defaultSplitEvery    = 8
	// maxPartitions bounds what Partitions and PartitionSize may ask for:
	// each partition costs a few hundred bytes of graph before it runs,
	// so a typo (PartitionSize(1) over 10¹² integers) must be a clear
	// error, not an exhausted memory.
	maxPartitions = 1 << 22
)

func configure(opts []Option) config {
	var c config
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.every == 0 {
		c.every = defaultSplitEvery
	}
	if c.line == 0 {
		c.line = defaultLineSize
	}
	return c
}

// count is the number of partitions for n elements (see the default rule
// above), or an error when the options ask for more than maxPartitions.
func (c *config) count(n int) (int, error) {
	var k int
	switch {
	case c.parts > 0:
		k = c.parts
	case c.size > 0:
		k = ceilDiv(n, c.size)
	case n <= minDefaultPartitions:
		return n, nil
	default:
		return min(max(ceilDiv(n, defaultPartitionSize), minDefaultPartitions), maxDefaultPartitions), nil
	}
	if k > maxPartitions {
		return 0, fmt.Errorf("%w: %d elements would make %d partitions, more than %d: ask for fewer",
			ErrInvalid, n, k, maxPartitions)
	}
	return k, nil
}

// ceilDiv is ⌈n/d⌉ for n ≥ 0, d ≥ 1, without the overflow of n+d-1.
func ceilDiv(n, d int) int {
	q := n / d
	if n%d != 0 {
		q++
	}
	return q
}

// bounds is where partition i of p starts in n elements: sizes differ by at
// most one, except with PartitionSize, where all but the last are full.
// i·n is computed in 128 bits, so n may be as large as an int goes.
func (c *config) bounds(n, p, i int) int {
	if c.size > 0 {
		if i >= p {
			return n
		}
		return i * c.size // i < p = ⌈n/size⌉: below n, no overflow
	}
	hi, lo := bits.Mul64(uint64(i), uint64(n))
	q, _ := bits.Div64(hi, lo, uint64(p)) // i ≤ p, so the quotient fits
	return int(q)
}

// seqSize is the partition size for cutting the first k elements of a
// sequence: PartitionSize, or FromSlice's rule for k elements, made larger
// where it would cut more than maxDefaultPartitions partitions.
func (c *config) seqSize(k int) int {
	size := c.size
	if size == 0 {
		p, _ := c.count(k) // the default rule cannot fail
		size = max(1, ceilDiv(k, max(p, 1)))
	}
	if ceilDiv(k, size) > maxDefaultPartitions {
		size = ceilDiv(k, maxDefaultPartitions)
	}
	return size
}
