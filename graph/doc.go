// Package graph builds lazy task graphs: typed handles to values that are
// not computed yet, and the dependencies between them.
//
// A Graph is built with package-level functions that each add one node and
// return its typed handle, a [Delayed]:
//
//	var g graph.Graph
//	a := graph.Value(&g, "a", 20)                 // a constant leaf
//	b := graph.Call(&g, "double", double, a)      // Delayed[int]
//	c := graph.Call2(&g, "add", add, a, b)        // Delayed[int]
//
// Nothing runs while the graph is built; package sched computes a handle
// (and only what it needs). Because a node can only take handles that
// already exist as arguments, a graph built this way is acyclic by
// construction, and argument types are checked by the compiler.
//
// Functions come in two forms: plain (func(A) R), for pure computations,
// and with a context and an error (func(context.Context, A) (R, error)),
// for work that can fail or should stop when the run is cancelled.
// CallSlice and Gather take any number of arguments of one type; CallN
// fans one argument out to n indexed tasks (tiles, chunks, shards) whose
// task objects share one allocation.
//
// Building a node appends to flat arrays and takes its task object from a
// small shared array of its type (a sixteenth of an allocation for a task
// of two arguments): no hashing, formatting or reflection, unless a task
// asks for a content key with [Pure]. Mistakes while building (a zero
// handle, a handle from another graph, a nil function) never panic: the
// graph remembers the first one ([Graph.Err]) and refuses to run.
//
// Options a task's form cannot honour are building errors too
// ([ErrOption]): a Timeout on a plain function, which cannot be told to
// stop, or any run option on a Value.
//
// Every node has a human name, shown in errors, pictures and profiles, and
// an ID, its creation index, which is its stable identity. Nodes sharing a
// name form a stage (all tiles of a fractal are "tile"). An empty name
// is the function's own ("tile" for a func tile in any package; "run.func1"
// for a function literal inside run; "value" for a Value), so naming is
// optional where the function's name says enough.
//
// A Graph is a description and holds no run state. What only executors
// need (the runnable tasks, their options, where results are stored, the
// static order) sits behind one door, [Executable], used by package sched
// and by executors that run tasks elsewhere ([Remote]).
package graph
