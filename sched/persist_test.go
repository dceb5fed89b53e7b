package sched_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// A persisted value is computed once; later graphs built on it read it as
// a constant.
func TestPersistComputesOnce(t *testing.T) {
	var calls atomic.Int32
	expensive := func(x int) int { calls.Add(1); return x * 10 }
	for _, w := range []int{1, 2} {
		calls.Store(0)
		var g graph.Graph
		x := graph.Value(&g, "x", 4)
		e := graph.Call(&g, "expensive", expensive, x)
		kept, err := sched.Persist(context.Background(), e, sched.Workers(w))
		if err != nil {
			t.Fatal(err)
		}
		if g.Kind(kept.ID()) != graph.KindValue || kept.Name() != "expensive" {
			t.Fatalf("persisted handle is a %v named %q", g.Kind(kept.ID()), kept.Name())
		}
		for i := range 3 {
			d := graph.Call(&g, "plus", func(v int) int { return v + i }, kept)
			if v, err := sched.Compute(context.Background(), d, sched.Workers(w)); err != nil || v != 40+i {
				t.Fatalf("round %d: %d, %v", i, v, err)
			}
		}
		if n := calls.Load(); n != 1 {
			t.Fatalf("workers=%d: the persisted task ran %d times", w, n)
		}
	}
}

func TestPersistAllAndErrors(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 2)
	a := graph.Call(&g, "a", func(v int) int { return v + 1 }, x)
	b := graph.Call(&g, "b", func(v int) int { return v * 3 }, x)
	kept, err := sched.PersistAll(context.Background(), []graph.Delayed[int]{a, b})
	if err != nil || kept[0].Stored() != 3 || kept[1].Stored() != 6 {
		t.Fatalf("%v %v", kept, err)
	}
	bad := graph.CallCtx(&g, "bad", func(context.Context, int) (int, error) { return 0, fmt.Errorf("no") }, x)
	if _, err := sched.Persist(context.Background(), bad); err == nil {
		t.Fatal("a failing Persist returned no error")
	}
}

// Persist a value that later graphs share, so it is computed only once.
func ExamplePersist() {
	var g graph.Graph
	data := graph.Value(&g, "data", []int{3, 1, 2})
	sorted := graph.Call(&g, "sort", func(xs []int) []int {
		fmt.Println("sorting")
		out := append([]int(nil), xs...)
		for i := range out {
			for j := i + 1; j < len(out); j++ {
				if out[j] < out[i] {
					out[i], out[j] = out[j], out[i]
				}
			}
		}
		return out
	}, data)
	kept, _ := sched.Persist(context.Background(), sorted)

	first := graph.Call(&g, "first", func(xs []int) int { return xs[0] }, kept)
	last := graph.Call(&g, "last", func(xs []int) int { return xs[len(xs)-1] }, kept)
	lo, _ := sched.Compute(context.Background(), first)
	hi, _ := sched.Compute(context.Background(), last)
	fmt.Println(lo, hi)
	// Output:
	// sorting
	// 1 3
}
