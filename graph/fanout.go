package graph

import (
	"context"
	"fmt"
	"strconv"
	"unsafe"
)

// CallN adds n tasks, task k computing fn(ctx, k, a) for k = 0 … n−1, and
// returns their handles in order: a fan-out of indexed tasks over one
// argument (the tiles of an image, the chunks of a sum, the shards of a
// file), each named name.
//
// It is what a loop calling [CallCtx] with a closure per k would build,
// but cheaper: the n task objects are allocated together and share fn,
// so the fan-out costs one allocation for its tasks instead of two per
// task (a closure capturing k and a task holding it); the README's
// benchmark table says what that saves.
//
// With [Pure], each task's content key includes its index k, so only a
// fan-out with the same name, function, argument and index is shared.
// n = 0 adds nothing and returns an empty slice; a negative n, or one
// that would take the graph past 2^31−1 nodes, is a building error and
// returns nil.
func CallN[A, R any](g *Graph, name string, n int, fn func(ctx context.Context, k int, a A) (R, error), a Delayed[A], opts ...Option) []Delayed[R] {
	if g == nil {
		return nil
	}
	name = g.nameOr(name, fn)
	switch {
	case n < 0:
		g.fail(fmt.Errorf("%w: %d tasks (task %q)", ErrCount, n, name))
		return nil
	case n > maxNodes-len(g.nodes):
		// Checked before allocating n tasks, which could exhaust memory.
		g.fail(fmt.Errorf("%w: %d more (task %q)", ErrTooLarge, n, name))
		return nil
	case uint64(n)*fanOutBytes[A, R]() > memoryBudget():
		g.fail(fmt.Errorf("%w: %d tasks (task %q) would take %d MiB, more than this machine's memory (%d MiB)",
			ErrTooLarge, n, name, uint64(n)*fanOutBytes[A, R]()>>20, memoryBudget()>>20))
		return nil
	case fn == nil:
		broken[R](g, name)
		return nil
	}
	out := make([]Delayed[R], n)
	if !check(g, name, a) {
		for k := range out {
			out[k] = Delayed[R]{g: g, id: -1}
		}
		return out
	}
	shared := &fanOut[A, R]{f: fn, a: a.c}
	ts := make([]indexed[A, R], n)
	for k := range ts {
		t := &ts[k]
		t.k, t.s = k, shared
		start := len(g.deps)
		g.deps = append(grow(g.deps, 1), a.id)
		kopts := opts
		if len(opts) > 0 {
			// The index is part of what a Pure task computes.
			kopts = append(opts[:len(opts):len(opts)], indexKey(k))
		}
		out[k] = finish(g, name, KindTask, t, &t.cell, start, kopts, fn)
	}
	return out
}

// fanOutBytes is what one task of a CallN costs the graph: its task
// object, its handle, its node, its argument and its entry in the task
// table.
func fanOutBytes[A, R any]() uint64 {
	return uint64(unsafe.Sizeof(indexed[A, R]{}) + unsafe.Sizeof(Delayed[R]{}) + unsafe.Sizeof(node{}) + 4 + 16)
}

// fanOut is what the tasks of one CallN share.
type fanOut[A, R any] struct {
	f func(context.Context, int, A) (R, error)
	a *cell[A]
}

type indexed[A, R any] struct {
	cell[R]
	k int
	s *fanOut[A, R]
}

func (t *indexed[A, R]) Run(ctx context.Context) error {
	v, err := t.s.f(ctx, t.k, t.s.a.v)
	if err == nil {
		t.v = v
	}
	return err
}

// indexKey makes a Pure task's content key depend on its index k.
func indexKey(k int) Option {
	return func(o *Options) {
		if o.pure {
			o.salt = "[" + strconv.Itoa(k) + "]"
		}
	}
}

func (t *indexed[A, R]) copyWith(src *argSource) Task {
	return &indexed[A, R]{k: t.k, s: &fanOut[A, R]{f: t.s.f, a: argCell[A](src, 0)}}
}

func (t *indexed[A, R]) Args() []any { return []any{t.s.a.v} }

// Index is the task's k, which it passes to its function along with its
// argument: part of what a task run elsewhere needs to be sent.
func (t *indexed[A, R]) Index() int { return t.k }
