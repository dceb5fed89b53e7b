package generators_test

import (
	"context"
	"testing"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/generators"
)

// The first 2²⁰ even numbers pulled from the generator into a bag, then
// summarised (count, exact sum, bounds, head) or only summed: the cost per
// value of the generator pipeline, against a plain loop over the sequence.
//
//	go test -run '^$' -bench . -cpu 1,2 -count 5 ./tasks/generators/
func BenchmarkBag(b *testing.B) {
	const n = 1 << 20
	perValue := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/value")
	}
	b.Run("loop", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			s := 0
			for x := range generators.Take(generators.Even(), n) {
				s += x
			}
			if s != n*(n+1) {
				b.Fatal(s)
			}
		}
		perValue(b)
	})
	b.Run("sum", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			var g graph.Graph
			s, err := sched.Compute(context.Background(), bag.Sum(generators.Bag(&g, generators.Even(), n)))
			if err != nil || s != n*(n+1) {
				b.Fatal(s, err)
			}
		}
		perValue(b)
	})
	b.Run("summarize", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			var g graph.Graph
			s, err := sched.Compute(context.Background(), generators.Summarize(generators.Bag(&g, generators.Even(), n)))
			if err != nil || s.Count != n {
				b.Fatal(s, err)
			}
		}
		perValue(b)
	})
}
