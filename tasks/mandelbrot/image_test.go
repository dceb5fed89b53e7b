package mandelbrot

import (
	"errors"
	"math/rand/v2"
	"testing"
)

func TestAssembleRoundTrip(t *testing.T) {
	v := View{Width: 37, Height: 23, MaxIter: 200, Center: complex(-0.75, 0.1), Extent: complex(0.5, 0.5)}
	want, err := Reference(v, v.Bounds())
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range [][2]int{{1, 1}, {5, 7}, {16, 16}, {37, 1}, {100, 100}} {
		tiles, err := Tiles(v, size[0], size[1])
		if err != nil {
			t.Fatal(err)
		}
		parts := make([]Image, len(tiles))
		for k, tile := range tiles {
			if parts[k], err = ComputeTile(v, tile); err != nil {
				t.Fatal(err)
			}
		}
		// Order does not matter.
		rand.New(rand.NewPCG(1, uint64(len(parts)))).Shuffle(len(parts), func(a, b int) { parts[a], parts[b] = parts[b], parts[a] })
		got, err := Assemble(v.Bounds(), parts...)
		if err != nil {
			t.Fatal(err)
		}
		assertEqual(t, got, want)

		// Paste gives the same.
		canvas := NewImage(v.Bounds())
		for _, p := range parts {
			if err := canvas.Paste(p); err != nil {
				t.Fatal(err)
			}
		}
		assertEqual(t, canvas, want)
	}
}

// Assembling part of the picture from smaller parts, as a tree reduction would.
func TestAssembleSubRect(t *testing.T) {
	v := View{Width: 8, Height: 8, MaxIter: 50, Center: -0.5, Extent: 3}
	r := Tile{X0: 2, Y0: 4, W: 6, H: 4}
	left, _ := ComputeTile(v, Tile{X0: 2, Y0: 4, W: 3, H: 4})
	right, _ := ComputeTile(v, Tile{X0: 5, Y0: 4, W: 3, H: 4})
	got, err := Assemble(r, right, left)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Reference(v, r)
	assertEqual(t, got, want)
}

func TestAssembleErrors(t *testing.T) {
	r := Tile{W: 4, H: 2}
	full := func(x0, y0, w, h int) Image { return NewImage(Tile{X0: x0, Y0: y0, W: w, H: h}) }
	tests := []struct {
		name  string
		r     Tile
		parts []Image
	}{
		{"nothing", r, nil},
		{"gap", r, []Image{full(0, 0, 4, 1), full(0, 1, 3, 1)}},
		{"overlap", r, []Image{full(0, 0, 4, 2), full(3, 1, 1, 1)}},
		{"outside", r, []Image{full(0, 0, 4, 2), full(4, 0, 1, 1)}},
		{"empty part", r, []Image{full(0, 0, 4, 2), full(0, 0, 0, 1)}},
		{"short pixels", r, []Image{{Rect: r, Pix: make([]int32, 7)}}},
		{"empty rect", Tile{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Assemble(tt.r, tt.parts...); !errors.Is(err, ErrTile) {
				t.Errorf("Assemble: %v, want ErrTile", err)
			}
		})
	}
	if err := NewImage(r).Paste(full(3, 0, 2, 1)); !errors.Is(err, ErrTile) {
		t.Errorf("Paste outside: %v", err)
	}
}

func TestImageAccessors(t *testing.T) {
	m := NewImage(Tile{X0: 10, Y0: 20, W: 3, H: 2})
	copy(m.Pix, []int32{1, 2, 3, 4, 5, 6})
	if m.At(10, 20) != 1 || m.At(12, 21) != 6 {
		t.Errorf("At: %d %d", m.At(10, 20), m.At(12, 21))
	}
	if row := m.Row(21); len(row) != 3 || row[0] != 4 {
		t.Errorf("Row(21) = %v", row)
	}
	if m.Sum() != 21 || m.Iterations() != 27 {
		t.Errorf("Sum %d, Iterations %d", m.Sum(), m.Iterations())
	}
	defer func() {
		if recover() == nil {
			t.Error("At outside did not panic")
		}
	}()
	m.At(9, 20)
}
