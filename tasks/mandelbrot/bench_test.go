package mandelbrot

import (
	"strconv"
	"testing"
)

// The benchmarks report ns/iter: wall time per z-update of the workshop's
// loop (Image.Iterations), the figure DESIGN.md compares against numba.
//
//	go test -run '^$' -bench . -count 5 ./tasks/mandelbrot/

func reportPerIteration(b *testing.B, iterations int64) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(iterations), "ns/iter")
}

// BenchmarkReference is the plain scalar loop, one pixel at a time.
func BenchmarkReference(b *testing.B) {
	v := DefaultView()
	var m Image
	b.ReportAllocs()
	for b.Loop() {
		m, _ = Reference(v, v.Bounds())
	}
	reportPerIteration(b, m.Iterations())
}

// escapeComplex is Escape written with complex128 arithmetic, to compare the
// two representations. It is not part of the package: the compiler may fuse
// the multiply-adds inside a complex product (it does on arm64), so its counts
// are not guaranteed to be the same on every platform.
func escapeComplex(c complex128, maxIter int) int32 {
	var z complex128
	for k := range maxIter {
		z = z*z + c
		if real(z)*real(z)+imag(z)*imag(z) > 4 {
			return int32(k)
		}
	}
	return int32(maxIter - 1)
}

// BenchmarkComplex128 is BenchmarkReference with escapeComplex.
func BenchmarkComplex128(b *testing.B) {
	v := DefaultView()
	m := NewImage(v.Bounds())
	b.ReportAllocs()
	for b.Loop() {
		for j := range v.Height {
			row := m.Row(j)
			for i := range row {
				row[i] = escapeComplex(v.Point(i, j), v.MaxIter)
			}
		}
	}
	if m.Sum() != defaultSum {
		b.Fatalf("complex128 loop sums to %d", m.Sum())
	}
	reportPerIteration(b, m.Iterations())
}

// BenchmarkCompute is the four-lane kernel over the whole view.
func BenchmarkCompute(b *testing.B) {
	v := DefaultView()
	var m Image
	b.ReportAllocs()
	for b.Loop() {
		m, _ = Compute(v)
	}
	reportPerIteration(b, m.Iterations())
}

// BenchmarkComputeTiles runs the four-lane kernel tile after tile, in one
// goroutine: the per-tile overhead a graph of that many tasks starts from.
func BenchmarkComputeTiles(b *testing.B) {
	for _, n := range []int{16, 4096} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			v := DefaultView()
			tiles, err := Split(v, n)
			if err != nil {
				b.Fatal(err)
			}
			parts := make([]Image, len(tiles))
			b.ReportAllocs()
			for b.Loop() {
				for k, t := range tiles {
					parts[k], _ = ComputeTile(v, t)
				}
			}
			m, err := Assemble(v.Bounds(), parts...)
			if err != nil {
				b.Fatal(err)
			}
			reportPerIteration(b, m.Iterations())
		})
	}
}

func BenchmarkAssemble4096(b *testing.B) {
	v := DefaultView()
	tiles, _ := Split(v, 4096)
	parts := make([]Image, len(tiles))
	for k, t := range tiles {
		parts[k] = NewImage(t)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Assemble(v.Bounds(), parts...); err != nil {
			b.Fatal(err)
		}
	}
}
