package bag_test

import (
	"context"
	"testing"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

func mapOfSlices(xs []int) map[int][]int {
	m := make(map[int][]int)
	for _, x := range xs {
		m[x] = append(m[x], x)
	}
	return m
}

// BenchmarkGroups groups 10^7 ints into 1,000 keys (x mod 1000) with the
// shuffled Groups, against the single-goroutine map-of-slices loop in the
// same run (x-loop: the bag's throughput over the loop's), and reports
// the peak live heap of each (the input itself, 80 MB, is in both).
//
//	go test ./bag -run '^$' -bench Groups -cpu 1,2 -count 5
func BenchmarkGroups(b *testing.B) {
	xs := mod1000()
	b.Run("loop", func(b *testing.B) {
		b.ReportAllocs()
		peak := sampleHeap()
		for range b.N {
			sinkInt = len(mapOfSlices(xs))
		}
		perElem(b, benchN)
		b.ReportMetric(float64(peak())/(1<<20), "peak-MiB")
	})
	for _, out := range []int{0, 16} {
		name := "bag"
		var opts []bag.Option
		if out > 0 {
			name = "bag-split-out-16"
			opts = append(opts, bag.SplitOut(out))
		}
		b.Run(name, func(b *testing.B) { benchGroups(b, xs, opts) })
	}
}

func benchGroups(b *testing.B, xs []int, opts []bag.Option) {
	{
		var g graph.Graph
		groups := bag.Count(bag.Groups(bag.FromSlice(&g, xs), func(x int) int { return x }, opts...))
		peak := sampleHeap()
		paired(b, benchN, func() { sinkInt = len(mapOfSlices(xs)) }, func() {
			n, err := sched.Compute(context.Background(), groups)
			if err != nil || n != 1000 {
				b.Fatal(n, err)
			}
		})
		b.ReportMetric(float64(peak())/(1<<20), "peak-MiB")
	}
}
