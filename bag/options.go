package bag

import "fmt"

// Option tunes how a bag is split or reduced. Each function says which
// options it reads; it ignores the others. A value out of range is a
// building mistake (ErrInvalid), reported like any other.
type Option func(*config)

type config struct {
	parts int   // partition count
	size  int   // elements per partition
	block int64 // bytes per text block
	every int   // fan-in of a reduction tree
	err   error
}

// Partitions asks for n partitions (n ≥ 1). Read by FromSlice, Range and
// ReadText (which then cuts blocks of about total/n bytes).
func Partitions(n int) Option {
	return func(c *config) {
		if n < 1 {
			c.fail(fmt.Errorf("%w: Partitions(%d): need at least 1", ErrInvalid, n))
		}
		c.parts, c.size = n, 0
	}
}

// PartitionSize asks for partitions of n elements (n ≥ 1; the last may be
// smaller). Read by FromSlice, Range and FromSeq.
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

func (c *config) fail(err error) {
	if c.err == nil {
		c.err = err
	}
}

// Defaults. A partition of 32Ki elements is big enough that a task's
// overhead (about a microsecond) is lost in its work even at a nanosecond
// per element, and small enough that a million elements still make 31
// partitions to spread over the cores. The count is capped so that huge
// inputs make bigger partitions rather than huge graphs.
const (
	defaultPartitionSize = 1 << 15
	maxDefaultPartitions = 1 << 12
	defaultSeqPartition  = 1 << 15
	defaultBlockSize     = 32 << 20
	defaultSplitEvery    = 8
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
	return c
}

// count is the number of partitions for n elements.
func (c *config) count(n int) int {
	switch {
	case c.parts > 0:
		return c.parts
	case c.size > 0:
		return (n + c.size - 1) / c.size
	}
	k := (n + defaultPartitionSize - 1) / defaultPartitionSize
	return min(k, maxDefaultPartitions)
}

// bounds is where partition i of p starts in n elements: sizes differ by at
// most one, except with PartitionSize, where all but the last are full.
func (c *config) bounds(n, p, i int) int {
	if c.size > 0 {
		return min(i*c.size, n)
	}
	return int(int64(i) * int64(n) / int64(p))
}
