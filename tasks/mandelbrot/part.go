package mandelbrot

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// partFormat is the first byte of an encoded Part: the layout's version.
const partFormat = 1

// MarshalBinary encodes the part compactly, for a tile computed in one
// process and pasted in another: its rectangle and sum, then each pixel
// as the varint of its difference from the pixel before it, row after
// row. Neighbouring pixels mostly differ by a little, so a pixel takes
// about a byte, against four in memory and two to five as a plain list
// of numbers; and encoding or decoding is one pass over the pixels,
// without reflection.
func (p Part) MarshalBinary() ([]byte, error) {
	r := p.Image.Rect
	if len(p.Image.Pix) != max(r.Len(), 0) {
		return nil, fmt.Errorf("%w: part %v has %d values", ErrTile, r, len(p.Image.Pix))
	}
	b := make([]byte, 0, 1+5*binary.MaxVarintLen64+len(p.Image.Pix)+len(p.Image.Pix)/4)
	b = append(b, partFormat)
	for _, v := range [...]int64{int64(r.X0), int64(r.Y0), int64(r.W), int64(r.H), p.Sum} {
		b = binary.AppendVarint(b, v)
	}
	prev := int32(0)
	for _, v := range p.Image.Pix {
		b = binary.AppendVarint(b, int64(v)-int64(prev))
		prev = v
	}
	return b, nil
}

// errPart is wrapped by the errors of data that is no encoded Part.
var errPart = errors.New("mandelbrot: not an encoded part")

// UnmarshalBinary decodes what MarshalBinary made. Data that is not such
// an encoding (cut short, a rectangle of more pixels than the data could
// hold, values out of range) is an error, and nothing larger than the data
// allows is allocated.
func (p *Part) UnmarshalBinary(data []byte) error {
	if len(data) == 0 || data[0] != partFormat {
		return fmt.Errorf("%w: unknown format", errPart)
	}
	d := data[1:]
	var head [5]int64
	for i := range head {
		v, n := binary.Varint(d)
		if n <= 0 {
			return fmt.Errorf("%w: its header is cut short", errPart)
		}
		head[i], d = v, d[n:]
	}
	r, err := partRect(head[:4])
	if err != nil {
		return err
	}
	if int64(r.W)*int64(r.H) > int64(len(d)) { // a pixel takes a byte at least
		return fmt.Errorf("%w: %v has more pixels than its %d bytes can hold", errPart, r, len(d))
	}
	pix := make([]int32, r.Len())
	prev := int64(0)
	for i := range pix {
		delta, n := binary.Varint(d)
		if n <= 0 {
			return fmt.Errorf("%w: pixel %d of %v is cut short", errPart, i, r)
		}
		prev += delta
		if prev < math.MinInt32 || prev > math.MaxInt32 {
			return fmt.Errorf("%w: pixel %d of %v is out of range", errPart, i, r)
		}
		pix[i], d = int32(prev), d[n:]
	}
	if len(d) != 0 {
		return fmt.Errorf("%w: %d bytes after the last pixel", errPart, len(d))
	}
	*p = Part{Image: Image{Rect: r, Pix: pix}, Sum: head[4]}
	return nil
}

// partRect checks a decoded rectangle: every field an int32, the sides
// not negative.
func partRect(h []int64) (Tile, error) {
	for _, v := range h {
		if v < math.MinInt32 || v > math.MaxInt32 {
			return Tile{}, fmt.Errorf("%w: a rectangle field of %d", errPart, v)
		}
	}
	if h[2] < 0 || h[3] < 0 {
		return Tile{}, fmt.Errorf("%w: a rectangle of %d×%d", errPart, h[2], h[3])
	}
	return Tile{X0: int(h[0]), Y0: int(h[1]), W: int(h[2]), H: int(h[3])}, nil
}
