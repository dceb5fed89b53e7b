package dot_test

import (
	"context"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/graph/dot"
)

func inc(x int) int    { return x + 1 }
func double(x int) int { return 2 * x }
func add(x, y int) int { return x + y }
func sum(_ context.Context, xs []int) (int, error) {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s, nil
}

// delayedGraph is the workshop's dask.delayed example, plus a task the
// total does not need.
func delayedGraph() (g *graph.Graph, total graph.Delayed[int], dbl graph.Delayed[int]) {
	g = new(graph.Graph)
	x := graph.Value(g, "x", 1)
	y := graph.Value(g, "y", 2)
	a := graph.Call(g, "inc", inc, x)
	dbl = graph.Call(g, "double", double, y)
	total = graph.Call2(g, "add", add, a, dbl)
	graph.Call(g, "unused", inc, y)
	return g, total, dbl
}

// treeGraph is a bag-like pipeline: parts partitions, a map over each,
// and a tree reduction taking split at a time, all of whose levels are
// named "sum".
func treeGraph(parts, split int) (*graph.Graph, graph.Delayed[int]) {
	g := new(graph.Graph)
	level := make([]graph.Delayed[int], parts)
	for i := range level {
		p := graph.Value(g, "part", i)
		level[i] = graph.Call(g, "inc", inc, p)
	}
	for len(level) > 1 {
		var next []graph.Delayed[int]
		for i := 0; i < len(level); i += split {
			next = append(next, graph.CallSlice(g, "sum", sum, level[i:min(i+split, len(level))]))
		}
		level = next
	}
	return g, level[0]
}

// tileGraph has the Mandelbrot pipeline's shape: a view, n tiles computed
// from it, each coloured, and one image assembled from all of them.
func tileGraph(n int) (*graph.Graph, graph.Delayed[int]) {
	g := new(graph.Graph)
	view := graph.Value(g, "view", 512)
	cols := make([]graph.Delayed[int], n)
	for i := range cols {
		t := graph.Call(g, "tile", inc, view)
		cols[i] = graph.Call(g, "colour", double, t)
	}
	return g, graph.CallSlice(g, "assemble", sum, cols)
}

// fakeRun makes up what a keep-going run of g would report: every task
// done in a duration that grows with its ID, except that task fail fails
// and everything that depends on it is skipped, and tasks from stop on
// did not run.
func fakeRun(g *graph.Graph, fail, stop int) *dot.Recorder {
	rec := new(dot.Recorder)
	bad := make([]bool, g.Len())
	for id := range g.Len() {
		if g.Kind(id) != graph.KindTask {
			continue
		}
		for _, d := range g.Deps(id) {
			bad[id] = bad[id] || bad[d]
		}
		s := dot.Stats{State: dot.Done, Duration: time.Duration(id+1) * 1500 * time.Microsecond}
		switch {
		case id == fail:
			s.State, bad[id] = dot.Failed, true
		case bad[id]:
			s = dot.Stats{State: dot.Skipped}
		case id >= stop:
			s = dot.Stats{State: dot.NotRun}
		}
		rec.Record(id, s)
	}
	return rec
}
