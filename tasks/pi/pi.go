package pi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/bits"
)

// ErrArgument is wrapped by every error about an argument out of range.
var ErrArgument = errors.New("pi: invalid argument")

// Chunk throws n points at the square [−1, 1)² and returns how many land
// inside the unit circle. The points come from a generator seeded from
// (seed, index) alone, so the same arguments always give the same count, and
// chunks with different indices are independent. Chunk returns 0 when n ≤ 0.
func Chunk(seed uint64, index int, n int) (hits int) {
	g := newStream(seed, index)
	return g.throw(n)
}

// ChunkContext is Chunk that stops with ctx's error when ctx is cancelled
// in the middle: it throws its points in blocks of checkEvery and looks at
// ctx between two blocks, so that a chunk of 10¹⁸ points stops within a
// fraction of a millisecond. The count is Chunk's, bit for bit.
func ChunkContext(ctx context.Context, seed uint64, index int, n int) (int, error) {
	g := newStream(seed, index)
	done := ctx.Done()
	hits := 0
	for n > 0 {
		m := min(n, checkEvery)
		hits += g.throw(m)
		n -= m
		select {
		case <-done:
			return 0, ctx.Err()
		default:
		}
	}
	return hits, nil
}

// checkEvery is how many points ChunkContext throws between two looks at
// its context: about 0.1 ms of work, against a look that costs a few
// nanoseconds.
const checkEvery = 1 << 16

// throw throws n points and returns how many land inside the unit circle.
func (g *stream) throw(n int) (hits int) {
	// stream.next written out on locals: the compiler then keeps the state
	// in registers, about 30% faster than calling g.next (measured).
	s0, s1, s2, s3 := g.s0, g.s1, g.s2, g.s3
	for range n {
		u := bits.RotateLeft64(s0+s3, 23) + s0
		t := s1 << 17
		s2 ^= s0
		s3 ^= s1
		s1 ^= s2
		s0 ^= s3
		s2 ^= t
		s3 = bits.RotateLeft64(s3, 45)
		hits += inside(u)
	}
	g.s0, g.s1, g.s2, g.s3 = s0, s1, s2, s3
	return hits
}

// inside returns 1 if the point made of u's two halves lies inside the unit
// circle, else 0. With X, Y the signed halves, the point is (X, Y)/2³¹ and the
// test is X² + Y² < 2⁶²; the sum is at most 2⁶³ so it fits a uint64. The
// result comes from the sign bit of the difference instead of a branch, which
// would be mispredicted on about a fifth of the points.
func inside(u uint64) int {
	x, y := int64(int32(u)), int64(int32(u>>32))
	r := uint64(x*x) + uint64(y*y)
	return int((r - 1<<62) >> 63)
}

// Estimate returns the estimate 4·hits/samples of π and its standard error
// 4·√(p(1−p)/samples) with p = hits/samples (the binomial error of the
// fraction of hits).
func Estimate(hits, samples int) (pi, stderr float64, err error) {
	if samples <= 0 {
		return 0, 0, fmt.Errorf("%w: %d samples", ErrArgument, samples)
	}
	if hits < 0 || hits > samples {
		return 0, 0, fmt.Errorf("%w: %d hits out of %d samples", ErrArgument, hits, samples)
	}
	n := float64(samples)
	p := float64(hits) / n
	return 4 * p, 4 * math.Sqrt(p*(1-p)/n), nil
}

// Split divides samples into the sizes of the given number of chunks: each
// gets samples/chunks, and the first samples%chunks get one more, so sizes
// differ by at most one and the split depends on nothing else.
func Split(samples, chunks int) ([]int, error) {
	if samples < 0 {
		return nil, fmt.Errorf("%w: %d samples", ErrArgument, samples)
	}
	if chunks <= 0 {
		return nil, fmt.Errorf("%w: %d chunks", ErrArgument, chunks)
	}
	sizes := make([]int, chunks)
	q, r := samples/chunks, samples%chunks
	for i := range sizes {
		sizes[i] = q
		if i < r {
			sizes[i]++
		}
	}
	return sizes, nil
}

// Run is the serial reference: it splits samples into chunks, runs chunk i
// with index i, one after another, and returns the total number of hits. Any
// schedule that runs the same chunks gets the same total.
func Run(seed uint64, samples, chunks int) (hits int, err error) {
	sizes, err := Split(samples, chunks)
	if err != nil {
		return 0, err
	}
	for i, n := range sizes {
		hits += Chunk(seed, i, n)
	}
	return hits, nil
}
