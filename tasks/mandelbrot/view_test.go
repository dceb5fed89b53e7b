package mandelbrot

import (
	"errors"
	"math"
	"testing"
)

func TestValidate(t *testing.T) {
	ok := View{Width: 4, Height: 3, MaxIter: 10, Center: complex(-0.5, 0), Extent: complex(3, 3)}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid view: %v", err)
	}
	if err := DefaultView().Validate(); err != nil {
		t.Fatalf("default view: %v", err)
	}
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name   string
		change func(*View)
	}{
		{"zero value", func(v *View) { *v = View{} }},
		{"zero width", func(v *View) { v.Width = 0 }},
		{"negative height", func(v *View) { v.Height = -3 }},
		{"side too long", func(v *View) { v.Width = MaxSide + 1 }},
		{"too many pixels", func(v *View) { v.Width, v.Height = MaxSide, MaxSide }},
		{"zero MaxIter", func(v *View) { v.MaxIter = 0 }},
		{"negative MaxIter", func(v *View) { v.MaxIter = -1 }},
		{"MaxIter beyond int32", func(v *View) {
			over := int64(MaxIterLimit) + 1
			v.MaxIter = int(over) // wraps negative with 32-bit ints: still invalid
		}},
		{"NaN centre", func(v *View) { v.Center = complex(nan, 0) }},
		{"infinite centre", func(v *View) { v.Center = complex(0, -inf) }},
		{"NaN extent", func(v *View) { v.Extent = complex(1, nan) }},
		{"infinite extent", func(v *View) { v.Extent = complex(inf, 1) }},
		{"negative extent", func(v *View) { v.Extent = complex(-1, 1) }},
		{"zero extent", func(v *View) { v.Extent = 0 }},
		{"spacing underflows", func(v *View) { v.Extent = complex(5e-324, 0) }},
		{"points overflow", func(v *View) { v.Center, v.Extent = complex(-1.7e308, 0), complex(1e308, 0) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := ok
			tt.change(&v)
			err := v.Validate()
			if !errors.Is(err, ErrView) {
				t.Fatalf("Validate(%+v) = %v, want ErrView", v, err)
			}
		})
	}
}

func TestScaleAndRegion(t *testing.T) {
	v := DefaultView()
	if got, want := v.Scale(), 0.005/512; got != want {
		t.Errorf("Scale = %v, want %v", got, want)
	}
	// Only the larger of the two spacings counts.
	w := View{Width: 100, Height: 50, MaxIter: 1, Extent: complex(1, 2)}
	if got, want := w.Scale(), 2.0/50; got != want {
		t.Errorf("Scale = %v, want %v", got, want)
	}
	lo, hi := v.Region(v.Bounds())
	near := func(a, b complex128) bool { return math.Abs(real(a-b)) < 1e-15 && math.Abs(imag(a-b)) < 1e-15 }
	if !near(lo, v.Center-v.Extent/2) || !near(hi, v.Center+v.Extent/2) {
		t.Errorf("Region = %v, %v; want the centre ± half the extent", lo, hi)
	}
	// The pixel's point lies inside the pixel's region.
	px := Tile{X0: 7, Y0: 300, W: 1, H: 1}
	lo, hi = v.Region(px)
	c := v.Point(7, 300)
	if real(c) < real(lo) || real(c) >= real(hi) || imag(c) < imag(lo) || imag(c) >= imag(hi) {
		t.Errorf("Point(7, 300) = %v outside its region %v–%v", c, lo, hi)
	}
}
