package mandelbrot

import (
	"context"
	"fmt"
	"slices"

	"github.com/seed001e6470/taskgraph/graph"
)

// Result is what the tiled pipeline computes: the assembled image and the
// sum of its pixel values (the number the workshop's variants are compared
// by: 21,169,614 for the default view).
type Result struct {
	Image Image
	Sum   int64
}

// Build lays out the computation of view v as a task graph in g: one task
// named "tile" per tile, each running [ComputeTile], and one task named
// "assemble" that pastes the tiles into the whole image and sums it.
//
// The tiles must cover the view exactly once ([Split] and [Tiles] make such
// sets). Build checks that, and the view, before it adds anything to g, so
// a bad tiling is an error here rather than a failed run, and the assemble
// task only has to copy: it is the one part of the run that cannot be
// shared between workers, so it is kept to a memory copy and a sum
// (about 0.2 ms for the default view, where [Assemble], which checks
// coverage pixel by pixel, takes 1.3 ms). Every tile task is independent
// of the others, so any number of workers gives the same image.
func Build(g *graph.Graph, v View, tiles []Tile) (graph.Delayed[Result], error) {
	if err := checkCover(v, tiles); err != nil {
		return graph.Delayed[Result]{}, err
	}
	parts := make([]graph.Delayed[Image], len(tiles))
	for k, t := range tiles {
		// A closure over (v, t) is the cheapest task (no Value leaf per
		// tile). The pair is also the tile's whole identity: a remote
		// executor can rebuild the same task from the view and the index.
		parts[k] = graph.Source(g, "tile", func(ctx context.Context) (Image, error) {
			if err := ctx.Err(); err != nil {
				return Image{}, err // the run stopped before this tile began
			}
			return ComputeTile(v, t)
		})
	}
	bounds := v.Bounds()
	return graph.CallSlice(g, "assemble", func(_ context.Context, ms []Image) (Result, error) {
		m := NewImage(bounds)
		for _, part := range ms {
			if err := m.Paste(part); err != nil {
				return Result{}, err
			}
		}
		return Result{Image: m, Sum: m.Sum()}, nil
	}, parts), nil
}

// checkCover reports an invalid view, or tiles that do not cover it exactly
// once. Rather than marking every pixel, it marks the cells of the grid
// that the tiles' own edges cut the view into: a regular tiling of n tiles
// has n cells, so the check costs O(n log n) whatever the view's size.
// Tiles that do not overlap and whose areas add up to the view's cover it.
func checkCover(v View, tiles []Tile) error {
	if err := v.Validate(); err != nil {
		return err
	}
	if len(tiles) == 0 {
		return fmt.Errorf("%w: no tiles", ErrTile)
	}
	bounds := v.Bounds()
	xs, ys := []int{0, v.Width}, []int{0, v.Height}
	area := 0
	for _, t := range tiles {
		if err := t.check(bounds); err != nil {
			return err
		}
		xs = append(xs, t.X0, t.X0+t.W)
		ys = append(ys, t.Y0, t.Y0+t.H)
		area += t.Len()
	}
	if area != bounds.Len() {
		return fmt.Errorf("%w: %d tiles cover %d pixels, the view has %d", ErrTile, len(tiles), area, bounds.Len())
	}
	slices.Sort(xs)
	slices.Sort(ys)
	xs, ys = slices.Compact(xs), slices.Compact(ys)
	// One bit per cell; cells ≤ pixels, as edges fall on pixel boundaries.
	cols := len(xs) - 1
	seen := make([]uint64, (cols*(len(ys)-1)+63)/64)
	for _, t := range tiles {
		x0, _ := slices.BinarySearch(xs, t.X0)
		x1, _ := slices.BinarySearch(xs, t.X0+t.W)
		y0, _ := slices.BinarySearch(ys, t.Y0)
		y1, _ := slices.BinarySearch(ys, t.Y0+t.H)
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				c := y*cols + x
				if seen[c/64]&(1<<(c%64)) != 0 {
					return fmt.Errorf("%w: %v overlaps another tile", ErrTile, t)
				}
				seen[c/64] |= 1 << (c % 64)
			}
		}
	}
	return nil
}
