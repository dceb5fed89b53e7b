package cluster

import (
	"context"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// The cost of moving a task to another process, against the local pool
// in the same run: N trivial independent tasks (throughput; batched, and
// one task per message) and a chain of N tasks (the latency of one hop:
// queue, worker, result store, back). Two worker processes, each running
// TG_TEST_CONCURRENCY (default 2) tasks at once.
func BenchmarkCluster(b *testing.B) {
	for _, s := range []struct {
		name  string
		job   string
		n     int
		batch int // Options.Batch (0: the default)
		build func(sizeParams, ...graph.Option) (*graph.Graph, graph.Delayed[int])
		unit  string
	}{
		{"trivial", "trivial", 5000, 0, trivial, "task"},
		{"unbatched", "trivial", 5000, 1, trivial, "task"},
		{"chain", "chain", 200, 0, chain, "hop"},
	} {
		p := sizeParams{N: s.n}
		b.Run(s.name+"/local", func(b *testing.B) {
			_, target := s.build(p)
			benchRuns(b, target, s.n, s.unit)
		})
		b.Run(s.name+"/cluster", func(b *testing.B) {
			c := benchCluster(b, s.batch)
			j, err := c.Job(s.job, p)
			if err != nil {
				b.Fatal(err)
			}
			_, target := s.build(p, remoteOpts()...)
			benchRuns(b, target, s.n, s.unit, sched.WithExecutor(j))
		})
	}
}

// benchCluster is an embedded server with two worker processes and a
// coordinator sending at most batch tasks per message.
func benchCluster(b *testing.B, batch int) *Cluster {
	c, _ := openLocal(b, LocalOptions{Workers: 2, Worker: testWorker}, Options{Batch: batch})
	return c
}

func benchRuns(b *testing.B, target graph.Delayed[int], n int, unit string, opts ...sched.Option) {
	ctx := context.Background()
	if _, err := sched.Compute(ctx, target, opts...); err != nil { // warm: workers' graphs built
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		if _, err := sched.Compute(ctx, target, opts...); err != nil {
			b.Fatal(err)
		}
	}
	per := time.Since(start) / time.Duration(b.N*n)
	b.ReportMetric(float64(per.Nanoseconds())/1e3, "µs/"+unit)
	b.ReportMetric(1e9/float64(per.Nanoseconds()), unit+"s/s")
}
