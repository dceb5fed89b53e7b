package pi

import (
	"math/rand/v2"
	"testing"
)

// go test -run '^$' -bench . -count 5 ./tasks/pi/

const benchSamples = 1 << 20

func reportPerSample(b *testing.B) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchSamples, "ns/sample")
}

var sink int

// BenchmarkChunk is the single-threaded cost per sample (numba: about 9.9 ns).
func BenchmarkChunk(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sink += Chunk(1, 0, benchSamples)
	}
	reportPerSample(b)
}

// BenchmarkChunkPCG is the same loop on math/rand/v2's PCG, the alternative
// the package did not take because it is slower.
func BenchmarkChunkPCG(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		g := rand.NewPCG(1, 0)
		hits := 0
		for range benchSamples {
			hits += inside(g.Uint64())
		}
		sink += hits
	}
	reportPerSample(b)
}

// BenchmarkChunkFloat is the workshop's formulation: two float64 draws per
// point and a floating-point test, on math/rand/v2.
func BenchmarkChunkFloat(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		r := rand.New(rand.NewPCG(1, 0))
		hits := 0
		for range benchSamples {
			x, y := 2*r.Float64()-1, 2*r.Float64()-1
			if float64(x*x)+float64(y*y) < 1 {
				hits++
			}
		}
		sink += hits
	}
	reportPerSample(b)
}
