package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"unsafe"
)

// Delayed is a typed, immutable handle to a lazy value: the result of a
// node of a Graph. Handles are small values; copy them freely. Type
// mistakes (an int where a string is expected) are compile errors.
//
// The zero Delayed refers to nothing; using it as an argument is a building
// error ([ErrZeroHandle]).
type Delayed[T any] struct {
	g  *Graph
	id int32
	c  *cell[T]
}

// Node is what every Delayed[T] is, whatever its T: used where handles of
// different types travel together (computing several targets at once).
type Node interface {
	Graph() *Graph
	ID() int
}

// Graph is the graph d belongs to (nil for the zero Delayed).
func (d Delayed[T]) Graph() *Graph { return d.g }

// ID is d's node's index in its graph: stable, dense, in creation order.
// It is negative when d's construction failed (see [Graph.Err]).
func (d Delayed[T]) ID() int { return int(d.id) }

// Name is the human name d's node was given.
func (d Delayed[T]) Name() string {
	if d.g == nil || d.id < 0 {
		return ""
	}
	return d.g.Name(int(d.id))
}

// String describes d for debugging: its key.
func (d Delayed[T]) String() string {
	if d.g == nil || d.id < 0 {
		return "Delayed(invalid)"
	}
	return "Delayed(" + d.g.Key(int(d.id)) + ")"
}

// cell holds one node's result. Task types embed it, so a dependency's
// result is read through a typed pointer: no boxing, no type assertion.
type cell[T any] struct{ v T }

func (c *cell[T]) holder() *cell[T] { return c }
func (c *cell[T]) Clear()           { var zero T; c.v = zero }
func (c *cell[T]) Value() any       { return c.v }
func (c *cell[T]) Result() any      { return &c.v }

// argCell is argument k's cell for a copy of a task (see Task.copyWith):
// Result returns &cell.v, which is the cell's own address.
func argCell[A any](src *argSource, k int) *cell[A] {
	return (*cell[A])(unsafe.Pointer(src.cell(k).(*A)))
}

// holder lets a content-keyed lookup check that the task it found has the
// result type the caller expects.
type holder[T any] interface{ holder() *cell[T] }

// Value adds a constant leaf. It is never run or released: every run of
// the graph sees it.
func Value[T any](g *Graph, name string, v T, opts ...Option) Delayed[T] {
	if g == nil {
		return Delayed[T]{id: -1} // nothing to record the mistake in; computing it says so
	}
	if name == "" {
		name = "value"
	}
	t := newTask[constant[T]](g)
	t.v = v
	return finish(g, name, KindValue, t, &t.cell, len(g.deps), opts, v)
}

// Source adds a task without arguments: fn makes its result (a random
// sample, a file read, a generator drained).
func Source[R any](g *Graph, name string, fn func(context.Context) (R, error), opts ...Option) Delayed[R] {
	if g == nil {
		return Delayed[R]{id: -1} // nothing to record the mistake in; computing it says so
	}
	name = g.nameOr(name, fn)
	if fn == nil {
		return broken[R](g, name)
	}
	t := newTask[source[R]](g)
	t.fc = fn
	return finish(g, name, KindTask, t, &t.cell, len(g.deps), opts, fn)
}

// Call adds a task computing fn(a).
func Call[A, R any](g *Graph, name string, fn func(A) R, a Delayed[A], opts ...Option) Delayed[R] {
	if g == nil {
		return Delayed[R]{id: -1} // nothing to record the mistake in; computing it says so
	}
	name = g.nameOr(name, fn)
	if fn == nil || !check(g, name, a) {
		return broken[R](g, name)
	}
	t := newTask[call1[A, R]](g)
	t.f, t.a = fn, a.c
	start := len(g.deps)
	g.deps = append(grow(g.deps, 1), a.id)
	return finish(g, name, KindTask, t, &t.cell, start, opts, fn)
}

// CallCtx adds a task computing fn(ctx, a); the task fails when fn returns
// an error, and ctx is cancelled when the run stops early.
func CallCtx[A, R any](g *Graph, name string, fn func(context.Context, A) (R, error), a Delayed[A], opts ...Option) Delayed[R] {
	if g == nil {
		return Delayed[R]{id: -1} // nothing to record the mistake in; computing it says so
	}
	name = g.nameOr(name, fn)
	if fn == nil || !check(g, name, a) {
		return broken[R](g, name)
	}
	t := newTask[ctxCall1[A, R]](g)
	t.f, t.a = fn, a.c
	start := len(g.deps)
	g.deps = append(grow(g.deps, 1), a.id)
	return finish(g, name, KindTask, t, &t.cell, start, opts, fn)
}

