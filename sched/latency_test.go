package sched_test

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// How long a run takes to return once it is told to stop, with 1,000
// ready tasks queued behind two that block until their context ends: by
// the caller cancelling its context (cancel), or by a task failing
// (fail-fast). Reported as the median and the largest of the iterations,
// from the moment of the cancel (or of the failing return) to Compute's
// return; goroutines are counted after each run.
//
//	go test ./sched -run '^$' -bench Latency -benchtime 200x -count 3
func BenchmarkLatency(b *testing.B) {
	for _, mode := range []string{"cancel", "fail-fast"} {
		b.Run(mode, func(b *testing.B) {
			base := runtime.NumGoroutine()
			lat := make([]time.Duration, 0, b.N)
			for range b.N {
				lat = append(lat, stopLatency(b, mode == "cancel"))
				if n := runtime.NumGoroutine(); n > base+2 {
					b.Fatalf("%d goroutines after a run, %d before", n, base)
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "ns-median")
			b.ReportMetric(float64(lat[len(lat)-1].Nanoseconds()), "ns-max")
		})
	}
}

var errStop = errors.New("stop")

func stopLatency(b *testing.B, cancelled bool) time.Duration {
	var g graph.Graph
	x := graph.Value(&g, "x", 0)
	started := make(chan struct{}, 2)
	failAt := make(chan time.Time, 1)
	block := func(ctx context.Context, v int) (int, error) {
		started <- struct{}{}
		if !cancelled && v == 0 {
			failAt <- time.Now()
			return 0, errStop
		}
		<-ctx.Done()
		return 0, ctx.Err()
	}
	ds := []graph.Delayed[int]{
		graph.CallCtx(&g, "block", block, x),
		graph.CallCtx(&g, "block", block, graph.Value(&g, "y", 1)),
	}
	for range 1000 {
		ds = append(ds, graph.Call(&g, "queued", func(v int) int { return v }, x))
	}
	// Priorities put the blockers first, so the 1,000 wait in the queues.
	ds[0] = graph.CallCtx(&g, "block", block, x, graph.Priority(1))
	ds[1] = graph.CallCtx(&g, "block", block, graph.Value(&g, "y", 1), graph.Priority(1))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan time.Time, 1)
	go func() {
		_, _ = sched.ComputeAll(ctx, ds, sched.Workers(2))
		done <- time.Now()
	}()
	if cancelled {
		<-started
		<-started
		t0 := time.Now()
		cancel()
		return (<-done).Sub(t0)
	}
	t0 := <-failAt
	return (<-done).Sub(t0)
}
