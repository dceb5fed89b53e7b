package mandelbrot_test

import (
	"context"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/mandelbrot"
)

// BenchmarkTiled is the whole tiled pipeline on the default view: building
// the graph, computing every tile and assembling the image, with as many
// workers as GOMAXPROCS. Compare it with BenchmarkCompute, the serial
// kernel over the same view:
//
//	go test ./tasks/mandelbrot -run '^$' -bench 'Compute$|Tiled' -cpu 1,2 -count 5
func BenchmarkTiled(b *testing.B) {
	forTilings(b, []int{16, 256, 4096}, func(b *testing.B, v mandelbrot.View, tiles []mandelbrot.Tile) {
		b.ReportAllocs()
		// A b.N loop, not b.Loop: b.Loop's first -cpu run was seen to
		// run with the previous GOMAXPROCS (see bag's benchmarks).
		for range b.N {
			var g graph.Graph
			d, err := mandelbrot.Build(&g, v, tiles)
			if err != nil {
				b.Fatal(err)
			}
			r, err := sched.Compute(context.Background(), d)
			if err != nil || r.Sum != 21169614 {
				b.Fatal(r.Sum, err)
			}
		}
	})
}

// forTilings runs body as the sub-benchmark "tiles=N" for each tile
// count N, with the default view split into N tiles.
func forTilings(b *testing.B, counts []int, body func(b *testing.B, v mandelbrot.View, tiles []mandelbrot.Tile)) {
	v := mandelbrot.DefaultView()
	for _, n := range counts {
		tiles, err := mandelbrot.Split(v, n)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("tiles="+strconv.Itoa(n), func(b *testing.B) { body(b, v, tiles) })
	}
}

// BenchmarkBuild is building the tiled graph alone: the part of a run
// that no worker can share.
//
//	go test ./tasks/mandelbrot -run '^$' -bench 'Build' -cpu 1 -count 5
func BenchmarkBuild(b *testing.B) {
	forTilings(b, []int{16, 4096}, func(b *testing.B, v mandelbrot.View, tiles []mandelbrot.Tile) {
		b.ReportAllocs()
		for range b.N {
			var g graph.Graph
			if _, err := mandelbrot.Build(&g, v, tiles); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(tiles)), "ns/tile")
	})
}

// BenchmarkSpeedup times the serial kernel and a parallel run of the same
// view as pairs, one after the other in every iteration, and reports the
// median of each and their ratio ("speedup"). The machine this is measured
// on is shared: its load drifts within seconds, so BenchmarkCompute and
// BenchmarkTiled, run a minute apart, were seen to differ by 20% from one
// -count to the next; within a pair the drift mostly cancels. The two
// halves take turns going first, so that neither always runs on a machine
// the other has just warmed (or left to a neighbour). Besides the ratio of
// the medians it reports the ratio of the fastest of each ("min-speedup"),
// the times least disturbed by other tenants.
//
//	go test ./tasks/mandelbrot -run '^$' -bench Speedup -cpu 2 -count 10
//
// "tiles=N" is the tiled pipeline of BenchmarkTiled. "goroutines" is its
// ceiling: GOMAXPROCS bare goroutines taking rows of the image from a
// shared counter and computing them into one image, with no graph, no
// scheduler and no assembly.
func BenchmarkSpeedup(b *testing.B) {
	forTilings(b, []int{16, 4096}, func(b *testing.B, v mandelbrot.View, tiles []mandelbrot.Tile) {
		paired(b, v, func() int64 {
			var g graph.Graph
			d, err := mandelbrot.Build(&g, v, tiles)
			if err != nil {
				b.Fatal(err)
			}
			r, err := sched.Compute(context.Background(), d)
			if err != nil {
				b.Fatal(err)
			}
			return r.Sum
		})
	})
	v := mandelbrot.DefaultView()
	b.Run("goroutines", func(b *testing.B) {
		paired(b, v, func() int64 {
			m := mandelbrot.NewImage(v.Bounds())
			var next atomic.Int32
			var wg sync.WaitGroup
			for range runtime.GOMAXPROCS(0) {
				wg.Go(func() {
					for j := int(next.Add(1) - 1); j < v.Height; j = int(next.Add(1) - 1) {
						row := mandelbrot.Tile{Y0: j, W: v.Width, H: 1}
						if err := mandelbrot.ComputeInto(m.Row(j), v, row); err != nil {
							panic(err)
						}
					}
				})
			}
			wg.Wait()
			return m.Sum()
		})
	})
}

// paired runs Compute(v) and parallel b.N times, each going first in
// turn, and reports their median times, the ratio of the medians and the
// ratio of the fastest times.
func paired(b *testing.B, v mandelbrot.View, parallel func() (sum int64)) {
	serial := make([]time.Duration, 0, b.N)
	par := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	for k := range b.N {
		var m mandelbrot.Image
		var err error
		var sum int64
		var ts, tp time.Duration
		runSerial := func() {
			t0 := time.Now()
			m, err = mandelbrot.Compute(v)
			ts = time.Since(t0)
		}
		runParallel := func() {
			t0 := time.Now()
			sum = parallel()
			tp = time.Since(t0)
		}
		if k%2 == 0 {
			runSerial()
			runParallel()
		} else {
			runParallel()
			runSerial()
		}
		if err != nil || sum != m.Sum() {
			b.Fatal(sum, m.Sum(), err)
		}
		serial, par = append(serial, ts), append(par, tp)
	}
	s, p := median(serial), median(par)
	b.ReportMetric(float64(s.Nanoseconds()), "serial-ns")
	b.ReportMetric(float64(p.Nanoseconds()), "parallel-ns")
	b.ReportMetric(float64(s)/float64(p), "speedup")
	b.ReportMetric(float64(serial[0])/float64(par[0]), "min-speedup") // median sorted both
}

func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}
