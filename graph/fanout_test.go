package graph_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// CallN adds one task per index, each named name with the argument as
// its only dependency, and each computes fn with its own index.
func TestCallNBuildsIndexedTasks(t *testing.T) {
	var g graph.Graph
	base := graph.Value(&g, "base", 100)
	parts := graph.CallN(&g, "part", 5, func(_ context.Context, k, b int) (int, error) { return b + k*k, nil }, base)
	if len(parts) != 5 {
		t.Fatalf("%d handles, want 5", len(parts))
	}
	for k, p := range parts {
		if p.ID() != base.ID()+1+k || p.Name() != "part" || g.Kind(p.ID()) != graph.KindTask {
			t.Errorf("part %d: ID %d, name %q", k, p.ID(), p.Name())
		}
		if d := g.Deps(p.ID()); !slices.Equal(d, []int32{int32(base.ID())}) {
			t.Errorf("part %d depends on %v", k, d)
		}
	}
	vs, err := sched.ComputeAll(context.Background(), parts)
	if err != nil || !slices.Equal(vs, []int{100, 101, 104, 109, 116}) {
		t.Fatalf("%v, %v", vs, err)
	}
	total := graph.CallSlice(&g, "total", sum, parts)
	for _, workers := range []int{1, 2, 8} {
		v, err := sched.Compute(context.Background(), total, sched.Workers(workers))
		if err != nil || v != 530 {
			t.Errorf("%d workers: total %d, %v; want 530", workers, v, err)
		}
	}
}

// A task of a fan-out fails alone, named by its key, and its error keeps
// its cause.
func TestCallNTaskError(t *testing.T) {
	var g graph.Graph
	bad := errors.New("bad shard")
	x := graph.Value(&g, "x", 0)
	parts := graph.CallN(&g, "shard", 4, func(_ context.Context, k, _ int) (int, error) {
		if k == 2 {
			return 0, bad
		}
		return k, nil
	}, x)
	_, err := sched.Compute(context.Background(), graph.CallSlice(&g, "all", sum, parts))
	if !errors.Is(err, bad) || !strings.Contains(err.Error(), "shard#3") {
		t.Fatalf("error %v; want the cause, naming shard#3", err)
	}
}

func TestCallNMistakes(t *testing.T) {
	id := func(_ context.Context, k, _ int) (int, error) { return k, nil }
	t.Run("negative count", func(t *testing.T) {
		var g graph.Graph
		if ds := graph.CallN(&g, "f", -1, id, graph.Value(&g, "x", 0)); ds != nil || !errors.Is(g.Err(), graph.ErrCount) {
			t.Errorf("handles %v, error %v", ds, g.Err())
		}
	})
	t.Run("too many", func(t *testing.T) {
		var g graph.Graph
		if ds := graph.CallN(&g, "f", math.MaxInt32, id, graph.Value(&g, "x", 0)); ds != nil || !errors.Is(g.Err(), graph.ErrTooLarge) {
			t.Errorf("handles %d, error %v", len(ds), g.Err())
		}
	})
	t.Run("nil function", func(t *testing.T) {
		var g graph.Graph
		if ds := graph.CallN[int, int](&g, "f", 3, nil, graph.Value(&g, "x", 0)); ds != nil || !errors.Is(g.Err(), graph.ErrNilFunc) {
			t.Errorf("handles %v, error %v", ds, g.Err())
		}
	})
	t.Run("zero argument", func(t *testing.T) {
		var g graph.Graph
		ds := graph.CallN(&g, "f", 3, id, graph.Delayed[int]{})
		if len(ds) != 3 || ds[0].ID() >= 0 || !errors.Is(g.Err(), graph.ErrZeroHandle) || g.Len() != 0 {
			t.Errorf("handles %v, error %v, %d nodes", ds, g.Err(), g.Len())
		}
		if _, err := sched.Compute(context.Background(), graph.CallSlice(&g, "all", sum, ds)); !errors.Is(err, graph.ErrZeroHandle) {
			t.Errorf("computing a broken fan-out: %v", err)
		}
	})
	t.Run("foreign argument", func(t *testing.T) {
		var g, other graph.Graph
		ds := graph.CallN(&g, "f", 2, id, graph.Value(&other, "x", 0))
		if len(ds) != 2 || !errors.Is(g.Err(), graph.ErrForeignHandle) {
			t.Errorf("handles %v, error %v", ds, g.Err())
		}
	})
	t.Run("none", func(t *testing.T) {
		var g graph.Graph
		x := graph.Value(&g, "x", 0)
		if ds := graph.CallN(&g, "f", 0, id, x); len(ds) != 0 || g.Err() != nil || g.Len() != 1 {
			t.Errorf("handles %v, error %v, %d nodes", ds, g.Err(), g.Len())
		}
	})
}

// Options reach every task of a fan-out; with Pure, tasks of the same
// index are shared and tasks of different indices are not.
func TestCallNOptions(t *testing.T) {
	var g graph.Graph
	var runs atomic.Int32
	fn := func(_ context.Context, k, b int) (int, error) { runs.Add(1); return b * k, nil }
	x := graph.Value(&g, "x", 3, graph.Pure())
	a := graph.CallN(&g, "mul", 3, fn, x, graph.Pure())
	b := graph.CallN(&g, "mul", 4, fn, x, graph.Pure())
	for k := range a {
		if a[k].ID() != b[k].ID() {
			t.Errorf("index %d not shared: %d and %d", k, a[k].ID(), b[k].ID())
		}
		if k > 0 && a[k].ID() == a[k-1].ID() {
			t.Errorf("indices %d and %d share a task", k-1, k)
		}
		if key := g.Key(a[k].ID()); !strings.HasPrefix(key, "mul[") {
			t.Errorf("key %q does not show the index", key)
		}
	}
	vs, err := sched.ComputeAll(context.Background(), b)
	if err != nil || !slices.Equal(vs, []int{0, 3, 6, 9}) || runs.Load() != 4 {
		t.Fatalf("%v, %v, %d runs; want [0 3 6 9] in 4 runs", vs, err, runs.Load())
	}

	r := graph.CallN(&g, "ranked", 2, fn, x, graph.Priority(5))
	for _, d := range r {
		if o, ok := graph.ExecutableOf(&g).Options(d.ID()); !ok || o.Priority != 5 {
			t.Errorf("task %d options %+v", d.ID(), o)
		}
	}
}

// A fan-out that would take more memory than the machine has is a
// building error, found before anything is allocated (n fits the node
// limit: the limit is the memory).
func TestCallNLargerThanMemory(t *testing.T) {
	var g graph.Graph
	id := func(_ context.Context, k int, _ int) (int, error) { return k, nil }
	ds := graph.CallN(&g, "f", 1<<31-10, id, graph.Value(&g, "x", 0))
	if ds != nil || !errors.Is(g.Err(), graph.ErrTooLarge) {
		t.Fatalf("%d handles, %v; want ErrTooLarge", len(ds), g.Err())
	}
	if !strings.Contains(g.Err().Error(), "MiB") {
		t.Errorf("the error does not say how much memory: %v", g.Err())
	}
}
