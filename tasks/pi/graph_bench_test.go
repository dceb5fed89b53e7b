package pi_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/pi"
)

// BenchmarkBuild is the chunked pipeline: 2²⁴ samples in 64 chunks, the
// graph built and computed with as many workers as GOMAXPROCS. ns/sample
// against BenchmarkChunk's (one goroutine, no graph) is the speed-up:
//
//	go test -run '^$' -bench 'Chunk$|Build' -cpu 1,2 -count 5 ./tasks/pi/
func BenchmarkBuild(b *testing.B) {
	const samples, chunks = 1 << 24, 64
	want, _ := pi.Run(1, samples, chunks)
	b.ReportAllocs()
	// A b.N loop, not b.Loop: b.Loop's first -cpu run was seen to run with
	// the previous GOMAXPROCS (see bag's benchmarks).
	for range b.N {
		var g graph.Graph
		d, err := pi.Build(&g, 1, samples, chunks)
		if err != nil {
			b.Fatal(err)
		}
		r, err := sched.Compute(context.Background(), d)
		if err != nil || r.Hits != want {
			b.Fatal(r, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/samples, "ns/sample")
}

// BenchmarkGoroutines is BenchmarkBuild's ceiling: the same chunks shared
// by GOMAXPROCS bare goroutines through a counter, with no graph and no
// scheduler. At 2 workers BenchmarkBuild measured within 2% of it in the
// same invocation (1.37 against 1.35 ns/sample, medians of 5):
//
//	go test -run '^$' -bench 'Chunk$|Build|Goroutines' -cpu 1,2 -count 5 ./tasks/pi/
func BenchmarkGoroutines(b *testing.B) {
	const samples, chunks = 1 << 24, 64
	want, _ := pi.Run(1, samples, chunks)
	sizes, _ := pi.Split(samples, chunks)
	b.ReportAllocs()
	for range b.N {
		var next, hits atomic.Int64
		var wg sync.WaitGroup
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				h := 0
				for i := int(next.Add(1) - 1); i < chunks; i = int(next.Add(1) - 1) {
					h += pi.Chunk(1, i, sizes[i])
				}
				hits.Add(int64(h))
			})
		}
		wg.Wait()
		if got := int(hits.Load()); got != want {
			b.Fatal(got, want)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/samples, "ns/sample")
}
