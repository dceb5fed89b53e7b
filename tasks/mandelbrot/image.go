package mandelbrot

import "fmt"

// Image holds the values of the pixels of one tile: Pix[(j−Rect.Y0)·Rect.W +
// (i−Rect.X0)] is pixel (i, j). Row Rect.Y0 comes first, so a full image is
// laid out like the workshop's result[j, i].
type Image struct {
	Rect Tile
	Pix  []int32
}

// NewImage returns a zeroed image covering r.
func NewImage(r Tile) Image {
	return Image{Rect: r, Pix: make([]int32, max(r.Len(), 0))}
}

// At returns the value of pixel (i, j), which must lie inside Rect.
func (m Image) At(i, j int) int32 {
	return m.Pix[m.offset(i, j)]
}

// Row returns the values of row j, which must lie inside Rect.
func (m Image) Row(j int) []int32 {
	o := m.offset(m.Rect.X0, j)
	return m.Pix[o : o+m.Rect.W : o+m.Rect.W]
}

func (m Image) offset(i, j int) int {
	r := m.Rect
	if i < r.X0 || i >= r.X0+r.W || j < r.Y0 || j >= r.Y0+r.H {
		panic(fmt.Sprintf("mandelbrot: pixel (%d, %d) outside %v", i, j, r))
	}
	return (j-r.Y0)*r.W + (i - r.X0)
}

// Sum returns the sum of the pixel values: 21,169,614 for the default view.
func (m Image) Sum() int64 {
	var s int64
	for _, v := range m.Pix {
		s += int64(v)
	}
	return s
}

// Iterations returns how many times the workshop's loop updated z to produce
// the image: a pixel holding k took k+1 iterations (MaxIter when it never
// escaped). It is the work measure behind a per-iteration cost.
func (m Image) Iterations() int64 {
	return m.Sum() + int64(len(m.Pix))
}

// Paste copies part into m. Part must lie inside m.Rect and have one value per
// pixel; pixels it covers are overwritten.
func (m Image) Paste(part Image) error {
	if err := part.check(m.Rect); err != nil {
		return err
	}
	for j := part.Rect.Y0; j < part.Rect.Y0+part.Rect.H; j++ {
		o := m.offset(part.Rect.X0, j)
		copy(m.Pix[o:o+part.Rect.W], part.Row(j))
	}
	return nil
}

func (m Image) check(bounds Tile) error {
	if err := m.Rect.check(bounds); err != nil {
		return err
	}
	if len(m.Pix) != m.Rect.Len() {
		return fmt.Errorf("%w: %v has %d values", ErrTile, m.Rect, len(m.Pix))
	}
	return nil
}

// Assemble builds the image covering r from parts that cover every pixel of
// r exactly once, in any order. It reports a part outside r, overlapping
// parts and uncovered pixels as errors wrapping [ErrTile].
func Assemble(r Tile, parts ...Image) (Image, error) {
	if r.W <= 0 || r.H <= 0 {
		return Image{}, fmt.Errorf("%w: %v is empty", ErrTile, r)
	}
	out := NewImage(r)
	// One bit per pixel of r, to find overlaps and gaps in O(pixels).
	seen := make([]uint64, (r.Len()+63)/64)
	covered := 0
	for _, p := range parts {
		if err := p.check(r); err != nil {
			return Image{}, err
		}
		for j := p.Rect.Y0; j < p.Rect.Y0+p.Rect.H; j++ {
			o := out.offset(p.Rect.X0, j)
			for b := o; b < o+p.Rect.W; b++ {
				if seen[b/64]&(1<<(b%64)) != 0 {
					return Image{}, fmt.Errorf("%w: %v overlaps another part at pixel (%d, %d)",
						ErrTile, p.Rect, r.X0+b%r.W, r.Y0+b/r.W)
				}
				seen[b/64] |= 1 << (b % 64)
			}
			copy(out.Pix[o:o+p.Rect.W], p.Row(j))
		}
		covered += p.Rect.Len()
	}
	if covered != r.Len() {
		for b := range r.Len() {
			if seen[b/64]&(1<<(b%64)) == 0 {
				return Image{}, fmt.Errorf("%w: pixel (%d, %d) of %v is not covered",
					ErrTile, r.X0+b%r.W, r.Y0+b/r.W, r)
			}
		}
	}
	return out, nil
}