// Call2 adds a task computing fn(a, b).
func Call2[A, B, R any](g *Graph, name string, fn func(A, B) R, a Delayed[A], b Delayed[B], opts ...Option) Delayed[R] {
	if g == nil {
		return Delayed[R]{id: -1} // nothing to record the mistake in; computing it says so
	}
	name = g.nameOr(name, fn)
	if fn == nil || !check(g, name, a) || !check(g, name, b) {
		return broken[R](g, name)
	}
	t := newTask[call2[A, B, R]](g)
	t.f, t.a, t.b = fn, a.c, b.c
	start := len(g.deps)
	g.deps = append(grow(g.deps, 2), a.id, b.id)
	return finish(g, name, KindTask, t, &t.cell, start, opts, fn)
}

// CallCtx2 adds a task computing fn(ctx, a, b).
func CallCtx2[A, B, R any](g *Graph, name string, fn func(context.Context, A, B) (R, error), a Delayed[A], b Delayed[B], opts ...Option) Delayed[R] {
	if g == nil {
		return Delayed[R]{id: -1} // nothing to record the mistake in; computing it says so
	}
	name = g.nameOr(name, fn)
	if fn == nil || !check(g, name, a) || !check(g, name, b) {
		return broken[R](g, name)
	}
	t := newTask[ctxCall2[A, B, R]](g)
	t.f, t.a, t.b = fn, a.c, b.c
	start := len(g.deps)
	g.deps = append(grow(g.deps, 2), a.id, b.id)
	return finish(g, name, KindTask, t, &t.cell, start, opts, fn)
}

// Call3 adds a task computing fn(a, b, c).
func Call3[A, B, C, R any](g *Graph, name string, fn func(A, B, C) R, a Delayed[A], b Delayed[B], c Delayed[C], opts ...Option) Delayed[R] {
	if g == nil {
		return Delayed[R]{id: -1} // nothing to record the mistake in; computing it says so
	}
	name = g.nameOr(name, fn)
	if fn == nil || !check(g, name, a) || !check(g, name, b) || !check(g, name, c) {
		return broken[R](g, name)
	}
	t := newTask[call3[A, B, C, R]](g)
	t.f, t.a, t.b, t.c = fn, a.c, b.c, c.c
	start := len(g.deps)
	g.deps = append(grow(g.deps, 3), a.id, b.id, c.id)
	return finish(g, name, KindTask, t, &t.cell, start, opts, fn)
}

// CallCtx3 adds a task computing fn(ctx, a, b, c).
func CallCtx3[A, B, C, R any](g *Graph, name string, fn func(context.Context, A, B, C) (R, error), a Delayed[A], b Delayed[B], c Delayed[C], opts ...Option) Delayed[R] {
	if g == nil {
		return Delayed[R]{id: -1} // nothing to record the mistake in; computing it says so
	}
	name = g.nameOr(name, fn)
	if fn == nil || !check(g, name, a) || !check(g, name, b) || !check(g, name, c) {
		return broken[R](g, name)
	}
	t := newTask[ctxCall3[A, B, C, R]](g)
	t.f, t.a, t.b, t.c = fn, a.c, b.c, c.c
	start := len(g.deps)
	g.deps = append(grow(g.deps, 3), a.id, b.id, c.id)
	return finish(g, name, KindTask, t, &t.cell, start, opts, fn)
}

// CallSlice adds a task computing fn(ctx, values), where values holds the
// results of ds in order: a fan-in of any width (a reduction, an assembly
// of tiles). The slice is made afresh for every run, so fn may keep it.
func CallSlice[T, R any](g *Graph, name string, fn func(context.Context, []T) (R, error), ds []Delayed[T], opts ...Option) Delayed[R] {
	if g == nil {
		return Delayed[R]{id: -1} // nothing to record the mistake in; computing it says so
	}
	name = g.nameOr(name, fn)
	if fn == nil {
		return broken[R](g, name)
	}
	ins := make([]*cell[T], len(ds))
	g.deps = grow(g.deps, len(ds))
	start := len(g.deps)
	for i, d := range ds {
		if !check(g, name, d) {
			g.deps = g.deps[:start]
			return broken[R](g, name)
		}
		ins[i] = d.c
		g.deps = append(g.deps, d.id)
	}
	t := newTask[sliceCall[T, R]](g)
	t.fc, t.ins = fn, ins
	return finish(g, name, KindTask, t, &t.cell, start, opts, fn)
}

