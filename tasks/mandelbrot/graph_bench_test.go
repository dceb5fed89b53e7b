package mandelbrot_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/mandelbrot"
)

// BenchmarkTiled is the whole tiled pipeline on the default view: building
// the graph, computing every tile and assembling the image, with as many
// workers as GOMAXPROCS. Compare it with BenchmarkCompute, the serial
// kernel over the same view:
//
//	flock /tmp/tg.lock go test -run '^$' -bench 'Compute$|Tiled' -cpu 1,2 -count 5 ./tasks/mandelbrot/
func BenchmarkTiled(b *testing.B) {
	for _, n := range []int{16, 256, 4096} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			v := mandelbrot.DefaultView()
			tiles, err := mandelbrot.Split(v, n)
			if err != nil {
				b.Fatal(err)
			}
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
}
