package mandelbrot

import (
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
)

// viridisAnchors is matplotlib's viridis colour map (CC0, by Stéfan van der
// Walt and Nathaniel Smith) sampled at every 8th of its 256 entries plus the
// last, as 8-bit sRGB. Linear interpolation between them stays within 1.7/255
// of every entry of the full table.
var viridisAnchors = [33][3]uint8{
	{68, 1, 84}, {71, 13, 96}, {72, 24, 106}, {72, 35, 116}, {71, 45, 123},
	{69, 55, 129}, {66, 64, 134}, {62, 73, 137}, {59, 82, 139}, {55, 91, 141},
	{51, 99, 141}, {47, 107, 142}, {44, 114, 142}, {41, 122, 142}, {38, 130, 142},
	{35, 137, 142}, {33, 145, 140}, {31, 152, 139}, {31, 160, 136}, {34, 167, 133},
	{40, 174, 128}, {50, 182, 122}, {63, 188, 115}, {78, 195, 107}, {94, 201, 98},
	{112, 207, 87}, {132, 212, 75}, {152, 216, 62}, {173, 220, 48}, {194, 223, 35},
	{216, 226, 25}, {236, 229, 27}, {253, 231, 37},
}

// viridisLUT is the 256-colour table matplotlib quantises to, rebuilt from the
// anchors: entry k is the colour at k/255.
var viridisLUT = func() (lut [256]color.NRGBA) {
	for k := range lut {
		lut[k] = viridisAt(float64(k) / 255)
	}
	return lut
}()

// viridisAt interpolates the anchors, which sit at entries 0, 8, …, 248, 255.
func viridisAt(t float64) color.NRGBA {
	x := float64(t * 255) // position in entries; conversions keep this free of FMA
	a := min(int(x/8), len(viridisAnchors)-2)
	x0, x1 := float64(8*a), float64(min(8*(a+1), 255))
	f := (x - x0) / (x1 - x0)
	c0, c1 := viridisAnchors[a], viridisAnchors[a+1]
	var c [3]uint8
	for q := range c {
		c[q] = uint8(math.Round(float64(c0[q]) + float64(f*(float64(c1[q])-float64(c0[q])))))
	}
	return color.NRGBA{R: c[0], G: c[1], B: c[2], A: 255}
}

// Viridis returns the colour of the viridis map at t, clamped to [0, 1], from
// the same 256-entry table matplotlib uses (NaN maps to the low end).
func Viridis(t float64) color.NRGBA {
	if !(t > 0) {
		return viridisLUT[0]
	}
	return viridisLUT[min(int(t*256), 255)]
}

// Colorize paints the image as the workshop's plot does: each value v becomes
// v^(1/3), normalised between the smallest and largest of those to [0, 1] and
// coloured with [Viridis]. Row Rect.Y0 is drawn at the bottom (matplotlib's
// origin="lower"). An image whose values are all equal is painted with the
// low end of the map, as matplotlib does.
func Colorize(m Image) *image.NRGBA {
	w, h := m.Rect.W, m.Rect.H
	out := image.NewNRGBA(image.Rect(0, 0, w, h))
	if len(m.Pix) == 0 {
		return out
	}
	lo, hi := m.Pix[0], m.Pix[0]
	for _, v := range m.Pix {
		lo, hi = min(lo, v), max(hi, v)
	}
	cbrtLo, cbrtHi := math.Cbrt(float64(lo)), math.Cbrt(float64(hi))
	for y := range h {
		row := m.Row(m.Rect.Y0 + h - 1 - y) // flip: image row 0 is the top
		px := out.Pix[y*out.Stride : y*out.Stride+4*w]
		for x, v := range row {
			t := 0.0
			if hi > lo {
				t = (math.Cbrt(float64(v)) - cbrtLo) / (cbrtHi - cbrtLo)
			}
			c := Viridis(t)
			px[4*x], px[4*x+1], px[4*x+2], px[4*x+3] = c.R, c.G, c.B, c.A
		}
	}
	return out
}

// WritePNG writes the image, coloured by [Colorize], as a PNG with one pixel
// per value.
func WritePNG(w io.Writer, m Image) error {
	return png.Encode(w, Colorize(m))
}
