package pi

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// The published xoshiro256++ and splitmix64 reference outputs.
func TestGeneratorKnownAnswers(t *testing.T) {
	g := stream{1, 2, 3, 4}
	for i, want := range []uint64{41943041, 58720359, 3588806011781223} {
		if got := g.next(); got != want {
			t.Errorf("xoshiro256++ output %d = %d, want %d", i, got, want)
		}
	}
	if got := mix64(golden); got != 0xe220a8397b1dcdaf {
		t.Errorf("splitmix64(0) first output = %#x", got)
	}
}

// referenceChunk is Chunk as the workshop writes it: draw x and y, test
// x² + y² < 1 in floating point. Both coordinates are exact in float64 and
// the rounding of the test could only matter within 2⁻⁵⁰ of the circle.
func referenceChunk(seed uint64, index, n int) (hits int) {
	g := newStream(seed, index)
	for range n {
		u := g.next()
		x := float64(int32(u)) / (1 << 31)
		y := float64(int32(u>>32)) / (1 << 31)
		if x < -1 || x >= 1 || y < -1 || y >= 1 {
			panic("coordinate outside [-1, 1)")
		}
		if float64(x*x)+float64(y*y) < 1 {
			hits++
		}
	}
	return hits
}

func TestChunkMatchesReference(t *testing.T) {
	for _, tt := range []struct {
		seed     uint64
		index, n int
	}{{0, 0, 0}, {0, 0, 1}, {1, 0, 1000}, {1, 1, 1000}, {42, 7, 100_000}, {math.MaxUint64, -3, 5000}} {
		if got, want := Chunk(tt.seed, tt.index, tt.n), referenceChunk(tt.seed, tt.index, tt.n); got != want {
			t.Errorf("Chunk(%d, %d, %d) = %d, reference %d", tt.seed, tt.index, tt.n, got, want)
		}
	}
	if Chunk(1, 0, -5) != 0 {
		t.Error("negative n gave hits")
	}
}

func TestInsideCorners(t *testing.T) {
	pack := func(x, y int32) uint64 { return uint64(uint32(x)) | uint64(uint32(y))<<32 }
	tests := []struct {
		x, y int32
		want int
	}{
		{0, 0, 1},
		{math.MinInt32, 0, 0},             // x = −1: on the circle, not inside
		{math.MinInt32, math.MinInt32, 0}, // the corner: X²+Y² = 2⁶³
		{math.MaxInt32, 0, 1},             // x = 1 − 2⁻³¹
		{1 << 30, 1 << 30, 1},             // (½, ½)
		{1518500249, 1518500250, 1},       // just inside: 1518500249² + 1518500250² < 2⁶²
		{1518500250, 1518500250, 0},       // just outside: 2·1518500250² > 2⁶²
	}
	for _, tt := range tests {
		if got := inside(pack(tt.x, tt.y)); got != tt.want {
			t.Errorf("inside(%d, %d) = %d, want %d", tt.x, tt.y, got, tt.want)
		}
	}
}

func TestChunksAreIndependentOfSchedule(t *testing.T) {
	const seed, samples, chunks = 2023, 200_000, 37
	want, err := Run(seed, samples, chunks)
	if err != nil {
		t.Fatal(err)
	}
	sizes, _ := Split(samples, chunks)
	order := rand.New(rand.NewPCG(1, 2)).Perm(chunks)
	hits := make([]int, chunks)
	var wg sync.WaitGroup
	for _, i := range order {
		wg.Go(func() { hits[i] = Chunk(seed, i, sizes[i]) })
	}
	wg.Wait()
	total := 0
	for _, h := range hits {
		total += h
	}
	if total != want {
		t.Errorf("concurrent chunks: %d hits, serial %d", total, want)
	}
	// Different chunks draw different points.
	if Chunk(seed, 0, 1000) == Chunk(seed, 1, 1000) && Chunk(seed, 2, 1000) == Chunk(seed, 3, 1000) {
		t.Error("chunks 0–3 look identical")
	}
}

// The estimate lands within a few standard errors of π. The seed is fixed, so
// this cannot flake; it guards against a broken generator or hit test.
func TestEstimateIsClose(t *testing.T) {
	hits, err := Run(7, 2_000_000, 16)
	if err != nil {
		t.Fatal(err)
	}
	est, se, err := Estimate(hits, 2_000_000)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(est-math.Pi) > 4*se {
		t.Errorf("estimate %v ± %v is more than 4σ from π", est, se)
	}
	if se < 0.001 || se > 0.002 { // 4·√(p(1−p)/n) ≈ 0.00116
		t.Errorf("standard error %v", se)
	}
}

func TestEstimate(t *testing.T) {
	tests := []struct {
		hits, samples int
		pi, se        float64
	}{
		{3, 4, 3, 4 * math.Sqrt(0.75*0.25/4)},
		{0, 10, 0, 0},
		{10, 10, 4, 0},
		{785, 1000, 3.14, 4 * math.Sqrt(0.785*0.215/1000)},
	}
	for _, tt := range tests {
		pi, se, err := Estimate(tt.hits, tt.samples)
		if err != nil || pi != tt.pi || math.Abs(se-tt.se) > 1e-15 {
			t.Errorf("Estimate(%d, %d) = %v, %v, %v; want %v, %v", tt.hits, tt.samples, pi, se, err, tt.pi, tt.se)
		}
	}
	for _, bad := range [][2]int{{0, 0}, {1, -1}, {-1, 10}, {11, 10}} {
		if _, _, err := Estimate(bad[0], bad[1]); !errors.Is(err, ErrArgument) {
			t.Errorf("Estimate(%d, %d): %v, want ErrArgument", bad[0], bad[1], err)
		}
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		samples, chunks int
		want            []int
	}{
		{10, 3, []int{4, 3, 3}},
		{9, 3, []int{3, 3, 3}},
		{2, 4, []int{1, 1, 0, 0}},
		{0, 2, []int{0, 0}},
		{7, 1, []int{7}},
	}
	for _, tt := range tests {
		got, err := Split(tt.samples, tt.chunks)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("Split(%d, %d) = %v, %v; want %v", tt.samples, tt.chunks, got, err, tt.want)
		}
	}
	for _, bad := range [][2]int{{-1, 2}, {10, 0}, {10, -3}} {
		if _, err := Split(bad[0], bad[1]); !errors.Is(err, ErrArgument) {
			t.Errorf("Split(%d, %d): %v, want ErrArgument", bad[0], bad[1], err)
		}
		if _, err := Run(1, bad[0], bad[1]); !errors.Is(err, ErrArgument) {
			t.Errorf("Run(%d, %d): %v, want ErrArgument", bad[0], bad[1], err)
		}
	}
}
