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

// Build lays out the computation of view v as a task graph in g: a task
// named "canvas" that makes the image, one task named "tile" per tile,
// each computing its tile's pixels as [ComputeTile] does, straight into
// the canvas, and one task named "assemble" that adds up the tiles' sums.
//
// The tiles must cover the view exactly once ([Split] and [Tiles] make such
// sets). Build checks that, and the view, before it adds anything to g, so
// a bad tiling is an error here rather than a failed run, and neither the
// tile tasks nor the assemble task check anything again. Because the
// tiles do not overlap, no two tile tasks write the same pixel, and any
// number of workers gives the same image. Writing into one image, rather
// than into a buffer per tile that assemble would copy, keeps the run's
// peak memory at one image, and leaves assemble, the one part of the run
// that cannot be shared between workers, a sum of as many numbers as
// there are tiles: each tile task returns the sum of its values, which the
// kernel adds up as it stores them.
//
// The canvas is a task, not a buffer made here, so that every run of the
// graph computes a new image: a result a run returned is never written
// to again.
//
// opts are given to every tile task (graph.Retries, graph.Timeout,
// graph.Uses): a tile looks at its context every few thousand
// iterations, so a timeout stops it in the middle, and computing it again
// writes the same pixels.
func Build(g *graph.Graph, v View, tiles []Tile, opts ...graph.Option) (graph.Delayed[Result], error) {
	if err := checkCover(v, tiles); err != nil {
		return graph.Delayed[Result]{}, err
	}
	// Every tile task shares one copy of the view and the tiles and keeps
	// only its index (graph.CallN): (view, tiles, index) is the tile's
	// whole identity, from which a remote executor could rebuild it, and
	// 4,096 tiles cost one allocation for their tasks, not 8,192 for
	// closures and tasks.
	job := &tiling{v: v, tiles: slices.Clone(tiles)}
	canvas := graph.Source(g, "canvas", job.canvas)
	parts := graph.CallN(g, "tile", len(tiles), job.tile, canvas, opts...)
	return graph.CallSlice(g, "assemble", job.assemble, parts), nil
}

// tiling is what the tasks of one graph share.
type tiling struct {
	v     View
	tiles []Tile
}

// part is a tile task's result: the canvas it wrote its pixels into, and
// their sum. Every part of a run holds the same canvas.
type part struct {
	pix []int32
	sum int64
}

func (j *tiling) canvas(context.Context) ([]int32, error) {
	return make([]int32, j.v.Bounds().Len()), nil
}

// tile computes tile k into the canvas pix.
func (j *tiling) tile(ctx context.Context, k int, pix []int32) (part, error) {
	if err := ctx.Err(); err != nil {
		return part{}, err // the run stopped before this tile began
	}
	t := j.tiles[k]
	sum, err := computeTileCtx(ctx, pix[t.Y0*j.v.Width+t.X0:], j.v.Width, j.v, t)
	if err != nil {
		return part{}, err // cancelled in the middle of the tile
	}
	return part{pix: pix, sum: sum}, nil
}

// assemble adds up the parts' sums; the tiles' pixels are in the canvas
// already.
func (j *tiling) assemble(_ context.Context, ps []part) (Result, error) {
	var sum int64
	for _, p := range ps {
		sum += p.sum
	}
	return Result{Image: Image{Rect: j.v.Bounds(), Pix: ps[0].pix}, Sum: sum}, nil
}

// checkCover reports an invalid view, or tiles that do not cover it exactly
// once. Rather than marking every pixel, it marks the cells of the grid
// that the tiles' own edges cut the view into: a regular tiling of n tiles
// has n cells, so the check costs O(n + width + height) whatever the
// view's size (about 50 µs for 4,096 tiles of the default view). Tiles
// that do not overlap and whose areas add up to the view's cover it.
func checkCover(v View, tiles []Tile) error {
	if err := v.Validate(); err != nil {
		return err
	}
	if len(tiles) == 0 {
		return fmt.Errorf("%w: no tiles", ErrTile)
	}
	bounds := v.Bounds()
	// xi[x] is 1 where some tile has an edge at column x, then the index
	// of that edge among all of them; likewise yi for rows. Tables of
	// width+1 entries replace sorting 2n edges and searching them.
	xi, yi := make([]int32, v.Width+1), make([]int32, v.Height+1)
	xi[0], xi[v.Width], yi[0], yi[v.Height] = 1, 1, 1, 1
	area := 0
	for _, t := range tiles {
		if err := t.check(bounds); err != nil {
			return err
		}
		xi[t.X0], xi[t.X0+t.W], yi[t.Y0], yi[t.Y0+t.H] = 1, 1, 1, 1
		area += t.Len()
	}
	if area != bounds.Len() {
		return fmt.Errorf("%w: %d tiles cover %d pixels, the view has %d", ErrTile, len(tiles), area, bounds.Len())
	}
	cols, rows := rank(xi), rank(yi)
	// One bit per cell; cells ≤ pixels, as edges fall on pixel boundaries.
	seen := make([]uint64, (int(cols)*int(rows)+63)/64)
	for _, t := range tiles {
		for y := yi[t.Y0]; y < yi[t.Y0+t.H]; y++ {
			for x := xi[t.X0]; x < xi[t.X0+t.W]; x++ {
				c := int(y)*int(cols) + int(x)
				if seen[c/64]&(1<<(c%64)) != 0 {
					return fmt.Errorf("%w: %v overlaps another tile", ErrTile, t)
				}
				seen[c/64] |= 1 << (c % 64)
			}
		}
	}
	return nil
}

// rank turns marks (1 at an edge, 0 elsewhere) into each edge's index
// among the edges, and returns the number of cells between them.
func rank(marks []int32) (cells int32) {
	c := int32(-1)
	for i, m := range marks {
		if m != 0 {
			c++
		}
		marks[i] = c
	}
	return c
}
