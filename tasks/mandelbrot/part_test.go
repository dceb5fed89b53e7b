package mandelbrot_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/tasks/mandelbrot"
)

// Any part survives its encoding, and so the CBOR a cluster sends it in.
func TestPartRoundTrip(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w, h := rapid.IntRange(0, 40).Draw(rt, "w"), rapid.IntRange(0, 40).Draw(rt, "h")
		r := mandelbrot.Tile{X0: rapid.IntRange(-5, 1000).Draw(rt, "x0"), Y0: rapid.IntRange(0, 1000).Draw(rt, "y0"), W: w, H: h}
		pix := rapid.SliceOfN(rapid.Int32(), w*h, w*h).Draw(rt, "pix")
		p := mandelbrot.Part{Image: mandelbrot.Image{Rect: r, Pix: pix}, Sum: rapid.Int64().Draw(rt, "sum")}
		data, err := cbor.Marshal(p)
		if err != nil {
			rt.Fatal(err)
		}
		var got mandelbrot.Part
		if err := cbor.Unmarshal(data, &got); err != nil {
			rt.Fatal(err)
		}
		if got.Image.Rect != r || got.Sum != p.Sum || !slices.Equal(got.Image.Pix, pix) {
			rt.Fatalf("got %v sum %d %v, want %v sum %d %v", got.Image.Rect, got.Sum, got.Image.Pix, r, p.Sum, pix)
		}
	})
}

// A tile of the default view takes about a byte a pixel.
func TestPartIsCompact(t *testing.T) {
	v := mandelbrot.DefaultView()
	tiles, _ := mandelbrot.Split(v, 16)
	m, err := mandelbrot.ComputeTile(v, tiles[5])
	if err != nil {
		t.Fatal(err)
	}
	data, err := mandelbrot.Part{Image: m, Sum: m.Sum()}.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 2*len(m.Pix) {
		t.Errorf("%d pixels took %d bytes", len(m.Pix), len(data))
	}
}

// Data that is no encoded part is an error, never a panic or a huge
// allocation; a part whose values do not match its rectangle is not
// encoded.
func TestPartRejects(t *testing.T) {
	good, _ := mandelbrot.Part{Image: mandelbrot.Image{Rect: mandelbrot.Tile{W: 2, H: 1}, Pix: []int32{3, 7}}, Sum: 10}.MarshalBinary()
	bad := map[string][]byte{
		"empty":          nil,
		"other format":   append([]byte{9}, good[1:]...),
		"cut header":     good[:3],
		"cut pixels":     good[:len(good)-1],
		"trailing bytes": append(slices.Clone(good), 0),
		"huge rectangle": {1, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0},
		"negative side":  {1, 0, 0, 1, 2, 0},
		"field overflow": {1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01},
	}
	for name, data := range bad {
		var p mandelbrot.Part
		if err := p.UnmarshalBinary(data); err == nil {
			t.Errorf("%s: decoded as %v", name, p)
		}
	}
	wrong := mandelbrot.Part{Image: mandelbrot.Image{Rect: mandelbrot.Tile{W: 2, H: 2}, Pix: []int32{1}}}
	if _, err := wrong.MarshalBinary(); !errors.Is(err, mandelbrot.ErrTile) {
		t.Errorf("a part of 4 pixels with 1 value: %v, want ErrTile", err)
	}
}

// FuzzPart decodes arbitrary data: an error or a part that encodes back
// to the same bytes.
func FuzzPart(f *testing.F) {
	good, _ := mandelbrot.Part{Image: mandelbrot.Image{Rect: mandelbrot.Tile{X0: 1, W: 2, H: 2}, Pix: []int32{3, 7, 0, -2}}, Sum: 8}.MarshalBinary()
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		var p mandelbrot.Part
		if p.UnmarshalBinary(data) != nil {
			return
		}
		again, err := p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var q mandelbrot.Part
		if err := q.UnmarshalBinary(again); err != nil || q.Image.Rect != p.Image.Rect || q.Sum != p.Sum || !slices.Equal(q.Image.Pix, p.Image.Pix) {
			t.Fatalf("%v, %v: not the same part", q, err)
		}
	})
}
