package pi_test

import (
	"context"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/pi"
)

// BenchmarkBuild is the chunked pipeline: 2²⁴ samples in 64 chunks, the
// graph built and computed with as many workers as GOMAXPROCS. ns/sample
// against BenchmarkChunk's (one goroutine, no graph) is the speed-up:
//
//	flock /tmp/tg.lock go test -run '^$' -bench 'Chunk$|Build' -cpu 1,2 -count 5 ./tasks/pi/
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
