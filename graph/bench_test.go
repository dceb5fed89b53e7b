package graph_test

import (
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
)

// Building alone, on the shapes of the scheduler's benchmarks: what a
// graph costs before anything runs.
//
//	go test ./graph -run '^$' -bench Build -count 5

func BenchmarkBuild(b *testing.B) {
	b.Run("chain", func(b *testing.B) {
		const n = 100_000
		b.ReportAllocs()
		for b.Loop() {
			var g graph.Graph
			d := graph.Value(&g, "zero", 0)
			for range n {
				d = graph.Call(&g, "inc", inc, d)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/node")
	})
	b.Run("tree", func(b *testing.B) {
		const k = 17
		level := make([]graph.Delayed[int], 1<<k)
		b.ReportAllocs()
		for b.Loop() {
			var g graph.Graph
			zero := graph.Value(&g, "zero", 0)
			level = level[:1<<k]
			for i := range level {
				level[i] = graph.Call(&g, "leaf", inc, zero)
			}
			for len(level) > 1 {
				next := level[:len(level)/2]
				for i := range next {
					next[i] = graph.Call2(&g, "add", add, level[2*i], level[2*i+1])
				}
				level = next
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(1<<(k+1)), "ns/node")
	})
}
