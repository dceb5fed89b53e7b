package analysis

import (
	"errors"

	dgraph "github.com/dominikbraun/graph"

	"github.com/seed001e6470/taskgraph/graph"
)

// Vertex is what the adapter stores for one node: enough to print it and
// to find it again in the task graph. Its hash, the vertex key, is ID.
type Vertex struct {
	ID   int
	Name string
	Kind graph.Kind
}

// Adapt copies g, or only what targets need when targets are given, into
// a directed, acyclic github.com/dominikbraun/graph graph keyed by node ID,
// with an edge from each argument to the task that reads it (an argument
// passed twice makes one edge). Every vertex carries the attributes
// "label" (its name) and "shape" (ellipse for a task, box for a value), so
// that library's draw.DOT gives a readable picture.
//
// The copy costs about a microsecond per node and the library's
// algorithms assume modest sizes (its topological sort is quadratic): use
// it to ask questions of graphs up to some thousands of nodes, and package
// dot or [Order] for large ones.
func Adapt(g *graph.Graph, targets ...int) (dgraph.Graph[int, Vertex], error) {
	var need []bool
	if len(targets) > 0 {
		need = Needed(g, targets...)
	}
	a := dgraph.New(func(v Vertex) int { return v.ID }, dgraph.Directed(), dgraph.Acyclic())
	for id := range g.Len() {
		if need != nil && !need[id] {
			continue
		}
		v := Vertex{ID: id, Name: g.Name(id), Kind: g.Kind(id)}
		if err := a.AddVertex(v, dgraph.VertexAttribute("label", v.Name), dgraph.VertexAttribute("shape", shape(v.Kind))); err != nil {
			return nil, err
		}
	}
	// Arguments always have smaller IDs than their tasks, so every
	// endpoint exists once the vertices are in.
	for id := range g.Len() {
		if need != nil && !need[id] {
			continue
		}
		for _, d := range graph.ExecutableOf(g).Deps(id) {
			err := a.AddEdge(int(d), id)
			if err != nil && !errors.Is(err, dgraph.ErrEdgeAlreadyExists) {
				return nil, err
			}
		}
	}
	return a, nil
}

// shape follows Dask's pictures: functions are ellipses, data are boxes.
func shape(k graph.Kind) string {
	if k == graph.KindValue {
		return "box"
	}
	return "ellipse"
}
