package generators_test

import (
	"context"
	"errors"
	"iter"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/generators"
)

// seekable pairs each generator with its form that starts anywhere.
var seekable = map[string]struct {
	seq  func() iter.Seq[int]
	from func(int) iter.Seq[int]
}{
	"integers":  {generators.Integers, generators.IntegersFrom},
	"even":      {generators.Even, generators.EvenFrom},
	"fibonacci": {generators.Fibonacci, generators.FibonacciFrom},
}

// from(k) is the generator without its first k values.
func TestFromSkips(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		name := rapid.SampledFrom([]string{"integers", "even", "fibonacci"}).Draw(t, "seq")
		k := rapid.IntRange(0, 200).Draw(t, "k")
		n := rapid.IntRange(0, 50).Draw(t, "n")
		all := slices.Collect(generators.Take(seekable[name].seq(), k+n))
		want := all[min(k, len(all)):]
		got := slices.Collect(generators.Take(seekable[name].from(k), n))
		if !slices.Equal(got, want) {
			t.Fatalf("%s from %d: %v, want %v", name, k, got, want)
		}
	})
}

// Split gives Stream's Summary for any n, number of parts and workers,
// Fibonacci's early end included.
func TestSplitMatchesStream(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		name := rapid.SampledFrom([]string{"integers", "even", "fibonacci"}).Draw(t, "seq")
		n := rapid.IntRange(0, 20_000).Draw(t, "n")
		parts := min(rapid.IntRange(1, max(n, 1)).Draw(t, "parts"), 40)
		workers := rapid.IntRange(1, 4).Draw(t, "workers")
		var g graph.Graph
		d, err := generators.Split(&g, seekable[name].from, n, parts)
		if err != nil {
			t.Fatal(err)
		}
		got, err := sched.Compute(context.Background(), d, sched.Workers(workers))
		if want := reference(seekable[name].seq(), n); err != nil || !equal(got, want) {
			t.Fatalf("%s n=%d parts=%d: %+v, %v; want %+v", name, n, parts, got, err, want)
		}
	})
}

// A cancelled Split of 9·10¹⁸ values stops inside its parts.
func TestSplitHugeStops(t *testing.T) {
	var g graph.Graph
	d, err := generators.Split(&g, generators.IntegersFrom, 9e18, 8)
	if err != nil {
		t.Fatal(err)
	}
	stopsWhenCancelled(t, d)
}

func TestSplitRejects(t *testing.T) {
	var g graph.Graph
	for _, c := range []struct{ n, parts int }{{-1, 1}, {10, 0}, {3, 4}} {
		if _, err := generators.Split(&g, generators.IntegersFrom, c.n, c.parts); !errors.Is(err, generators.ErrArgument) {
			t.Errorf("n=%d parts=%d: %v, want ErrArgument", c.n, c.parts, err)
		}
	}
	if _, err := generators.Split(&g, nil, 1, 1); !errors.Is(err, generators.ErrArgument) {
		t.Errorf("nil generator: %v", err)
	}
}
