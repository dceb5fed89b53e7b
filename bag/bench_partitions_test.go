package bag_test

import (
	"context"
	"testing"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// BenchmarkDefaultPartitions shows the default partitioning serving both
// ends (#17), each against its serial loop in the same run (x-loop):
//
//   - costly: 50 elements of about 200 µs of work each (a file to parse, a
//     tile), from FromSlice with no option: 50 partitions, so two workers
//     should take about half the loop's time;
//
//   - cheap: 10^7 integers, map(square) → sum from Range with no option:
//     306 partitions of 32Ki, so one worker should cost what the
//     func-value loop costs, the task overhead lost in the work.
//
//     go test ./bag -run '^$' -bench DefaultPartitions -cpu 1,2 -count 5
func BenchmarkDefaultPartitions(b *testing.B) {
	costly := make([]int, 50)
	for i := range costly {
		costly[i] = i
	}
	wantCostly := 0
	for _, x := range costly {
		wantCostly += spin(x)
	}
	b.Run("costly-50", func(b *testing.B) {
		var g graph.Graph
		sum := bag.Sum(bag.Map(bag.FromSlice(&g, costly), spin))
		paired(b, len(costly), func() {
			s := 0
			for _, x := range costly {
				s += spin(x)
			}
			sinkInt = s
		}, func() {
			v, err := sched.Compute(context.Background(), sum)
			if err != nil || v != wantCostly {
				b.Fatal(v, err)
			}
		})
	})
	want := 0
	for i := range benchN {
		want += square(i)
	}
	b.Run("cheap-1e7", func(b *testing.B) {
		var g graph.Graph
		sum := bag.Sum(bag.Map(bag.Range(&g, 0, benchN), square))
		paired(b, benchN, func() {
			sinkInt = funcLoop(0, benchN, square, all)
		}, func() {
			v, err := sched.Compute(context.Background(), sum)
			if err != nil || v != want {
				b.Fatal(v, err)
			}
		})
	})
}

func all(int) bool { return true }

// spin is about 200 µs of arithmetic that the compiler cannot drop.
//
//go:noinline
func spin(x int) int {
	h := uint64(x) | 1
	for range 100_000 {
		h ^= h << 13
		h ^= h >> 7
		h ^= h << 17
	}
	return int(h & 0xff)
}
