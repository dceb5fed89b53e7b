package sched_test

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

func TestPersist(t *testing.T) {
	for _, w := range workerCounts {
		var g graph.Graph
		var runs atomic.Int32
		x := graph.Value(&g, "x", 4)
		heavy := graph.Call(&g, "heavy", func(v int) int { runs.Add(1); return v * v }, x)
		before := graph.Call(&g, "before", twice, heavy) // built before Persist

		p, err := sched.Persist(context.Background(), heavy, sched.Workers(w))
		if err != nil || runs.Load() != 1 {
			t.Fatalf("workers=%d: Persist: %v after %d runs", w, err, runs.Load())
		}
		if p.Graph() != &g || p.Name() != "heavy" || g.Kind(p.ID()) != graph.KindValue || sched.Stored(p) != 16 {
			t.Errorf("workers=%d: persisted handle %v: kind %v, value %d", w, p, g.Kind(p.ID()), sched.Stored(p))
		}
		after := graph.Call(&g, "after", twice, p)
		vs, err := sched.ComputeAll(context.Background(), []graph.Delayed[int]{after, p}, sched.Workers(w))
		if err != nil || fmt.Sprint(vs) != "[32 16]" || runs.Load() != 1 {
			t.Errorf("workers=%d: built on the persisted value: %v, %v, heavy ran %d times", w, vs, err, runs.Load())
		}
		// What depended on heavy before still computes it.
		if v, err := sched.Compute(context.Background(), before, sched.Workers(w)); v != 32 || err != nil || runs.Load() != 2 {
			t.Errorf("workers=%d: %d, %v, heavy ran %d times", w, v, err, runs.Load())
		}
	}
}

func TestPersistAll(t *testing.T) {
	var g graph.Graph
	var runs atomic.Int32
	x := graph.Value(&g, "x", 3)
	shared := graph.Call(&g, "shared", func(v int) int { runs.Add(1); return v }, x)
	a := graph.Call(&g, "a", twice, shared)
	b := graph.Call(&g, "b", func(v int) int { return v + 1 }, shared)
	ps, err := sched.PersistAll(context.Background(), []graph.Delayed[int]{a, b, a})
	if err != nil || len(ps) != 3 || runs.Load() != 1 {
		t.Fatalf("%v, %v; shared ran %d times", ps, err, runs.Load())
	}
	if sched.Stored(ps[0]) != 6 || sched.Stored(ps[1]) != 4 || sched.Stored(ps[2]) != 6 {
		t.Errorf("persisted %d %d %d", sched.Stored(ps[0]), sched.Stored(ps[1]), sched.Stored(ps[2]))
	}
}

func TestPersistFailure(t *testing.T) {
	var g graph.Graph
	bad := graph.CallCtx(&g, "bad", func(context.Context, int) (int, error) { return 0, errDisk }, graph.Value(&g, "x", 1))
	p, err := sched.Persist(context.Background(), bad)
	if !errors.Is(err, errDisk) || p.Graph() != nil {
		t.Errorf("Persist of a failing task: %v, %v", p, err)
	}
	ps, err := sched.PersistAll(context.Background(), []graph.Delayed[int]{bad})
	if !errors.Is(err, errDisk) || ps != nil {
		t.Errorf("PersistAll of a failing task: %v, %v", ps, err)
	}
	if g.Err() != nil {
		t.Errorf("a failed Persist left a building error: %v", g.Err())
	}
}
