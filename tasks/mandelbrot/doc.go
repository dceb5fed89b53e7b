// Package mandelbrot computes escape-time images of the Mandelbrot set, the
// final exercise of the workshop this project comes from, as plain Go kernels
// that a task graph can call once per tile.
//
// # What a pixel holds
//
// A [View] maps pixel (i, j) to the point
//
//	c = Center + ((i - Width/2) + (j - Height/2)·i) · scale
//
// with integer division and scale = max(real(Extent)/Width, imag(Extent)/Height).
// The stored value has exactly the meaning of the workshop's loop: z starts at
// 0; for k = 0 … MaxIter−1, z = z² + c, and if |z|² > 4 the loop stops; the
// pixel holds that k, and MaxIter−1 if z never escaped. Row j = 0 is the bottom
// of the picture (matplotlib's origin="lower").
//
// # Bit-identical everywhere
//
// The Go specification lets a compiler fuse x*y + z into one fused
// multiply-add, which rounds once instead of twice and so can change escape
// counts (on arm64 it does; amd64 with GOAMD64=v3 fuses too). Every product
// in this package is therefore wrapped in an explicit float64 conversion,
// which forbids the fusion: compiled for arm64 and for GOAMD64=v3 the package
// contains no fused instruction. With that the default view sums to
// 21,169,614 on every platform, the same as the workshop's Python.
//
// # Pixel type
//
// Pixels are int32. A uint16 would halve the memory, but it caps MaxIter at
// 65,536 while deep zooms routinely need 10⁵–10⁶ iterations; and the memory is
// small next to the work (the default 512×512 image is 1 MiB and about 21
// million iterations). MaxIter is limited to [MaxIterLimit] so every value fits.
//
// # Speed
//
// [Escape] and [Reference] are the plain loop, bound by the latency of the
// z-update chain (about 3.8 ns per iteration here, 81 ms for the default
// view). [ComputeTile] and [Compute] step four independent pixels at once so
// that their chains overlap, and hand a lane the next pixel as soon as its
// pixel finishes; their results are the same as the plain loop's, bit for
// bit, at about 1.8 ns per iteration (38 ms for the default view in one
// goroutine, against 69.5 ms for the workshop's numba loop).
//
// # Tiles
//
// A [Tile] is a rectangle of pixels. [Tiles] and [Split] cut a view into tiles,
// [ComputeTile] computes one into an [Image], and [Assemble] puts the parts back
// together, checking that they cover the picture exactly once. [Build] lays
// a tiled computation out as a task graph: each tile returns its own
// pixels (a [Part], plain data that can travel to and from a worker
// process), and paste tasks copy them into one image.
package mandelbrot
