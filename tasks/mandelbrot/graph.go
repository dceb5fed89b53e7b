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
// named "tile" per tile, each computing its tile's image as [ComputeTile]
// does, and one task named "assemble" that copies the tiles into the whole
// image and adds up its sum.
//
// The tiles must cover the view exactly once ([Split] and [Tiles] make such
// sets). Build checks that, and the view, before it adds anything to g, so
// a bad tiling is an error here rather than a failed run, and neither the
// tile tasks nor the assemble task check anything again. The assemble task
// is the one part of the run that cannot be shared between workers, so it
// is kept to a memory copy: each tile task also returns the sum of its
// values, which the kernel adds up as it stores them, and assemble only adds
// those. Every tile task is independent of the others, so any number of
// workers gives the same image.
func Build(g *graph.Graph, v View, tiles []Tile) (graph.Delayed[Result], error) {
	if err := checkCover(v, tiles); err != nil {
		return graph.Delayed[Result]{}, err
	}
	// Every tile task shares one copy of the view and the tiles and keeps
	// only its index: a closure of 16 bytes instead of 96 (4,096 tiles
	// make a graph of 4,096 closures), and (view, tiles, index) is the
	// tile's whole identity, from which a remote executor could rebuild it.
	job := &tiling{v: v, tiles: slices.Clone(tiles)}
	parts := make([]graph.Delayed[part], len(tiles))
	for k := range tiles {
		parts[k] = graph.Source(g, "tile", job.tile(k))
	}
	return graph.CallSlice(g, "assemble", job.assemble, parts), nil
}

// tiling is what the tasks of one graph share.
type tiling struct {
	v     View
	tiles []Tile
}

// part is a tile task's result: the values of its pixels and their sum.
// Tile k's rectangle is tiles[k], so the result does not repeat it.
type part struct {
	pix []int32
	sum int64
}

// tile returns the function of tile task k.
func (j *tiling) tile(k int) func(context.Context) (part, error) {
	return func(ctx context.Context) (part, error) {
		if err := ctx.Err(); err != nil {
			return part{}, err // the run stopped before this tile began
		}
		t := j.tiles[k]
		pix := make([]int32, t.Len())
		return part{pix: pix, sum: computeTile(pix, j.v, t)}, nil
	}
}

// assemble copies the parts into the whole image and adds up their sums.
// Build checked that the tiles cover the view exactly once, so it copies
// rows without checking each part as [Image.Paste] does. For 4,096 tiles of
// 8×8 this takes 0.45 ms, where pasting and then summing the image took
// 0.9 ms (measured on the default view).
func (j *tiling) assemble(_ context.Context, ps []part) (Result, error) {
	m := NewImage(j.v.Bounds())
	var sum int64
	for k, p := range ps {
		r := j.tiles[k]
		for y := range r.H {
			o := (r.Y0+y)*j.v.Width + r.X0
			copy(m.Pix[o:o+r.W], p.pix[y*r.W:(y+1)*r.W])
		}
		sum += p.sum
	}
	return Result{Image: m, Sum: sum}, nil
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
