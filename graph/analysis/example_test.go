package analysis_test

import (
	"context"
	"fmt"
	"slices"

	dgraph "github.com/dominikbraun/graph"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/graph/analysis"
)

func inc(x int) int    { return x + 1 }
func add(x, y int) int { return x + y }
func sum(_ context.Context, xs []int) (int, error) {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s, nil
}

// diamond builds a ← x → b, a b → c, plus an unrelated task d.
func diamond() (*graph.Graph, graph.Delayed[int]) {
	g := new(graph.Graph)
	x := graph.Value(g, "x", 1)
	a := graph.Call(g, "a", inc, x)
	b := graph.Call(g, "b", inc, x)
	c := graph.Call2(g, "c", add, a, b)
	graph.Call(g, "d", inc, x)
	return g, c
}

func ExampleNeeded() {
	g, c := diamond()
	need := analysis.Needed(g, c.ID())
	for id, n := range need {
		fmt.Println(g.Name(id), n)
	}
	// Output:
	// x true
	// a true
	// b true
	// c true
	// d false
}

func ExampleSinks() {
	g, _ := diamond()
	for _, id := range analysis.Sinks(g) {
		fmt.Println(g.Name(id))
	}
	// Output:
	// c
	// d
}

func ExampleOrder() {
	g := new(graph.Graph)
	x := graph.Value(g, "x", 1)
	var parts []graph.Delayed[int]
	for range 3 {
		parts = append(parts, graph.Call(g, "part", inc, x))
	}
	total := graph.CallSlice(g, "total", sum, parts)

	// Depth-first post-order from the target: arguments in argument
	// order, each before the task that reads it; the Value leaf is not a
	// task and is left out.
	for _, id := range analysis.Order(g, total.ID()) {
		fmt.Println(g.Key(id))
	}
	// Output:
	// part#1
	// part#2
	// part#3
	// total#4
}

func ExampleAdapt() {
	g, c := diamond()
	a, err := analysis.Adapt(g, c.ID()) // only what c needs: d is left out
	if err != nil {
		panic(err)
	}
	n, _ := a.Order()
	paths, _ := dgraph.AllPathsBetween(a, 0, c.ID())
	slices.SortFunc(paths, slices.Compare) // the library returns them in map order
	fmt.Println(n, "vertices; paths from x to c:", paths)

	// A transitive reduction drops edges implied by longer paths.
	g2 := new(graph.Graph)
	x := graph.Value(g2, "x", 1)
	y := graph.Call(g2, "y", inc, x)
	z := graph.Call2(g2, "z", add, x, y) // x → z is implied by x → y → z
	a2, _ := analysis.Adapt(g2)
	r, _ := dgraph.TransitiveReduction(a2)
	m, _ := a2.Size()
	k, _ := r.Size()
	fmt.Println(m, "edges,", k, "after reduction; z's vertex:")
	v, _ := r.Vertex(z.ID())
	fmt.Printf("%+v\n", v)
	// Output:
	// 4 vertices; paths from x to c: [[0 1 3] [0 2 3]]
	// 3 edges, 2 after reduction; z's vertex:
	// {ID:2 Name:z Kind:task}
}
