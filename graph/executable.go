package graph

import "context"

// Executable is the door through which executors reach what only they
// need: the runnable part of each node, its options, where its result is
// stored. Package sched runs graphs through it, and so can an executor of
// one's own (one that runs tasks in other processes, say). Programs that
// build and compute graphs never need it.
//
// A Graph describes a computation and keeps no run state; an executor
// owns its runs. The results of tasks are stored in the tasks themselves
// (so that a task reads its arguments through typed pointers, without
// boxing), which is why an executor either runs a graph's own tasks, one
// run at a time, or runs private copies of them ([Executable.Copy]).
//
// An Executable is a snapshot: it reads the nodes g had when it was made,
// and goes on doing so safely (without a data race) while nodes are
// added to g, as long as it is made while nothing is added.
type Executable struct {
	g     *Graph
	nodes []node
	deps  []int32
	names []string
}

// ExecutableOf returns the executable view of g's nodes so far.
func ExecutableOf(g *Graph) Executable {
	return Executable{g: g, nodes: g.nodes, deps: g.deps, names: g.names}
}

// Graph is the graph x is a view of.
func (x Executable) Graph() *Graph { return x.g }

// Len is the number of nodes in the snapshot.
func (x Executable) Len() int { return len(x.nodes) }

// Name is node id's human name (see Graph.Name).
func (x Executable) Name(id int) string { return x.names[x.nodes[id].name] }

// Kind tells whether node id is a constant or a task.
func (x Executable) Kind(id int) Kind { return x.nodes[id].kind }

// Key names node id uniquely (see Graph.Key).
func (x Executable) Key(id int) string { return x.g.keyOf(id, x.Name(id)) }

// Task is the runnable part of a node, as an executor sees it. Run
// computes the node from its arguments' stored results and stores its
// own; Clear drops the stored result so the garbage collector can take
// it. Value returns the stored result boxed; Result returns a pointer to
// it (a *R for a Delayed[R]), to read it without boxing or to store a
// result computed elsewhere (decoded from a message, say). Args returns
// the arguments' stored results, boxed, in argument order: what a task
// run elsewhere needs to be sent.
//
// Run must only be called once every argument's Run has returned nil (or
// its result was stored through Result) and none of them has been
// cleared since: that is the executor's contract.
type Task interface {
	Run(ctx context.Context) error
	Clear()
	Value() any
	Result() any
	Args() []any

	// copyWith returns a fresh copy of the task, without a result, that
	// reads its arguments from the cells src hands out.
	copyWith(src *argSource) Task
}

// Task returns node id's runnable part.
func (x Executable) Task(id int) Task {
	// Unsigned: a shift and a mask, where a signed id costs a sign fix-up.
	u := uint(id)
	return x.g.tasks[u/taskChunk][u%taskChunk]
}

// Deps returns node id's arguments in place: read-only, for executors
// and analyses that walk large graphs and should not copy every list
// ([Graph.Deps] returns a copy).
func (x Executable) Deps(id int) []int32 {
	start := int32(0)
	if id > 0 {
		start = x.nodes[id-1].depEnd
	}
	return x.deps[start:x.nodes[id].depEnd]
}

// HasOptions tells whether any node was given options.
func (x Executable) HasOptions() bool { return len(x.g.opts) > 0 }

// Options returns the options node id was built with (a copy: nodes never
// change), and whether it has any.
func (x Executable) Options(id int) (Options, bool) {
	o := x.g.opts[int32(id)]
	if o == nil {
		return Options{}, false
	}
	c := *o
	c.Resources = append([]Resource(nil), o.Resources...)
	return c, true
}

// HoldsPointers tells whether node id's result type may hold pointers. A
// result without any (an int, a float64, an array of them) lives inside
// its task, so clearing it frees nothing and an executor may skip the
// call.
func (x Executable) HoldsPointers(id int) bool { return !x.nodes[id].plain }

// Copy returns private copies of tasks ids, without results. ids must
// list every task after its task arguments (a topological order such as
// the static one); each copy reads its arguments from the copies made
// before it, or from the graph's own nodes for arguments not in ids
// (constants, or results the caller stores itself). A run that owns
// copies can go on beside any other run of the same graph: it is how
// concurrent computations of one graph avoid taking turns. It costs an
// allocation per task, so executors make copies only when the graph's
// own tasks are busy.
func (x Executable) Copy(ids []int32) []Task {
	src := &argSource{x: x, ids: ids, out: make([]Task, len(ids))}
	if len(ids) > smallCopy {
		src.pos = make([]int32, x.Len())
	}
	for k, id := range ids {
		src.deps = x.Deps(int(id))
		src.out[k] = x.Task(int(id)).copyWith(src)
		src.done = k + 1
		if src.pos != nil {
			src.pos[id] = int32(k + 1)
		}
	}
	return src.out
}

// smallCopy is how many tasks Copy finds among its copies by looking
// through them: more get an index as long as the graph, which a copy of a
// task or two (a worker running one task of a large graph) should not pay.
const smallCopy = 16

// argSource hands a task being copied the cells of its arguments: the
// copies made so far, or the graph's own.
type argSource struct {
	x    Executable
	ids  []int32
	pos  []int32 // node ID -> position in out, plus one; 0: not copied (nil: look through ids)
	out  []Task
	done int     // copies made so far
	deps []int32 // the arguments of the task being copied
}

// cell returns argument k's cell (a *cell[A], boxed as the *A it starts
// with: see argCell).
func (a *argSource) cell(k int) any {
	d := a.deps[k]
	if a.pos == nil {
		for i := a.done - 1; i >= 0; i-- {
			if a.ids[i] == d {
				return a.out[i].Result()
			}
		}
	} else if p := a.pos[d]; p > 0 {
		return a.out[p-1].Result()
	}
	return a.x.Task(int(d)).Result()
}
