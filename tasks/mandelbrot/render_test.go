package mandelbrot

import (
	"bytes"
	"errors"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

func TestViridis(t *testing.T) {
	tests := []struct {
		t    float64
		want color.NRGBA
	}{
		{0, color.NRGBA{68, 1, 84, 255}},      // #440154
		{-1, color.NRGBA{68, 1, 84, 255}},     // clamped
		{0.5, color.NRGBA{33, 145, 140, 255}}, // entry 128: #21918c
		{1, color.NRGBA{253, 231, 37, 255}},   // #fde725
		{7, color.NRGBA{253, 231, 37, 255}},   // clamped
	}
	for _, tt := range tests {
		if got := Viridis(tt.t); got != tt.want {
			t.Errorf("Viridis(%v) = %v, want %v", tt.t, got, tt.want)
		}
	}
	// Entries between anchors stay within 2/255 of matplotlib's table, e.g.
	// entry 100 (0.166617, 0.463708, 0.558119) and entry 245 (0.896320, 0.893616, 0.096335).
	for _, e := range []struct {
		k   int
		rgb [3]float64
	}{{100, [3]float64{0.166617, 0.463708, 0.558119}}, {245, [3]float64{0.896320, 0.893616, 0.096335}}} {
		c := viridisLUT[e.k]
		for q, got := range []uint8{c.R, c.G, c.B} {
			if d := float64(got) - 255*e.rgb[q]; d > 2 || d < -2 {
				t.Errorf("entry %d channel %d = %d, want %.1f", e.k, q, got, 255*e.rgb[q])
			}
		}
	}
}

func TestColorize(t *testing.T) {
	m := NewImage(Tile{W: 2, H: 2})
	copy(m.Pix, []int32{0, 1, 8, 27}) // cube roots 0, 1, 2, 3
	img := Colorize(m)
	// Row j = 0 is at the bottom: value 0 at image (0, 1), value 27 at (1, 0).
	if got := img.NRGBAAt(0, 1); got != Viridis(0) {
		t.Errorf("bottom left = %v, want the low end", got)
	}
	if got := img.NRGBAAt(1, 0); got != Viridis(1) {
		t.Errorf("top right = %v, want the high end", got)
	}
	if got := img.NRGBAAt(1, 1); got != Viridis(1.0/3) {
		t.Errorf("value 1 = %v, want Viridis(1/3)", got)
	}
	// A flat image takes the low end, as matplotlib does.
	flat := NewImage(Tile{W: 3, H: 1})
	for k := range flat.Pix {
		flat.Pix[k] = 5
	}
	if got := Colorize(flat).NRGBAAt(2, 0); got != Viridis(0) {
		t.Errorf("flat image = %v", got)
	}
}

func TestWritePNG(t *testing.T) {
	v := View{Width: 24, Height: 16, MaxIter: 64, Center: -0.5, Extent: 3}
	m, _ := Compute(v)
	var buf bytes.Buffer
	if err := WritePNG(&buf, m); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 24 || b.Dy() != 16 {
		t.Errorf("PNG is %v", b)
	}
	if got, want := color.NRGBAModel.Convert(img.At(3, 15)), Colorize(m).At(3, 15); got != want {
		t.Errorf("decoded pixel %v, want %v", got, want)
	}
}

func TestWriteFigure(t *testing.T) {
	v := View{Width: 16, Height: 16, MaxIter: 32, Center: -0.5, Extent: 3}
	m, _ := Compute(v)
	var buf bytes.Buffer
	if err := WriteFigure(&buf, v, m, "svg"); err != nil {
		t.Fatal(err)
	}
	for _, label := range []string{"Re(c)", "Im(c)", "<image"} {
		if !strings.Contains(buf.String(), label) {
			t.Errorf("SVG figure lacks %q", label)
		}
	}
	buf.Reset()
	if err := WriteFigure(&buf, v, m, "png"); err != nil {
		t.Fatal(err)
	}
	if _, err := png.Decode(&buf); err != nil {
		t.Errorf("PNG figure: %v", err)
	}
	if err := WriteFigure(&buf, v, m, "bmp?"); err == nil {
		t.Error("unknown format accepted")
	}
	if err := WriteFigure(&buf, View{}, m, "png"); !errors.Is(err, ErrView) {
		t.Errorf("bad view: %v", err)
	}
	if err := WriteFigure(&buf, v, NewImage(Tile{W: 17, H: 1}), "png"); !errors.Is(err, ErrTile) {
		t.Errorf("image outside the view: %v", err)
	}
}
