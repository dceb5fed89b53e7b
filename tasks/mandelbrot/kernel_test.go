package mandelbrot

import (
	"errors"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// defaultSum is the sum of the default view's pixels, from the plain loop.
// The workshop's pure-Python loop (CPython 3.11) gives the same: 21169614.
const defaultSum = 21169614

func TestDefaultViewSum(t *testing.T) {
	v := DefaultView()
	ref, err := Reference(v, v.Bounds())
	if err != nil {
		t.Fatal(err)
	}
	if got := ref.Sum(); got != defaultSum {
		t.Errorf("Reference sum = %d, want %d", got, defaultSum)
	}
	fast, err := Compute(v)
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, fast, ref)
	// Spot checks from the Python run: the first pixels of the bottom row.
	if got, want := ref.Row(0)[:8], []int32{117, 202, 116, 126, 149, 140, 136, 115}; !slices.Equal(got, want) {
		t.Errorf("bottom row starts %v, want %v", got, want)
	}
}

// tester is what assertEqual needs; both *testing.T and *rapid.T have it.
type tester interface {
	Helper()
	Fatalf(format string, args ...any)
}

func assertEqual(t tester, got, want Image) {
	t.Helper()
	if got.Rect != want.Rect {
		t.Fatalf("rect %v, want %v", got.Rect, want.Rect)
	}
	for k := range want.Pix {
		if got.Pix[k] != want.Pix[k] {
			i, j := want.Rect.X0+k%want.Rect.W, want.Rect.Y0+k/want.Rect.W
			t.Fatalf("pixel (%d, %d) = %d, want %d", i, j, got.Pix[k], want.Pix[k])
		}
	}
}

// viewGen draws small views around interesting parts of the plane, including
// regions where most points escape at once (|c| > 2) and tiny budgets.
func viewGen() *rapid.Generator[View] {
	return rapid.Custom(func(t *rapid.T) View {
		centers := []complex128{
			complex(-1.1195, 0.2718), complex(-0.75, 0.1), complex(-0.5, 0), complex(0, 0),
			complex(0.25, 0), complex(-2, 0), complex(-0.1, 0.65), complex(0.3, 0.5),
		}
		c := rapid.SampledFrom(centers).Draw(t, "center")
		c += complex(rapid.Float64Range(-0.01, 0.01).Draw(t, "dx"), rapid.Float64Range(-0.01, 0.01).Draw(t, "dy"))
		e := rapid.SampledFrom([]float64{6, 3, 0.5, 0.05, 0.005, 1e-6}).Draw(t, "extent")
		return View{
			Width:   rapid.IntRange(1, 40).Draw(t, "width"),
			Height:  rapid.IntRange(1, 40).Draw(t, "height"),
			MaxIter: rapid.SampledFrom([]int{1, 2, 3, 17, 100, 257, 1000}).Draw(t, "maxIter"),
			Center:  c,
			Extent:  complex(e, e*rapid.Float64Range(0, 2).Draw(t, "aspect")),
		}
	})
}

func tileGen(v View) *rapid.Generator[Tile] {
	return rapid.Custom(func(t *rapid.T) Tile {
		x0 := rapid.IntRange(0, v.Width-1).Draw(t, "x0")
		y0 := rapid.IntRange(0, v.Height-1).Draw(t, "y0")
		return Tile{
			X0: x0, Y0: y0,
			W: rapid.IntRange(1, v.Width-x0).Draw(t, "w"),
			H: rapid.IntRange(1, v.Height-y0).Draw(t, "h"),
		}
	})
}

func TestComputeTileMatchesReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := viewGen().Draw(t, "view")
		tile := tileGen(v).Draw(t, "tile")
		want, err := Reference(v, tile)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ComputeTile(v, tile)
		if err != nil {
			t.Fatal(err)
		}
		assertEqual(t, got, want)
	})
}

func TestEscapeMatchesPoint(t *testing.T) {
	v := DefaultView()
	// Pixel (256, 256) is the centre itself.
	if got := v.Point(v.Width/2, v.Height/2); got != v.Center {
		t.Errorf("Point(centre) = %v, want %v", got, v.Center)
	}
	m, err := Reference(v, Tile{X0: 3, Y0: 5, W: 2, H: 1})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.At(4, 5), Escape(v.Point(4, 5), v.MaxIter); got != want {
		t.Errorf("At(4, 5) = %d, want %d", got, want)
	}
}

func TestEscapeEdges(t *testing.T) {
	tests := []struct {
		c       complex128
		maxIter int
		want    int32
	}{
		{0, 1, 0},              // never escapes: maxIter−1
		{0, 50, 49},            // never escapes
		{3, 50, 0},             // z_1 = 3 escapes at once
		{-2, 50, 49},           // the tip: z settles at 2, |z|² = 4 is not > 4
		{complex(1, 1), 50, 1}, // z_1 = 1+i (|z|²=2), z_2 = 1+3i (10)
		{1e300, 10, 0},         // |z|² overflows to +Inf, which is > 4
	}
	for _, tt := range tests {
		if got := Escape(tt.c, tt.maxIter); got != tt.want {
			t.Errorf("Escape(%v, %d) = %d, want %d", tt.c, tt.maxIter, got, tt.want)
		}
		v := View{Width: 1, Height: 1, MaxIter: tt.maxIter, Center: tt.c, Extent: 1}
		if v.Validate() != nil {
			continue
		}
		m, err := Compute(v)
		if err != nil {
			t.Fatal(err)
		}
		if m.Pix[0] != tt.want {
			t.Errorf("Compute at %v, %d = %d, want %d", tt.c, tt.maxIter, m.Pix[0], tt.want)
		}
	}
}

func TestComputeErrors(t *testing.T) {
	v := View{Width: 8, Height: 4, MaxIter: 10, Extent: 1}
	tests := []struct {
		name string
		v    View
		t    Tile
		want error
	}{
		{"bad view", View{}, Tile{W: 1, H: 1}, ErrView},
		{"empty tile", v, Tile{W: 0, H: 1}, ErrTile},
		{"negative origin", v, Tile{X0: -1, W: 2, H: 1}, ErrTile},
		{"too wide", v, Tile{X0: 7, W: 2, H: 1}, ErrTile},
		{"too tall", v, Tile{Y0: 1, W: 1, H: 4}, ErrTile},
		{"huge", v, Tile{X0: 1, W: idle, H: 1}, ErrTile},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ComputeTile(tt.v, tt.t); !errors.Is(err, tt.want) {
				t.Errorf("ComputeTile: %v, want %v", err, tt.want)
			}
			if _, err := Reference(tt.v, tt.t); !errors.Is(err, tt.want) {
				t.Errorf("Reference: %v, want %v", err, tt.want)
			}
		})
	}
	if err := ComputeInto(make([]int32, 3), v, Tile{W: 2, H: 2}); !errors.Is(err, ErrTile) {
		t.Errorf("ComputeInto with a short buffer: %v", err)
	}
	if err := ComputeInto(make([]int32, 4), v, Tile{W: 2, H: 2}); err != nil {
		t.Errorf("ComputeInto: %v", err)
	}
}

func TestEscapePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Escape(0, 0) did not panic")
		}
	}()
	Escape(0, 0)
}
