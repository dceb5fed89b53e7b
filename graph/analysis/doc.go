// Package analysis answers read-only questions about a task graph built
// with package graph: which nodes some targets need, which nodes nothing
// depends on, the static order a run follows, and an adapter to the
// general-purpose graph library github.com/dominikbraun/graph for anything
// else (paths, strongly connected components, transitive reduction).
//
// [Needed], [Sinks] and [Order] walk the graph's flat arrays once: they
// cost O(V+E) and suit graphs of any size.
//
// [Adapt] is different: it copies the graph into a map-based
// graph.Graph[int, Vertex] at about a microsecond per node, and some of
// that library's algorithms are quadratic (its topological sort took 6 s
// on 10,000 nodes when measured). It is an analysis view for graphs of
// modest size, for a person asking a question; no scheduler uses it.
//
// Node IDs passed to this package must be valid IDs of the graph
// (0 ≤ id < g.Len()); like [graph.Graph.Name], the functions panic
// otherwise.
package analysis
