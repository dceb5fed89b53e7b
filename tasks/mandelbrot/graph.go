package mandelbrot

import (
	"context"
	"fmt"

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
// sets); Build checks that before adding anything to g, so a bad view or
// tiling is an error here rather than a failed run. Every tile task is
// independent of the others, so any number of workers gives the same image.
func Build(g *graph.Graph, v View, tiles []Tile) (graph.Delayed[Result], error) {
	if err := checkTiling(v, tiles); err != nil {
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
		m, err := Assemble(bounds, ms...)
		if err != nil {
			return Result{}, err
		}
		return Result{Image: m, Sum: m.Sum()}, nil
	}, parts), nil
}

// checkTiling reports an invalid view, an empty tiling, a tile outside the
// view, or tiles whose areas do not add up to the view's. That catches the
// usual mistakes at once and costs O(tiles); overlapping tiles that hide a
// gap of the same area are left to Assemble, which finds them when it runs.
func checkTiling(v View, tiles []Tile) error {
	if err := v.Validate(); err != nil {
		return err
	}
	if len(tiles) == 0 {
		return fmt.Errorf("%w: no tiles", ErrTile)
	}
	bounds := v.Bounds()
	total := 0
	for _, t := range tiles {
		if err := t.check(bounds); err != nil {
			return err
		}
		total += t.Len()
	}
	if total != bounds.Len() {
		return fmt.Errorf("%w: %d tiles cover %d pixels, the view has %d", ErrTile, len(tiles), total, bounds.Len())
	}
	return nil
}
