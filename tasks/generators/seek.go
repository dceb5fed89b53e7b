package generators

import (
	"context"
	"iter"
	"math"

	"github.com/seed001e6470/taskgraph/graph"
)

// A generator that can start anywhere: from(k) yields the values after
// its first k, so that k+1 is its first. The three of this package have
// such a form, which lets the shares of a long prefix be folded at once,
// each in its own task and perhaps on its own machine (Split), where one
// generator must be pulled in order (Stream).

// IntegersFrom yields the values of Integers after its first k.
func IntegersFrom(k int) iter.Seq[int] {
	if k < 0 || k >= math.MaxInt {
		return func(func(int) bool) {}
	}
	return integersFrom(k + 1)
}

// EvenFrom yields the values of Even after its first k.
func EvenFrom(k int) iter.Seq[int] { return doubled(IntegersFrom(k)) }

// FibonacciFrom yields the values of Fibonacci after its first k. It
// steps over them: there are at most 92.
func FibonacciFrom(k int) iter.Seq[int] {
	return func(yield func(int) bool) {
		i := 0
		for v := range Fibonacci() {
			if i++; i > k && !yield(v) {
				return
			}
		}
	}
}

// Split adds to g the Summary of the first n values of the generator that
// from starts anywhere (IntegersFrom, say), as Stream does, but the shares
// are independent: a task named "part" per share starts the generator at
// its share's first value and folds the share a block at a time, looking
// at its context after each, and a task named "summary" merges the
// tallies in order. The parts run at once, so opts (graph.Remote: on a
// cluster; graph.Retries) are given to them. A generator that stops early
// (Fibonacci after 92 values) leaves the later parts empty, and the
// Summary's Count says how many values there were.
func Split(g *graph.Graph, from func(k int) iter.Seq[int], n, parts int, opts ...graph.Option) (graph.Delayed[Summary], error) {
	if err := checkShares(g == nil || from == nil, n, parts); err != nil {
		return graph.Delayed[Summary]{}, err
	}
	ts := make([]graph.Delayed[tally], parts)
	first := 0
	for i := range ts {
		k := n/parts + boolInt(i < n%parts)
		lo := first
		ts[i] = graph.Source(g, "part", func(ctx context.Context) (tally, error) {
			return foldShare(ctx, Take(from(lo), k))
		}, opts...)
		first += k
	}
	return graph.CallSlice(g, "summary", func(_ context.Context, ts []tally) (Summary, error) {
		var t tally
		for _, u := range ts {
			t = t.merge(u)
		}
		return t.summary(), nil
	}, ts), nil
}

// foldShare folds seq a block at a time, stopping when ctx ends.
func foldShare(ctx context.Context, seq iter.Seq[int]) (tally, error) {
	var t tally
	buf := make([]int, 0, streamBlock)
	for v := range seq {
		if buf = append(buf, v); len(buf) == streamBlock {
			if err := ctx.Err(); err != nil {
				return t, err
			}
			t, buf = t.addBlock(buf), buf[:0]
		}
	}
	return t.addBlock(buf), ctx.Err()
}
