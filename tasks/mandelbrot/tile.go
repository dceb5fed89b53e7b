package mandelbrot

import (
	"errors"
	"fmt"
	"math"
	"strconv"
)

// ErrTile is wrapped by every error that reports a tile that does not fit.
var ErrTile = errors.New("mandelbrot: bad tile")

// Tile is a rectangle of pixels: columns X0 … X0+W−1, rows Y0 … Y0+H−1.
// Row 0 is the bottom of the picture.
type Tile struct {
	X0, Y0 int
	W, H   int
}

// Len returns the number of pixels in the tile.
func (t Tile) Len() int { return t.W * t.H }

// Contains reports whether tile u lies inside t.
func (t Tile) Contains(u Tile) bool {
	return u.X0 >= t.X0 && u.Y0 >= t.Y0 && u.W <= t.X0+t.W-u.X0 && u.H <= t.Y0+t.H-u.Y0
}

// String returns "x0,y0+wxh", short enough to name a task.
func (t Tile) String() string {
	b := make([]byte, 0, 24)
	b = strconv.AppendInt(b, int64(t.X0), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(t.Y0), 10)
	b = append(b, '+')
	b = strconv.AppendInt(b, int64(t.W), 10)
	b = append(b, 'x')
	b = strconv.AppendInt(b, int64(t.H), 10)
	return string(b)
}

// check reports whether t is a non-empty tile inside bounds.
func (t Tile) check(bounds Tile) error {
	if t.W <= 0 || t.H <= 0 {
		return fmt.Errorf("%w: %v is empty", ErrTile, t)
	}
	if !bounds.Contains(t) {
		return fmt.Errorf("%w: %v is outside %v", ErrTile, t, bounds)
	}
	return nil
}

// Tiles cuts the view into tiles of tileW×tileH pixels, row by row from the
// bottom left; the tiles in the last column and row are narrower or shorter
// when the size does not divide evenly. A tile larger than the view is
// clipped to it.
func Tiles(v View, tileW, tileH int) ([]Tile, error) {
	if err := v.Validate(); err != nil {
		return nil, err
	}
	if tileW <= 0 || tileH <= 0 {
		return nil, fmt.Errorf("%w: tile size %d×%d is not positive", ErrTile, tileW, tileH)
	}
	tileW, tileH = min(tileW, v.Width), min(tileH, v.Height)
	nx := (v.Width + tileW - 1) / tileW
	ny := (v.Height + tileH - 1) / tileH
	tiles := make([]Tile, 0, nx*ny)
	for y := 0; y < v.Height; y += tileH {
		for x := 0; x < v.Width; x += tileW {
			tiles = append(tiles, Tile{X0: x, Y0: y, W: min(tileW, v.Width-x), H: min(tileH, v.Height-y)})
		}
	}
	return tiles, nil
}

// Split cuts the view into exactly n tiles on a grid of columns × rows = n,
// choosing the grid whose tiles are closest to square (so 16 tiles of a
// 512×512 view are 128×128, and 4096 are 8×8). Tile sides differ by at most
// one pixel. Tiles are ordered row by row from the bottom left. Split fails
// when no grid with n cells fits the view.
func Split(v View, n int) ([]Tile, error) {
	if err := v.Validate(); err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, fmt.Errorf("%w: %d tiles", ErrTile, n)
	}
	cols, rows := grid(v.Width, v.Height, n)
	if cols == 0 {
		return nil, fmt.Errorf("%w: no grid of %d tiles fits %d×%d pixels", ErrTile, n, v.Width, v.Height)
	}
	tiles := make([]Tile, 0, n)
	for r := range rows {
		y0, y1 := r*v.Height/rows, (r+1)*v.Height/rows
		for c := range cols {
			x0, x1 := c*v.Width/cols, (c+1)*v.Width/cols
			tiles = append(tiles, Tile{X0: x0, Y0: y0, W: x1 - x0, H: y1 - y0})
		}
	}
	return tiles, nil
}

// grid picks cols × rows = n with cols ≤ w and rows ≤ h whose cells are
// closest to square; ties go to more columns. It returns 0, 0 if none fits.
func grid(w, h, n int) (cols, rows int) {
	best := math.Inf(1)
	for c := 1; c <= n && c <= w; c++ {
		if n%c != 0 || n/c > h {
			continue
		}
		r := n / c
		// |log(cell width / cell height)|, with cell size w/c × h/r.
		skew := math.Abs(math.Log(float64(w) * float64(r) / (float64(h) * float64(c))))
		if skew <= best {
			best, cols, rows = skew, c, r
		}
	}
	return cols, rows
}
