package generators_test

import (
	"context"
	"errors"
	"iter"
	"math"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/generators"
)

func stream(t interface {
	Fatal(...any)
	Fatalf(string, ...any)
}, seq iter.Seq[int], n, parts, workers int) (generators.Summary, error) {
	var g graph.Graph
	d, err := generators.Stream(&g, seq, n, parts)
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() != parts+1 {
		t.Fatalf("%d parts make %d tasks", parts, g.Len())
	}
	return sched.Compute(context.Background(), d, sched.Workers(workers))
}

// Stream gives the plain loop's Summary for any n, number of shares and
// workers, on generators that end early, overflow or hold extremes.
func TestStreamMatchesLoop(t *testing.T) {
	seqs := map[string]func() iter.Seq[int]{
		"integers":  generators.Integers,
		"fibonacci": generators.Fibonacci,
		"extremes":  func() iter.Seq[int] { return values(math.MaxInt, math.MinInt, 0, math.MaxInt, -1, 7) },
	}
	rapid.Check(t, func(t *rapid.T) {
		name := rapid.SampledFrom([]string{"integers", "fibonacci", "extremes"}).Draw(t, "seq")
		n := rapid.IntRange(0, 20_000).Draw(t, "n")
		parts := rapid.IntRange(1, max(n, 1)).Draw(t, "parts")
		parts = min(parts, 50)
		workers := rapid.IntRange(1, 4).Draw(t, "workers")
		got, err := stream(t, seqs[name](), n, parts, workers)
		if want := reference(seqs[name](), n); err != nil || !equal(got, want) {
			t.Fatalf("%s n=%d parts=%d: %+v, %v; want %+v", name, n, parts, got, err, want)
		}
	})
}

// A stream of 9·10¹⁸ values is a graph of a few tasks, and a cancelled
// run stops in the middle of a share and stops the generator (goleak,
// in TestMain, checks that its coroutine is gone).
func TestStreamHugeStops(t *testing.T) {
	var g graph.Graph
	d, err := generators.Stream(&g, generators.Integers(), 9e18, 8)
	if err != nil {
		t.Fatal(err)
	}
	stopsWhenCancelled(t, d)
}

// stopsWhenCancelled runs d with a deadline 30 ms away and fails unless
// the run ends with it (the 30 s bound turns a hang into a failure).
func stopsWhenCancelled(t *testing.T, d graph.Delayed[generators.Summary]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := sched.Compute(ctx, d, sched.Workers(2)); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the run did not stop")
	}
}

func TestStreamRejects(t *testing.T) {
	var g graph.Graph
	for _, c := range []struct{ n, parts int }{{-1, 1}, {10, 0}, {3, 4}} {
		if _, err := generators.Stream(&g, generators.Integers(), c.n, c.parts); !errors.Is(err, generators.ErrArgument) {
			t.Errorf("n=%d parts=%d: %v", c.n, c.parts, err)
		}
	}
	if _, err := generators.Stream(nil, generators.Integers(), 1, 1); !errors.Is(err, generators.ErrArgument) {
		t.Errorf("nil graph: %v", err)
	}
	if g.Len() != 0 {
		t.Errorf("rejected streams added %d nodes", g.Len())
	}
}
