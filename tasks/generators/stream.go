package generators

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"

	"github.com/seed001e6470/taskgraph/graph"
)

// ErrArgument is wrapped by the error of an argument out of range.
var ErrArgument = errors.New("generators: invalid argument")

// streamBlock is how many values a pull task folds between two looks at
// its context: a 32 KiB buffer, the only memory a stream holds.
const streamBlock = 4096

// Stream adds to g the Summary of the first n values of seq without ever
// holding them: a chain of parts tasks named "pull" takes seq's values
// one share after another (a generator yields in order, so the shares
// cannot be pulled at once), each folding its share into a running tally
// a block at a time, and a task named "summary" ends the chain. Memory
// stays at one block whatever n is, and a pull task looks at its context
// after every block, so a cancelled run stops at once even in a share of
// 10¹⁸ values. Summarize(Bag(…)) computes the same Summary with the
// values as a bag, partitions that later stages may work on in parallel,
// but a graph of n/PartitionSize tasks.
//
// The pull tasks share the generator, so they are not retried; the
// generator runs as a coroutine (iter.Pull) that the end of the run's
// context stops if the chain does not reach its end.
func Stream(g *graph.Graph, seq iter.Seq[int], n, parts int) (graph.Delayed[Summary], error) {
	if err := checkShares(g == nil || seq == nil, n, parts); err != nil {
		return graph.Delayed[Summary]{}, err
	}
	share := func(i int) int { return n/parts + boolInt(i < n%parts) }
	d := graph.Source(g, "pull", func(ctx context.Context) (link, error) {
		return link{c: openStream(ctx, seq)}.pull(ctx, share(0))
	})
	for i := 1; i < parts; i++ {
		d = graph.CallCtx(g, "pull", func(ctx context.Context, l link) (link, error) {
			return l.pull(ctx, share(i))
		}, d)
	}
	return graph.Call(g, "summary", func(l link) Summary {
		l.c.close()
		return l.t.summary()
	}, d), nil
}

// checkShares checks the arguments of a summary of n values in parts
// shares (Stream, Split); missing tells of a nil graph or generator.
func checkShares(missing bool, n, parts int) error {
	switch {
	case missing:
		return fmt.Errorf("%w: nil graph or generator", ErrArgument)
	case n < 0:
		return fmt.Errorf("%w: n = %d < 0", ErrArgument, n)
	case parts < 1 || parts > max(n, 1):
		return fmt.Errorf("%w: %d parts for %d values", ErrArgument, parts, n)
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// link is what a pull task hands the next: the generator and the tally
// of the values pulled so far.
type link struct {
	c *stream
	t tally
}

// pull folds the next k values into the tally.
func (l link) pull(ctx context.Context, k int) (link, error) {
	done := ctx.Done()
	for k > 0 {
		xs, ok := l.c.next(min(k, streamBlock))
		l.t = l.t.addBlock(xs)
		if !ok {
			return l, nil // the generator ended: nothing more to pull
		}
		k -= len(xs)
		select {
		case <-done:
			return l, ctx.Err()
		default:
		}
	}
	return l, nil
}

// stream is a generator being pulled a block at a time.
type stream struct {
	mu     sync.Mutex // next and close may race when the run ends
	want   int        // the size of the block being asked for
	pull   func() ([]int, bool)
	stop   func()
	unhook func() bool
	done   bool
}

func openStream(ctx context.Context, seq iter.Seq[int]) *stream {
	s := &stream{}
	blocks := func(yield func([]int) bool) {
		buf := make([]int, 0, streamBlock)
		for v := range seq {
			if buf = append(buf, v); len(buf) == s.want {
				if !yield(buf) {
					return
				}
				buf = buf[:0] // the tally has taken the values already
			}
		}
		if len(buf) > 0 {
			yield(buf)
		}
	}
	s.pull, s.stop = iter.Pull(blocks)
	// A run that ends before the chain does (an error elsewhere, a
	// cancellation) must still stop the coroutine.
	s.unhook = context.AfterFunc(ctx, s.close)
	return s
}

// next returns the next block of at most want values, and false once the
// generator has no more (the block may hold the last values then).
func (s *stream) next(want int) ([]int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return nil, false
	}
	s.want = want
	xs, ok := s.pull()
	if !ok {
		s.finish()
		return nil, false
	}
	if len(xs) < want {
		s.finish()
		return xs, false
	}
	return xs, true
}

func (s *stream) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finish()
}

// finish stops the generator; the caller holds mu.
func (s *stream) finish() {
	if !s.done {
		s.done = true
		s.unhook()
		s.stop()
	}
}