// Gather adds a task whose result is the slice of ds's results, in order:
// many Delayed[T] become one Delayed[[]T].
func Gather[T any](g *Graph, name string, ds []Delayed[T], opts ...Option) Delayed[[]T] {
	if name == "" {
		name = "gather"
	}
	return CallSlice(g, name, gathered[T], ds, opts...)
}

func gathered[T any](_ context.Context, vs []T) ([]T, error) { return vs, nil }

// broken records a nil function and returns a handle that makes every
// later use fail with the graph's first error.
func broken[R any](g *Graph, name string) Delayed[R] {
	if g.err == nil {
		g.fail(fmt.Errorf("%w (task %q)", ErrNilFunc, name))
	}
	return Delayed[R]{g: g, id: -1}
}

// finish appends the node whose dependencies are g.deps[start:], unless it
// is Pure and an identical node exists, in which case that node is shared.
// ident is the function (or, for a Value, the constant) that a content key
// is made from.
func finish[R any](g *Graph, name string, kind Kind, t Task, c *cell[R], start int, opts []Option, ident any) Delayed[R] {
	o := resolve(opts)
	if o != nil && !g.honours(name, kind, t, o) {
		g.deps = g.deps[:start]
		return Delayed[R]{g: g, id: -1}
	}
	if o != nil && o.pure {
		o.key = g.contentKey(name+o.salt, kind, ident, g.deps[start:])
		if id, ok := g.keys[o.key]; ok {
			g.deps = g.deps[:start]
			return existing[R](g, id, o.key)
		}
	}
	id := g.add(name, kind, t, pointerFree[R](g), o)
	if o != nil && o.key != "" {
		if g.keys == nil {
			g.keys = make(map[string]int32)
		}
		g.keys[o.key] = id
	}
	return Delayed[R]{g: g, id: id, c: c}
}

func existing[R any](g *Graph, id int32, key string) Delayed[R] {
	h, ok := ExecutableOf(g).Task(int(id)).(holder[R])
	if !ok {
		g.fail(fmt.Errorf("%w: %s", ErrKeyType, key))
		return Delayed[R]{g: g, id: -1}
	}
	return Delayed[R]{g: g, id: id, c: h.holder()}
}

// contentKey names a Pure node by what it computes: its name, the function
// value (its type, entry point and closure) or the constant's printed
// value, and its arguments' keys.
// Keys are for finding identical calls within a process; a node's identity
// across processes is its ID. Reflection and hashing happen here only, for
// nodes that asked for it.
func (g *Graph) contentKey(name string, kind Kind, ident any, deps []int32) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00", name, kind)
	if kind == KindValue {
		fmt.Fprintf(h, "%T\x00%#v", ident, ident)
	} else if fn := reflect.ValueOf(ident); fn.Kind() == reflect.Func {
		// What identifies a function value is its closure: two closures
		// of one literal that captured different variables share code and
		// symbol but not closure, while a top-level function (or a literal
		// that captures nothing) is one static closure however often it is
		// named. So calls collapse only when they call the very same
		// function value: never wrongly, at the price of a method value or
		// a closure made afresh for each call not collapsing at all. (The
		// graph keeps the function, so its closure's address is not
		// reused while the key matters.) The entry point tells apart the
		// instantiations of a generic function, which share a closure.
		fmt.Fprintf(h, "%T\x00%x\x00%x", ident, fn.Pointer(), closureOf(ident))
	}
	for _, d := range deps {
		h.Write([]byte{0})
		h.Write([]byte(g.Key(int(d))))
	}
	return name + "-" + hex.EncodeToString(h.Sum(nil)[:8])
}

// closureOf returns the address of the closure a func value (boxed in an
// interface) points to: an interface holding a func keeps the func value,
// a pointer to its closure, as its data word.
func closureOf(fn any) uintptr {
	return uintptr((*[2]unsafe.Pointer)(unsafe.Pointer(&fn))[1])
}

// honours checks that a task of this form can do what its options ask;
// otherwise it is a building error (never an option silently ignored).
func (g *Graph) honours(name string, kind Kind, t Task, o *Options) bool {
	var why string
	switch _, plain := t.(interface{ plainForm() }); {
	case kind == KindValue && (o.Priority != 0 || o.Retries != 0 || o.Timeout != 0 || len(o.Resources) > 0 || o.Remote):
		why = "a Value is a constant and never runs: it takes no Priority, Retries, Timeout, Uses or Remote"
	case plain && o.Timeout != 0:
		why = "Timeout needs a function that takes a context (CallCtx, Source, CallSlice, CallN): a plain function cannot be told to stop"
	default:
		return true
	}
	g.fail(fmt.Errorf("%w: task %q: %s", ErrOption, name, why))
	return false
}
