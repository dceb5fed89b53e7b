package graph

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
)

// Errors reported while a graph is built. Building never panics: the first
// mistake is remembered by the graph and returned by [Graph.Err], and every
// scheduler refuses to run a graph that has one.
var (
	// ErrZeroHandle: a zero Delayed (one that no constructor returned) was
	// used as an argument.
	ErrZeroHandle = errors.New("graph: zero Delayed used as an argument")
	// ErrForeignHandle: an argument belongs to another graph.
	ErrForeignHandle = errors.New("graph: argument belongs to another graph")
	// ErrNilFunc: a task was given a nil function.
	ErrNilFunc = errors.New("graph: nil function")
	// ErrKeyType: a content key is already used by a task of another result type.
	ErrKeyType = errors.New("graph: content key already used by a task of another type")
	// ErrTooLarge: the graph would exceed 2^31-1 tasks or dependencies.
	ErrTooLarge = errors.New("graph: too many tasks")
	// ErrCount: a fan-out ([CallN]) was asked for a negative number of tasks.
	ErrCount = errors.New("graph: negative task count")
	// ErrOption: an option the task's form cannot honour, such as a
	// Timeout on a function that takes no context and so cannot be told
	// to stop.
	ErrOption = errors.New("graph: option not possible for this task")
)

// Kind tells data from work: a Value leaf holds a constant and is never run;
// a task runs a function.
type Kind uint8

const (
	KindTask  Kind = iota // a function to run
	KindValue             // a constant known when the graph was built
)

func (k Kind) String() string {
	if k == KindValue {
		return "value"
	}
	return "task"
}

// node is the graph's record of one task: pointer-free, so that a graph of
// millions of nodes costs the garbage collector nothing to scan and the
// array grows by plain copying. Dependencies live in one shared slice
// (g.deps[start:end], start being the previous node's end); the name is an
// index into g.names, where a run of nodes built with the same name shares
// one entry.
type node struct {
	depEnd int32
	name   uint32
	kind   Kind
	plain  bool // the result holds no pointers (see HoldsPointers)
}

// taskChunk is how many executables one block of g.tasks holds. Blocks are
// never copied once allocated: growing a graph does not move pointers.
const taskChunk = 1 << 12

// Graph is a lazy task graph: a set of nodes, each a constant Value or a
// function call whose arguments are other nodes. Nothing runs while it is
// built; a scheduler (package sched) runs the part that requested targets
// need.
//
// The zero value is an empty graph ready to use. A Graph must not be copied
// after first use. Building is not safe for concurrent use (like a map);
// computing is: a Graph is only a description, and whatever runs it
// (package sched) keeps its run state to itself.
//
// Nodes are only ever appended and never change, so a node's ID (its
// creation index) is a stable identity, and any handle stays valid for the
// life of the graph.
type Graph struct {
	nodes []node
	deps  []int32
	tasks [][]Task // blocks of taskChunk
	names []string
	opts  map[int32]*Options // only nodes given options
	err   error
	keys  map[string]int32 // content keys of Pure tasks, made on first use

	// Where task objects come from (see newTask).
	slabs    [4]any
	nextSlab int

	// The result type of the last node whose type needed a look-up, and
	// whether it is pointer-free (see pointerFree).
	lastType reflect.Type
	lastFree bool

	// The function last named for an unnamed task (see nameOr).
	lastPC   uintptr
	lastFunc string
}

// Err returns the first mistake made while building g, or nil.
func (g *Graph) Err() error { return g.err }

// Len is the number of nodes (tasks and values) in g.
func (g *Graph) Len() int { return len(g.nodes) }

// Name is the human name node id was given; several nodes may share one
// (all tiles of a fractal are "tile"), which is how stages are recognised.
func (g *Graph) Name(id int) string { return g.names[g.nodes[id].name] }

// Kind tells whether node id is a constant or a task.
func (g *Graph) Kind(id int) Kind { return g.nodes[id].kind }

// Deps returns the IDs of node id's arguments, in argument order. The
// slice is a copy: changing it changes nothing in g. (An executor that
// walks many nodes reads them in place through [Executable.Deps].)
func (g *Graph) Deps(id int) []int32 {
	return slices.Clone(g.depsOf(id))
}

func (g *Graph) depsOf(id int) []int32 {
	return g.deps[g.depStart(id):g.nodes[id].depEnd]
}

// Key names node id uniquely within g: its content key when it was built
// Pure, otherwise its name and ID ("tile#17").
func (g *Graph) Key(id int) string { return g.keyOf(id, g.Name(id)) }

func (g *Graph) keyOf(id int, name string) string {
	if o := g.opts[int32(id)]; o != nil && o.key != "" {
		return o.key
	}
	return name + "#" + strconv.Itoa(id)
}

func (g *Graph) depStart(id int) int32 {
	if id == 0 {
		return 0
	}
	return g.nodes[id-1].depEnd
}

// fail remembers the first building mistake.
func (g *Graph) fail(err error) {
	if g.err == nil {
		g.err = err
	}
}

// add appends a node whose dependencies were already appended to g.deps.
func (g *Graph) add(name string, kind Kind, t Task, plain bool, opts *Options) int32 {
	if len(g.nodes) >= maxNodes || len(g.deps) >= maxNodes {
		g.fail(ErrTooLarge)
	}
	id := int32(len(g.nodes))
	g.nodes = grow(g.nodes, 1)
	g.nodes = append(g.nodes, node{depEnd: int32(len(g.deps)), name: g.nameIndex(name), kind: kind, plain: plain})
	if int(id)%taskChunk == 0 {
		// The first block starts small and grows by append: most graphs
		// built inside tasks have a handful of nodes.
		size := taskChunk
		if id == 0 {
			size = 8
		}
		g.tasks = append(g.tasks, make([]Task, 0, size))
	}
	last := &g.tasks[len(g.tasks)-1]
	*last = append(*last, t)
	if opts != nil {
		if g.opts == nil {
			g.opts = make(map[int32]*Options)
		}
		g.opts[id] = opts
	}
	return id
}

// nameIndex finds name among the last few names used, or appends it.
// Graphs are built in loops, so the names in use at any moment are few;
// looking back a little avoids both a map and one entry per node.
func (g *Graph) nameIndex(name string) uint32 {
	for k := len(g.names) - 1; k >= 0 && k >= len(g.names)-4; k-- {
		if g.names[k] == name {
			return uint32(k)
		}
	}
	g.names = append(g.names, name)
	return uint32(len(g.names) - 1)
}

const maxNodes = 1<<31 - 1

// check validates one argument handle of a task being built.
func check[T any](g *Graph, name string, d Delayed[T]) bool {
	switch {
	case d.g == nil:
		g.fail(fmt.Errorf("%w (task %q)", ErrZeroHandle, name))
		return false
	case d.g != g:
		g.fail(fmt.Errorf("%w (task %q, argument %q)", ErrForeignHandle, name, d.Name()))
		return false
	case d.id < 0:
		return false // the argument's own construction failed; g.err says why
	}
	return true
}

// grow makes room for n more elements, doubling the capacity. append alone
// grows large slices by a quarter at a time, which for a graph of millions
// of nodes means many large copies and allocations.
func grow[E any](s []E, n int) []E {
	if len(s)+n <= cap(s) {
		return s
	}
	bigger := make([]E, len(s), len(s)+max(n, len(s), 256))
	copy(bigger, s)
	return bigger
}
