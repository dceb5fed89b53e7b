package mandelbrot

import (
	"errors"
	"testing"

	"pgregory.net/rapid"
)

// coverage checks that tiles cover the view exactly once.
func coverage(t tester, v View, tiles []Tile) {
	t.Helper()
	count := make([]int, v.Width*v.Height)
	for _, tile := range tiles {
		if err := tile.check(v.Bounds()); err != nil {
			t.Fatalf("%v", err)
		}
		for j := tile.Y0; j < tile.Y0+tile.H; j++ {
			for i := tile.X0; i < tile.X0+tile.W; i++ {
				count[j*v.Width+i]++
			}
		}
	}
	for k, n := range count {
		if n != 1 {
			t.Fatalf("pixel (%d, %d) covered %d times", k%v.Width, k/v.Width, n)
		}
	}
}

func TestSplitDefaultView(t *testing.T) {
	v := DefaultView()
	for _, tt := range []struct{ n, side int }{{1, 512}, {16, 128}, {4096, 8}, {65536, 2}} {
		tiles, err := Split(v, tt.n)
		if err != nil {
			t.Fatal(err)
		}
		if len(tiles) != tt.n {
			t.Fatalf("Split(%d) gave %d tiles", tt.n, len(tiles))
		}
		for _, tile := range tiles {
			if tile.W != tt.side || tile.H != tt.side {
				t.Fatalf("Split(%d): tile %v, want %d×%d", tt.n, tile, tt.side, tt.side)
			}
		}
		coverage(t, v, tiles)
	}
	// Row by row from the bottom left.
	tiles, _ := Split(v, 16)
	if tiles[1] != (Tile{X0: 128, Y0: 0, W: 128, H: 128}) || tiles[4] != (Tile{X0: 0, Y0: 128, W: 128, H: 128}) {
		t.Errorf("unexpected order: %v", tiles[:5])
	}
}

func TestSplitAndTilesCover(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		v := View{
			Width:   rapid.IntRange(1, 60).Draw(t, "w"),
			Height:  rapid.IntRange(1, 60).Draw(t, "h"),
			MaxIter: 1, Extent: 1,
		}
		n := rapid.IntRange(1, 100).Draw(t, "n")
		tiles, err := Split(v, n)
		if err != nil {
			// Only when no divisor pair of n fits.
			for c := 1; c <= n; c++ {
				if n%c == 0 && c <= v.Width && n/c <= v.Height {
					t.Fatalf("Split(%d×%d, %d): %v, but %d×%d fits", v.Width, v.Height, n, err, c, n/c)
				}
			}
			return
		}
		if len(tiles) != n {
			t.Fatalf("Split gave %d tiles, want %d", len(tiles), n)
		}
		coverage(t, v, tiles)

		tw, th := rapid.IntRange(1, 70).Draw(t, "tw"), rapid.IntRange(1, 70).Draw(t, "th")
		tiles, err = Tiles(v, tw, th)
		if err != nil {
			t.Fatal(err)
		}
		coverage(t, v, tiles)
	})
}

func TestSplitErrors(t *testing.T) {
	v := View{Width: 4, Height: 4, MaxIter: 1, Extent: 1}
	tests := []struct {
		name string
		v    View
		n    int
		want error
	}{
		{"zero tiles", v, 0, ErrTile},
		{"negative", v, -2, ErrTile},
		{"more tiles than pixels", v, 17, ErrTile},
		{"prime too large for a side", v, 5, ErrTile},
		{"bad view", View{}, 4, ErrView},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Split(tt.v, tt.n); !errors.Is(err, tt.want) {
				t.Errorf("Split: %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := Tiles(v, 0, 2); !errors.Is(err, ErrTile) {
		t.Errorf("Tiles(0, 2): %v", err)
	}
	if _, err := Tiles(View{}, 2, 2); !errors.Is(err, ErrView) {
		t.Errorf("Tiles on a bad view: %v", err)
	}
}

func TestTileString(t *testing.T) {
	if got := (Tile{X0: 128, Y0: 0, W: 64, H: 32}).String(); got != "128,0+64x32" {
		t.Errorf("String = %q", got)
	}
}
