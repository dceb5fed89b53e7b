package generators_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"math/big"
	"slices"
	"testing"

	"go.uber.org/goleak"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/generators"
)

// Bag and Summarize run on the scheduler's goroutines: none may outlive
// the tests.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// reference summarises the first n values of seq with a plain loop.
func reference(seq iter.Seq[int], n int) generators.Summary {
	s := generators.Summary{Sum: new(big.Int)}
	for x := range generators.Take(seq, n) {
		if s.Count == 0 || x < s.Min {
			s.Min = x
		}
		if s.Count == 0 || x > s.Max {
			s.Max = x
		}
		if len(s.Head) < generators.HeadLen {
			s.Head = append(s.Head, x)
		}
		s.Sum.Add(s.Sum, big.NewInt(int64(x)))
		s.Count++
	}
	return s
}

func summarize(t *testing.T, seq iter.Seq[int], n, partition, workers int) generators.Summary {
	t.Helper()
	var g graph.Graph
	d := generators.Summarize(generators.Bag(&g, seq, n, bag.PartitionSize(partition)))
	s, err := sched.Compute(context.Background(), d, sched.Workers(workers))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func equal(a, b generators.Summary) bool {
	return a.Count == b.Count && a.Sum.Cmp(b.Sum) == 0 && a.Min == b.Min && a.Max == b.Max && slices.Equal(a.Head, b.Head)
}

// values yields xs, then stops: a finite generator of awkward values.
func values(xs ...int) iter.Seq[int] { return slices.Values(xs) }

func TestSummarizeMatchesLoop(t *testing.T) {
	big4 := []int{math.MaxInt, math.MaxInt, math.MaxInt, math.MaxInt, -3}
	cases := []struct {
		name string
		seq  iter.Seq[int]
		n    int
	}{
		{"no values", generators.Integers(), 0},
		{"one", generators.Even(), 1},
		{"fewer than the head", generators.Integers(), 3},
		{"many partitions", generators.Integers(), 10_007},
		{"fibonacci past the last int", generators.Fibonacci(), 1000},
		{"sum beyond 64 bits", values(big4...), 10},
		{"negative", values(-7, 5, math.MinInt, 0, 2, math.MinInt), 6},
	}
	for _, c := range cases {
		want := reference(c.seq, c.n)
		for _, w := range []int{1, 2, 8} {
			for _, part := range []int{1, 3, 1000} {
				if got := summarize(t, c.seq, c.n, part, w); !equal(got, want) {
					t.Fatalf("%s, %d workers, partitions of %d: %+v, want %+v", c.name, w, part, got, want)
				}
			}
		}
	}
}

func TestBagRejectsNegative(t *testing.T) {
	var g graph.Graph
	b := generators.Bag(&g, generators.Integers(), -1)
	if !errors.Is(b.Err(), bag.ErrInvalid) {
		t.Fatal(b.Err())
	}
	if _, err := sched.Compute(context.Background(), generators.Summarize(b)); !errors.Is(err, bag.ErrInvalid) {
		t.Fatal(err)
	}
}

func TestSummarizeZeroBag(t *testing.T) {
	_, err := sched.Compute(context.Background(), generators.Summarize(bag.Bag[int]{}))
	if !errors.Is(err, sched.ErrNoTarget) {
		t.Fatal(err)
	}
}

// islice(even(), 1_000_000) as a bag: the generator is pulled partition by
// partition while the partitions are summed.
func ExampleBag() {
	var g graph.Graph
	evens := generators.Bag(&g, generators.Even(), 1_000_000)
	sum, err := sched.Compute(context.Background(), bag.Sum(evens))
	if err != nil {
		panic(err)
	}
	fmt.Println(evens.NumPartitions(), "partitions, sum", sum)
	// Output:
	// 128 partitions, sum 1000001000000
}

// The sum of the first 92 Fibonacci numbers does not fit an int; the
// summary's is exact.
func ExampleSummarize() {
	var g graph.Graph
	s, err := sched.Compute(context.Background(), generators.Summarize(generators.Bag(&g, generators.Fibonacci(), 100)))
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Count, "values from", s.Min, "to", s.Max, "first", s.Head)
	fmt.Println("sum", s.Sum, "> MaxInt:", s.Sum.Cmp(big.NewInt(math.MaxInt)) > 0)
	// Output:
	// 92 values from 1 to 7540113804746346429 first [1 1 2 3 5]
	// sum 19740274219868223166 > MaxInt: true
}
