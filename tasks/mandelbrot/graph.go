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

// Part is what a tile task returns: the tile's own pixels (Image.Rect is
// the tile) and their sum. Its fields are plain exported data, so a tile
// can run in another process (graph.Remote) and its part travel back as a
// message.
type Part struct {
	Image Image
	Sum   int64
}

// Build lays out the computation of view v as a task graph in g: one task
// named "tile" per tile, each computing its tile's pixels as
// [ComputeTile] does into a [Part] of its own; a task named "canvas" that
// makes the image; tasks named "paste" that copy the parts into the
// canvas, one per tile (one per run of consecutive tiles when there are
// more than 256 tiles); and one task named "assemble" that adds up the
// tiles' sums and returns the image.
//
// The tiles must cover the view exactly once ([Split] and [Tiles] make such
// sets). Build checks that, and the view, before it adds anything to g, so
// a bad tiling is an error here rather than a failed run. Because the
// tiles do not overlap, no two paste tasks write the same pixel, and any
// number of workers gives the same image.
//
// Why a tile returns its own pixels rather than writing into the canvas:
// a tile task given graph.Remote runs in another process, which cannot
// write into this one's memory. Why many paste tasks rather than one
// assemble of all the parts: a part is released as soon as its paste has
// run (the scheduler runs a paste that a tile made ready next, on the
// worker that finished the tile), so the run's peak memory stays about
// one image plus the tiles in flight, never the sum of all tiles plus the
// image. Why at most 256 of them: a paste costs a task, and past a few
// hundred tiles one task per tile would double the scheduling of a run
// whose tiles are small. The paste tasks have no options and so always
// run in this process, next to the canvas.
//
// The canvas is a task, not a buffer made here, so that every run of the
// graph computes a new image: a result a run returned is never written
// to again.
//
// opts are given to every tile task (graph.Retries, graph.Timeout,
// graph.Uses, graph.Remote): a tile looks at its context every few
// thousand iterations, so a timeout stops it in the middle, and computing
// it again gives the same pixels.
func Build(g *graph.Graph, v View, tiles []Tile, opts ...graph.Option) (graph.Delayed[Result], error) {
	if err := checkCover(v, tiles); err != nil {
		return graph.Delayed[Result]{}, err
	}
	// Every tile task shares one copy of the view and the tiles and keeps
	// only its index (graph.CallN): (view, tiles, index) is the tile's
	// whole identity, from which a worker rebuilds it, and 4,096 tiles
	// cost one allocation for their tasks, not 8,192 for closures and
	// tasks. The view is a constant: it never travels with a tile.
	job := &tiling{v: v, tiles: slices.Clone(tiles)}
	parts := graph.CallN(g, "tile", len(tiles), job.tile, graph.Value(g, "view", v), opts...)
	canvas := graph.Source(g, "canvas", job.canvas)
	per := (len(parts) + maxPastes - 1) / maxPastes
	pastes := make([]graph.Delayed[Part], 0, (len(parts)+per-1)/per)
	args := make([]graph.Delayed[Part], 0, per+1)
	for lo := 0; lo < len(parts); lo += per {
		args = append(append(args[:0], canvas), parts[lo:min(lo+per, len(parts))]...)
		pastes = append(pastes, graph.CallSlice(g, "paste", job.paster(lo), args))
	}
	return graph.CallSlice(g, "assemble", job.assemble, pastes), nil
}

// maxPastes is the most paste tasks Build lays out.
const maxPastes = 256

// tiling is what the tasks of one graph share.
type tiling struct {
	v     View
	tiles []Tile
}

// canvas is the image the pastes fill in, as a part covering the view.
func (j *tiling) canvas(context.Context) (Part, error) {
	return Part{Image: NewImage(j.v.Bounds())}, nil
}

// tile computes tile k of view v into a part of its own.
func (j *tiling) tile(ctx context.Context, k int, v View) (Part, error) {
	if err := ctx.Err(); err != nil {
		return Part{}, err // the run stopped before this tile began
	}
	t := j.tiles[k]
	m := NewImage(t)
	sum, err := computeTileCtx(ctx, m.Pix, t.W, v, t)
	if err != nil {
		return Part{}, err // cancelled in the middle of the tile
	}
	return Part{Image: m, Sum: sum}, nil
}

// paster returns the paste task of the tiles from lo on: given the canvas
// and their parts, it copies the parts into the canvas and returns the
// canvas with the parts' sum. A part that is not its tile's (only a broken
// or foreign worker could send one) is an error, not a write elsewhere in
// the canvas.
func (j *tiling) paster(lo int) func(context.Context, []Part) (Part, error) {
	return func(_ context.Context, ps []Part) (Part, error) {
		canvas := ps[0].Image
		var sum int64
		for i, p := range ps[1:] {
			t := j.tiles[lo+i]
			if p.Image.Rect != t || len(p.Image.Pix) != t.Len() {
				return Part{}, fmt.Errorf("%w: tile %v got a part of %v with %d values", ErrTile, t, p.Image.Rect, len(p.Image.Pix))
			}
			if err := canvas.Paste(p.Image); err != nil {
				return Part{}, err
			}
			sum += p.Sum
		}
		return Part{Image: canvas, Sum: sum}, nil
	}
}

// assemble adds up the pastes' sums; the tiles' pixels are in the canvas
// already, which every paste returns.
func (j *tiling) assemble(_ context.Context, ps []Part) (Result, error) {
	var sum int64
	for _, p := range ps {
		sum += p.Sum
	}
	return Result{Image: ps[0].Image, Sum: sum}, nil
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
