package sched

import (
	"unsafe"

	"testing"

	"github.com/seed001e6470/taskgraph/graph"
)

// Planning alone, on the shapes of the engine benchmarks (bench_test.go):
// the part of a first run that a re-run skips.
//
//	go test ./sched -run '^$' -bench Plan -count 5

func planTree(k int) (*graph.Graph, int32) {
	var g graph.Graph
	zero := graph.Value(&g, "zero", 0)
	level := make([]graph.Delayed[int], 1<<k)
	for i := range level {
		level[i] = graph.Call(&g, "leaf", func(x int) int { return x + 1 }, zero)
	}
	for len(level) > 1 {
		next := level[:len(level)/2]
		for i := range next {
			next[i] = graph.Call2(&g, "add", func(x, y int) int { return x + y }, level[2*i], level[2*i+1])
		}
		level = next
	}
	return &g, int32(level[0].ID())
}

func planChain(n int) (*graph.Graph, int32) {
	var g graph.Graph
	d := graph.Value(&g, "zero", 0)
	for range n {
		d = graph.Call(&g, "inc", func(x int) int { return x + 1 }, d)
	}
	return &g, int32(d.ID())
}

func BenchmarkPlan(b *testing.B) {
	for _, c := range []struct {
		name  string
		build func() (*graph.Graph, int32)
	}{
		{"tree", func() (*graph.Graph, int32) { return planTree(17) }},
		{"chain", func() (*graph.Graph, int32) { return planChain(100_000) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			g, t := c.build()
			b.ReportAllocs()
			var n int
			for b.Loop() {
				p, err := newPlan(g, []int32{t})
				if err != nil {
					b.Fatal(err)
				}
				n = p.len()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/task")
		})
	}
}

func TestSlotSize(t *testing.T) {
	// Two slots to a 64-byte cache line: see slot.
	if n := unsafe.Sizeof(slot{}); n != 32 {
		t.Errorf("a slot takes %d bytes, want 32", n)
	}
}
