package sched_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// liveHeap is the heap in use after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// What a 10^6-task graph costs in memory: the graph itself, plus the plan
// the scheduler keeps for it (cached for re-runs), per task. A run's own
// state is counted too: it is measured while a task at the end of the run
// looks at the heap.
//
//	go test ./sched -run '^$' -bench Memory -benchtime 3x
func BenchmarkMemoryPerTask(b *testing.B) {
	const n = 1_000_000
	for b.Loop() {
		before := liveHeap()
		var g graph.Graph
		x := graph.Value(&g, "x", 1)
		parts := make([]graph.Delayed[int], n)
		for i := range parts {
			parts[i] = graph.Call(&g, "inc", inc, x)
		}
		var during uint64
		total := graph.CallSlice(&g, "sum", func(_ context.Context, xs []int) (int, error) {
			during = liveHeap() // graph + plan + run state + this slice of results
			return sumAll(nil, xs)
		}, parts)
		parts = nil // the caller's handles are not the graph's cost
		built := liveHeap()
		if v, err := sched.Compute(context.Background(), total, sched.Workers(1)); err != nil || v != 2*n {
			b.Fatal(v, err)
		}
		planned := liveHeap()
		b.ReportMetric(float64(built-before)/n, "graph-B/task")
		b.ReportMetric(float64(planned-before)/n, "graph+plan-B/task")
		b.ReportMetric(float64(during-before)/n, "during-run-B/task")
		runtime.KeepAlive(total)
	}
}

// A chain of 1,000 tasks, each making 1 MiB from the one before: the run
// holds at most a few of them at once. Reported as the peak number of live
// results, counted by the scheduler through the hooks.
func BenchmarkChainOfMiB(b *testing.B) {
	const links, size = 1000, 1 << 20
	var g graph.Graph
	d := graph.Source(&g, "first", func(context.Context) ([]byte, error) { return make([]byte, size), nil })
	for range links - 1 {
		d = graph.Call(&g, "next", func(prev []byte) []byte {
			next := make([]byte, size)
			next[0] = prev[0] + 1
			return next
		}, d)
	}
	for _, w := range []int{1, 2} {
		var peakLive int
		hooks := sched.Hooks{RunDone: func(s sched.RunStats) { peakLive = s.PeakLive }}
		b.Run(map[int]string{1: "workers=1", 2: "workers=2"}[w], func(b *testing.B) {
			for b.Loop() {
				if _, err := sched.Compute(context.Background(), d, sched.Workers(w), sched.WithHooks(hooks)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(peakLive), "peak-live-results")
			b.ReportMetric(float64(peakLive*size)/(1<<20), "peak-live-MiB")
		})
	}
}
