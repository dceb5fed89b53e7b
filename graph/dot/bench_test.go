package dot_test

import (
	"io"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/graph/dot"
)

//	go test ./graph/dot -run '^$' -bench . -count 5

// bagGraph is a 10^5-node bag-like pipeline: partitions read, mapped and
// filtered, then a tree reduction 8 at a time (100,573 nodes, 100,572
// edges, 4 stages once collapsed).
func bagGraph() *graph.Graph {
	const parts = 32_000
	g := new(graph.Graph)
	src := graph.Value(g, "files", 0)
	level := make([]graph.Delayed[int], parts)
	for i := range level {
		p := graph.Call(g, "read", inc, src)
		p = graph.Call(g, "map", double, p)
		level[i] = graph.Call(g, "filter", inc, p)
	}
	for len(level) > 1 {
		var next []graph.Delayed[int]
		for i := 0; i < len(level); i += 8 {
			next = append(next, graph.CallSlice(g, "sum", sum, level[i:min(i+8, len(level))]))
		}
		level = next
	}
	return g
}

func benchWrite(b *testing.B, g *graph.Graph, o *dot.Options) {
	b.ReportAllocs()
	b.ReportMetric(float64(g.Len()), "nodes")
	for b.Loop() {
		if err := dot.Write(io.Discard, g, o); err != nil {
			b.Fatal(err)
		}
	}
}

// The bar: a 10^5-node graph, collapsed, well under a second.
func BenchmarkCollapsed1e5(b *testing.B) {
	g := bagGraph()
	if g.Len() < 100_000 {
		b.Fatalf("only %d nodes", g.Len())
	}
	benchWrite(b, g, nil) // Auto collapses it
}

// Colouring by duration reads every task's stats through a Recorder.
func BenchmarkCollapsed1e5Duration(b *testing.B) {
	g := bagGraph()
	var rec dot.Recorder
	for id := range g.Len() {
		rec.Record(id, dot.Stats{State: dot.Done, Duration: time.Duration(id%977+1) * time.Microsecond})
	}
	benchWrite(b, g, &dot.Options{Color: dot.ByDuration, Stats: rec.Stats})
}

// The expanded view is for reading graphs of hundreds of nodes; this
// shows what forcing it on a large one costs.
func BenchmarkExpanded1e4(b *testing.B) {
	g, _ := tileGraph(5_000)
	benchWrite(b, g, &dot.Options{View: dot.Expanded, Color: dot.ByOrder})
}
