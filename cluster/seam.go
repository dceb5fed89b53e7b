package cluster

import "github.com/seed001e6470/taskgraph/graph"

// taskOf returns node id of g as an executor sees it: runnable, with its
// result readable boxed (to encode it) and through a pointer to its cell
// (to decode into it, with the cell's own type).
func taskOf(g *graph.Graph, id int) graph.Task { return graph.ExecutableOf(g).Task(id) }
