package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/seed001e6470/taskgraph/tasks/mandelbrot"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "m.png")
	var buf bytes.Buffer
	if err := run(context.Background(), &buf, []string{"-width", "64", "-height", "48", "-tiles", "12", "-out", out}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(buf.String(), "\n")
	// The tiled sum is the serial kernel's.
	if len(lines) < 3 || strings.Fields(lines[0])[3] != strings.Fields(lines[1])[3] || lines[2] != "wrote "+out {
		t.Fatalf("output:\n%s", buf.String())
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if cfg, err := png.DecodeConfig(f); err != nil || cfg.Width != 64 || cfg.Height != 48 {
		t.Fatalf("PNG %+v, %v", cfg, err)
	}
	if err := run(context.Background(), &buf, []string{"-tiles", "0", "-out", ""}); err == nil {
		t.Fatal("-tiles 0 was accepted")
	}
}

// The picture committed next to the example (the one the README shows) is
// the default view as the pipeline paints it today, pixel for pixel. To
// make it again:
//
//	go run ./cmd/taskgraph run mandelbrot --out examples/mandelbrot/mandelbrot.png
func TestCommittedPicture(t *testing.T) {
	f, err := os.Open("mandelbrot.png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mandelbrot.Compute(mandelbrot.DefaultView())
	if err != nil {
		t.Fatal(err)
	}
	want := mandelbrot.Colorize(m)
	if got.Bounds() != want.Bounds() {
		t.Fatalf("mandelbrot.png is %v, want %v", got.Bounds(), want.Bounds())
	}
	// The colours are opaque, so the PNG holds them as RGB and decodes to
	// an *image.RGBA with the same bytes as the NRGBA image.
	if rgba, ok := got.(*image.RGBA); ok && bytes.Equal(rgba.Pix, want.Pix) {
		return
	}
	b := want.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, a1 := got.At(x, y).RGBA()
			r2, g2, b2, a2 := want.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				t.Fatalf("mandelbrot.png differs from the default view at (%d, %d)", x, y)
			}
		}
	}
}
