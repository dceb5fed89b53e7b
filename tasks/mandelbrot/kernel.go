package mandelbrot

import "context"

// Escape returns the workshop's value for the point c: z starts at 0; for
// k = 0 … maxIter−1, z = z² + c, and if |z|² > 4 it returns k; if z never
// escaped it returns maxIter−1. It panics if maxIter is not positive (the
// Python loop leaves k undefined then).
//
// This is the plain loop, kept literal on purpose: every faster kernel in the
// package is tested against it.
func Escape(c complex128, maxIter int) int32 {
	if maxIter <= 0 {
		panic("mandelbrot: Escape with a non-positive maxIter")
	}
	cr, ci := real(c), imag(c)
	var zr, zi float64
	for k := range maxIter {
		// Python's z**2 + c: re = (zr·zr − zi·zi) + cr, im = (zr·zi + zi·zr) + ci,
		// each product rounded on its own (the conversions forbid FMA fusion).
		zr, zi = float64(float64(zr*zr)-float64(zi*zi))+cr, float64(float64(zr*zi)+float64(zi*zr))+ci
		// (z * z.conjugate()).real is zr·zr − zi·(−zi), which rounds the same as this.
		if float64(zr*zr)+float64(zi*zi) > 4 {
			return int32(k)
		}
	}
	return int32(maxIter - 1)
}

// Reference computes tile t of view v one pixel at a time with [Escape]: the
// workshop's loop, slow and obviously right.
func Reference(v View, t Tile) (Image, error) {
	if err := checkTile(v, t); err != nil {
		return Image{}, err
	}
	m := NewImage(t)
	for j := t.Y0; j < t.Y0+t.H; j++ {
		row := m.Row(j)
		for i := range row {
			row[i] = Escape(v.Point(t.X0+i, j), v.MaxIter)
		}
	}
	return m, nil
}

// ComputeTile computes tile t of view v. The result equals [Reference]'s bit
// for bit; it is faster because it iterates several pixels at once.
func ComputeTile(v View, t Tile) (Image, error) {
	if err := checkTile(v, t); err != nil {
		return Image{}, err
	}
	m := NewImage(t)
	computeTile(m.Pix, t.W, v, t)
	return m, nil
}

// ComputeInto is [ComputeTile] writing into dst, which must hold exactly
// t.Len() values, so that a caller can reuse buffers.
func ComputeInto(dst []int32, v View, t Tile) error {
	if err := checkTile(v, t); err != nil {
		return err
	}
	if len(dst) != t.Len() {
		return errorf("destination holds %d values, tile %v has %d pixels", len(dst), t, t.Len())
	}
	computeTile(dst, t.W, v, t)
	return nil
}

// Compute computes the whole view in the calling goroutine.
func Compute(v View) (Image, error) {
	return ComputeTile(v, v.Bounds())
}

func checkTile(v View, t Tile) error {
	if err := v.Validate(); err != nil {
		return err
	}
	return t.check(v.Bounds())
}

// computeTile stores the values of tile t in dst, row r of the tile from
// dst[r*stride] on, and returns their sum, which the kernel adds up as it
// stores them.
func computeTile(dst []int32, stride int, v View, t Tile) (sum int64) {
	var q queue
	q.init(dst, stride, v, t)
	q.run()
	return q.sum
}

// computeTileCtx is computeTile that stops, with ctx's error, when ctx is
// cancelled in the middle of the tile.
func computeTileCtx(ctx context.Context, dst []int32, stride int, v View, t Tile) (int64, error) {
	var q queue
	q.init(dst, stride, v, t)
	q.done = ctx.Done()
	q.run()
	if q.stopped {
		return 0, ctx.Err()
	}
	return q.sum, nil
}
