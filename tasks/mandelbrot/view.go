package mandelbrot

import (
	"errors"
	"fmt"
	"math"
	"math/cmplx"
)

// Limits on a View. They keep every count in range and catch a unit mix-up
// (a size in bytes, say) before it allocates gigabytes.
const (
	// MaxSide is the largest width or height.
	MaxSide = 1 << 16
	// MaxPixels is the largest number of pixels in a view (1 GiB of int32).
	MaxPixels = 1 << 28
	// MaxIterLimit is the largest MaxIter; a pixel holds at most MaxIter−1.
	MaxIterLimit = math.MaxInt32
)

// ErrView is wrapped by every error that reports an invalid View.
var ErrView = errors.New("mandelbrot: invalid view")

// View is a rectangle of the complex plane sampled on a pixel grid, with the
// iteration budget per pixel. Its zero value is not valid; start from
// [DefaultView].
type View struct {
	Width, Height int        // pixels
	MaxIter       int        // iterations per pixel, at least 1
	Center        complex128 // the point at pixel (Width/2, Height/2)
	Extent        complex128 // real part: width, imaginary part: height of the region
}

// DefaultView returns the workshop's view: 512×512 pixels, 1024 iterations,
// centred on −1.1195+0.2718i with an extent of 0.005+0.005i.
func DefaultView() View {
	return View{
		Width:   512,
		Height:  512,
		MaxIter: 1024,
		Center:  complex(-1.1195, 0.2718),
		Extent:  complex(0.005, 0.005),
	}
}

// Scale returns the distance between neighbouring pixels:
// max(real(Extent)/Width, imag(Extent)/Height), as the workshop computes it.
func (v View) Scale() float64 {
	return max(real(v.Extent)/float64(v.Width), imag(v.Extent)/float64(v.Height))
}

// Point returns the point c of pixel (i, j): Center + ((i − Width/2) +
// (j − Height/2)·i)·Scale, rounded exactly as the workshop's Python rounds it.
func (v View) Point(i, j int) complex128 {
	s := v.Scale()
	return complex(coord(i, v.Width/2, s, real(v.Center)), coord(j, v.Height/2, s, imag(v.Center)))
}

// coord is one component of a pixel's point. Python multiplies the offset by
// the scale, rounds, then adds the centre; the conversion keeps a compiler from
// fusing the two into one multiply-add.
func coord(k, half int, scale, center float64) float64 {
	return float64(float64(k-half)*scale) + center
}

// Bounds returns the tile covering the whole view.
func (v View) Bounds() Tile { return Tile{W: v.Width, H: v.Height} }

// Region returns the lower-left and upper-right corners, in the complex
// plane, of the area that tile t covers in a plot of the view. It follows the
// workshop's plot: the whole picture spans (Width + Height·i)·Scale centred on
// Center, one Scale per pixel.
func (v View) Region(t Tile) (lo, hi complex128) {
	s := v.Scale()
	x0 := real(v.Center) - float64(float64(float64(v.Width)*s)/2)
	y0 := imag(v.Center) - float64(float64(float64(v.Height)*s)/2)
	lo = complex(x0+float64(float64(t.X0)*s), y0+float64(float64(t.Y0)*s))
	hi = complex(x0+float64(float64(t.X0+t.W)*s), y0+float64(float64(t.Y0+t.H)*s))
	return lo, hi
}

// Validate reports whether the view can be computed. The error wraps
// [ErrView] and says which field is wrong.
func (v View) Validate() error {
	switch {
	case v.Width <= 0 || v.Height <= 0:
		return fmt.Errorf("%w: size %d×%d is not positive", ErrView, v.Width, v.Height)
	case v.Width > MaxSide || v.Height > MaxSide:
		return fmt.Errorf("%w: size %d×%d exceeds %d on a side", ErrView, v.Width, v.Height, MaxSide)
	case v.Width > MaxPixels/v.Height: // Width·Height could overflow a 32-bit int
		return fmt.Errorf("%w: %d×%d pixels exceed %d", ErrView, v.Width, v.Height, MaxPixels)
	case v.MaxIter <= 0:
		return fmt.Errorf("%w: MaxIter %d is not positive", ErrView, v.MaxIter)
	case v.MaxIter > MaxIterLimit:
		return fmt.Errorf("%w: MaxIter %d exceeds %d", ErrView, v.MaxIter, MaxIterLimit)
	case !finite(v.Center):
		return fmt.Errorf("%w: centre %v is not finite", ErrView, v.Center)
	case !finite(v.Extent):
		return fmt.Errorf("%w: extent %v is not finite", ErrView, v.Extent)
	case real(v.Extent) < 0 || imag(v.Extent) < 0:
		return fmt.Errorf("%w: extent %v has a negative part", ErrView, v.Extent)
	}
	if s := v.Scale(); !(s > 0) {
		return fmt.Errorf("%w: extent %v gives a pixel spacing of %g", ErrView, v.Extent, s)
	}
	// The corners bound every point; a huge centre plus a huge extent can overflow.
	if !finite(v.Point(0, 0)) || !finite(v.Point(v.Width-1, v.Height-1)) {
		return fmt.Errorf("%w: centre %v with extent %v reaches infinity", ErrView, v.Center, v.Extent)
	}
	return nil
}

func finite(c complex128) bool {
	return !cmplx.IsNaN(c) && !cmplx.IsInf(c)
}
