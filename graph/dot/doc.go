// Package dot draws task graphs built with package graph as Graphviz DOT
// (Dask's visualize), using github.com/emicklei/dot to write the file.
//
//	err := dot.Write(os.Stdout, g, &dot.Options{Direction: dot.LeftToRight})
//
// and then, say, dot -Tsvg -o graph.svg. Every task and value is one node,
// labelled with its name, or with its name and index where several nodes
// share the name ("tile[17]"); edges point from an argument to the task
// that reads it.
// As in Dask's pictures, functions are ellipses and data (Value leaves)
// are boxes.
//
// # Large graphs
//
// Nodes sharing a name form a stage (4,096 Mandelbrot tiles are all
// "tile"). The collapsed view draws each stage as one node, "tile ×4096",
// with one edge per pair of connected stages labelled with the number of
// dependencies it stands for: a graph of any size becomes a picture of its
// stages. [Auto], the default view, collapses graphs of more than
// [DefaultCollapseAbove] nodes; [Expanded] and [Collapsed] force either.
// Options.Stage groups nodes some other way than by name, and
// Options.Clusters draws each stage of the expanded view in a box.
//
// # Colour
//
// [ByOrder] colours tasks by the static order a run follows (Dask's
// color="order"), computed with [analysis.Order] unless the caller passes
// one. After a run, [ByDuration] colours them by measured time and
// [ByState] by how they ended (done, failed, skipped, not run). The run's
// measurements come from the caller as a function of the node ID, so this
// package needs nothing from the scheduler; a [Recorder] collects them
// from a scheduler's hooks:
//
//	var rec dot.Recorder
//	hooks := sched.Hooks{TaskDone: func(ev sched.TaskEvent) {
//		rec.Record(ev.ID, dot.Stats{State: dot.State(ev.State.String()), Duration: ev.Duration})
//	}}
//	// … run with sched.WithHooks(hooks), then:
//	err := dot.Write(w, g, &dot.Options{Color: dot.ByDuration, Stats: rec.Stats})
//
// Coloured pictures carry a legend.
//
// # Determinism
//
// The same graph and options give byte-identical output, so pictures can
// be diffed and kept as golden files.
package dot
