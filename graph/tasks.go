package graph

import "context"

// The task kinds. Each embeds the cell holding its result and points at its
// arguments' cells, so running one is a direct, typed call.

type constant[T any] struct{ cell[T] }

func (*constant[T]) Run(context.Context) error { return nil }

// Clear keeps a constant: it belongs to the graph, not to a run.
func (*constant[T]) Clear() {}

type source[R any] struct {
	cell[R]
	fc func(context.Context) (R, error)
}

func (t *source[R]) Run(ctx context.Context) error {
	v, err := t.fc(ctx)
	if err == nil {
		t.v = v
	}
	return err
}

// The plain and the context forms are separate types: a task object holds
// one function field, so a graph of tiny tasks allocates (and the garbage
// collector scans) a word less per task, and Run has no branch.

type call1[A, R any] struct {
	cell[R]
	f func(A) R
	a *cell[A]
}

func (t *call1[A, R]) Run(context.Context) error {
	t.v = t.f(t.a.v)
	return nil
}

type ctxCall1[A, R any] struct {
	cell[R]
	f func(context.Context, A) (R, error)
	a *cell[A]
}

func (t *ctxCall1[A, R]) Run(ctx context.Context) error {
	v, err := t.f(ctx, t.a.v)
	if err == nil {
		t.v = v
	}
	return err
}

type call2[A, B, R any] struct {
	cell[R]
	f func(A, B) R
	a *cell[A]
	b *cell[B]
}

func (t *call2[A, B, R]) Run(context.Context) error {
	t.v = t.f(t.a.v, t.b.v)
	return nil
}

type ctxCall2[A, B, R any] struct {
	cell[R]
	f func(context.Context, A, B) (R, error)
	a *cell[A]
	b *cell[B]
}

func (t *ctxCall2[A, B, R]) Run(ctx context.Context) error {
	v, err := t.f(ctx, t.a.v, t.b.v)
	if err == nil {
		t.v = v
	}
	return err
}

type call3[A, B, C, R any] struct {
	cell[R]
	f func(A, B, C) R
	a *cell[A]
	b *cell[B]
	c *cell[C]
}

func (t *call3[A, B, C, R]) Run(context.Context) error {
	t.v = t.f(t.a.v, t.b.v, t.c.v)
	return nil
}

type ctxCall3[A, B, C, R any] struct {
	cell[R]
	f func(context.Context, A, B, C) (R, error)
	a *cell[A]
	b *cell[B]
	c *cell[C]
}

func (t *ctxCall3[A, B, C, R]) Run(ctx context.Context) error {
	v, err := t.f(ctx, t.a.v, t.b.v, t.c.v)
	if err == nil {
		t.v = v
	}
	return err
}

type sliceCall[T, R any] struct {
	cell[R]
	fc  func(context.Context, []T) (R, error)
	ins []*cell[T]
}

func (t *sliceCall[T, R]) Run(ctx context.Context) error {
	vs := make([]T, len(t.ins))
	for i, c := range t.ins {
		vs[i] = c.v
	}
	v, err := t.fc(ctx, vs)
	if err == nil {
		t.v = v
	}
	return err
}

// Copies for runs that own their tasks (see Executable.Copy): the same
// function, fresh result, arguments read from the cells arg hands out.

func (t *constant[T]) copyWith(*argSource) Task { return t } // constants are shared

func (t *source[R]) copyWith(*argSource) Task { return &source[R]{fc: t.fc} }

func (t *call1[A, R]) copyWith(src *argSource) Task {
	return &call1[A, R]{f: t.f, a: argCell[A](src, 0)}
}

func (t *ctxCall1[A, R]) copyWith(src *argSource) Task {
	return &ctxCall1[A, R]{f: t.f, a: argCell[A](src, 0)}
}

func (t *call2[A, B, R]) copyWith(src *argSource) Task {
	return &call2[A, B, R]{f: t.f, a: argCell[A](src, 0), b: argCell[B](src, 1)}
}

func (t *ctxCall2[A, B, R]) copyWith(src *argSource) Task {
	return &ctxCall2[A, B, R]{f: t.f, a: argCell[A](src, 0), b: argCell[B](src, 1)}
}

func (t *call3[A, B, C, R]) copyWith(src *argSource) Task {
	return &call3[A, B, C, R]{f: t.f, a: argCell[A](src, 0), b: argCell[B](src, 1), c: argCell[C](src, 2)}
}

func (t *ctxCall3[A, B, C, R]) copyWith(src *argSource) Task {
	return &ctxCall3[A, B, C, R]{f: t.f, a: argCell[A](src, 0), b: argCell[B](src, 1), c: argCell[C](src, 2)}
}

func (t *sliceCall[T, R]) copyWith(src *argSource) Task {
	ins := make([]*cell[T], len(t.ins))
	for k := range ins {
		ins[k] = argCell[T](src, k)
	}
	return &sliceCall[T, R]{fc: t.fc, ins: ins}
}

// plainForm marks the tasks whose function takes no context.
func (*call1[A, R]) plainForm()       {}
func (*call2[A, B, R]) plainForm()    {}
func (*call3[A, B, C, R]) plainForm() {}

// Arguments, boxed, for executors that send them elsewhere.

func (*constant[T]) Args() []any            { return nil }
func (*source[R]) Args() []any              { return nil }
func (t *call1[A, R]) Args() []any          { return []any{t.a.v} }
func (t *ctxCall1[A, R]) Args() []any       { return []any{t.a.v} }
func (t *call2[A, B, R]) Args() []any       { return []any{t.a.v, t.b.v} }
func (t *ctxCall2[A, B, R]) Args() []any    { return []any{t.a.v, t.b.v} }
func (t *call3[A, B, C, R]) Args() []any    { return []any{t.a.v, t.b.v, t.c.v} }
func (t *ctxCall3[A, B, C, R]) Args() []any { return []any{t.a.v, t.b.v, t.c.v} }

func (t *sliceCall[T, R]) Args() []any {
	vs := make([]any, len(t.ins))
	for k, c := range t.ins {
		vs[k] = c.v
	}
	return vs
}
