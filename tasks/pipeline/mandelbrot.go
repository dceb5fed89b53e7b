package pipeline

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/tasks/mandelbrot"
)

// DefaultTiles is how many tiles the Mandelbrot pipeline cuts the view
// into unless told otherwise (32×32 pixels each for the default view).
// Tiles differ in cost (the one on the cardioid, 18 times the average), so
// with few tiles a worker can be left waiting for the last big one; with
// thousands, the 8×8-pixel tiles are computed less efficiently by the
// four-lane kernel. Measured on the default view with 2 workers, against
// the serial kernel: 16 tiles 1.71×, 256 tiles 1.78×, 4,096 tiles 1.43×
// (medians of 25 paired runs).
const DefaultTiles = 256

// Mandelbrot are the parameters of the "mandelbrot" pipeline.
type Mandelbrot struct {
	View     mandelbrot.View
	Tiles    int    // how many tiles (mandelbrot.Split), unless TileSize is set
	TileSize Size   // tiles of this size instead (mandelbrot.Tiles)
	Out      string // the PNG to write, one pixel per value; "" for none
	Figure   string // a figure with axes (format from the extension); "" for none
}

// DefaultMandelbrot returns the workshop's view in DefaultTiles tiles,
// written to mandelbrot.png in the current directory.
func DefaultMandelbrot() Mandelbrot {
	return Mandelbrot{View: mandelbrot.DefaultView(), Tiles: DefaultTiles, Out: "mandelbrot.png"}
}

// Flags registers the Mandelbrot flags on fs.
func (p *Mandelbrot) Flags(fs *pflag.FlagSet) {
	fs.IntVar(&p.View.Width, "width", p.View.Width, "image width in pixels")
	fs.IntVar(&p.View.Height, "height", p.View.Height, "image height in pixels")
	fs.IntVar(&p.View.MaxIter, "max-iter", p.View.MaxIter, "iterations per pixel before it counts as inside the set")
	fs.Var(complexValue{&p.View.Center}, "center", "the point at the centre of the image")
	fs.Var(complexValue{&p.View.Extent}, "extent", "width+height·i of the region shown")
	fs.Var(countValue{&p.Tiles}, "tiles", "number of tiles, one task each, on a near-square grid")
	fs.Var(sizeValue{&p.TileSize}, "tile-size", "tiles of WxH (or N for NxN) pixels instead of --tiles")
	fs.StringVar(&p.Out, "out", p.Out, `PNG file to write ("" for none)`)
	fs.StringVar(&p.Figure, "figure", p.Figure, "also draw a figure with axes Re(c) and Im(c) to this file (.png, .svg, .pdf)")
}

// figureFormats are the extensions mandelbrot.WriteFigure can write.
var figureFormats = []string{"png", "svg", "pdf", "eps", "jpg", "jpeg", "tif", "tiff"}

// tiles checks the parameters and cuts the view.
func (p *Mandelbrot) tiles() ([]mandelbrot.Tile, error) {
	v := p.View
	switch {
	case v.Width <= 0:
		return nil, paramErrorf("width", "must be at least 1 (got %d)", v.Width)
	case v.Height <= 0:
		return nil, paramErrorf("height", "must be at least 1 (got %d)", v.Height)
	case v.MaxIter <= 0:
		return nil, paramErrorf("max-iter", "must be at least 1 (got %d)", v.MaxIter)
	case p.Tiles <= 0:
		return nil, paramErrorf("tiles", "must be at least 1 (got %d)", p.Tiles)
	case p.TileSize != Size{} && (p.TileSize.W <= 0 || p.TileSize.H <= 0):
		return nil, paramErrorf("tile-size", "must be positive (got %v)", p.TileSize)
	case p.Tiles > MaxTasks:
		return nil, paramErrorf("tiles", "at most %d (got %d): a task per tile", MaxTasks, p.Tiles)
	}
	if p.Figure != "" {
		ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(p.Figure)), ".")
		if !slices.Contains(figureFormats, ext) {
			return nil, paramErrorf("figure", "cannot tell the format of %q: end it in .%s", p.Figure, strings.Join(figureFormats, ", ."))
		}
	}
	if err := v.Validate(); err != nil {
		return nil, &ParamError{Err: err} // the view's message names the field
	}
	if p.TileSize != (Size{}) {
		// Counted before mandelbrot.Tiles allocates them: 16384×16384
		// pixels in 1×1 tiles would be 2²⁸ tiles.
		nx := (v.Width + p.TileSize.W - 1) / p.TileSize.W
		ny := (v.Height + p.TileSize.H - 1) / p.TileSize.H
		if nx > MaxTasks/ny {
			return nil, paramErrorf("tile-size", "%v tiles of a %d×%d view would be %d tasks, at most %d", p.TileSize, v.Width, v.Height, nx*ny, MaxTasks)
		}
		ts, err := mandelbrot.Tiles(v, p.TileSize.W, p.TileSize.H)
		if err != nil {
			return nil, &ParamError{Flag: "tile-size", Err: err}
		}
		return ts, nil
	}
	ts, err := mandelbrot.Split(v, p.Tiles)
	if err != nil {
		return nil, &ParamError{Flag: "tiles", Err: err}
	}
	return ts, nil
}

// Build lays out the tiled computation ("tile" tasks, each returning its
// own pixels, a "canvas", a "paste" per tile and an "assemble", see
// mandelbrot.Build). Running the job writes Out and Figure. opts go to
// every tile task (with graph.Remote the tiles run on a cluster; the
// pastes always run here).
func (p *Mandelbrot) Build(g *graph.Graph, opts ...graph.Option) (*Job, error) {
	g = orNew(g)
	ts, err := p.tiles()
	if err != nil {
		return nil, err
	}
	d, err := mandelbrot.Build(g, p.View, ts, opts...)
	if err != nil {
		return nil, &ParamError{Err: err}
	}
	q := *p // the job keeps its own copy: later changes to p do not leak in
	return &Job{Pipeline: "mandelbrot", Graph: g, Targets: []graph.Node{d}, run: runTarget(d, func() (func(mandelbrot.Result, *Report) error, func(), error) {
		return q.outputs(len(ts))
	})}, nil
}

// outputs creates the output files and returns the step that fills them in
// and reports, and the cleanup that removes whatever was not committed.
func (p *Mandelbrot) outputs(ntiles int) (func(mandelbrot.Result, *Report) error, func(), error) {
	var out, fig *OutputFile
	cleanup := func() { out.Abort(); fig.Abort() }
	var err error
	if p.Out != "" {
		if out, err = CreateOutput(p.Out); err != nil {
			return nil, cleanup, err
		}
	}
	if p.Figure != "" {
		if fig, err = CreateOutput(p.Figure); err != nil {
			return nil, cleanup, err
		}
	}
	finish := func(res mandelbrot.Result, r *Report) error {
		v := p.View
		tile := fmt.Sprintf("%d tiles", ntiles)
		if p.TileSize != (Size{}) {
			tile += " of at most " + p.TileSize.String()
		}
		iters := res.Image.Iterations()
		r.Lines = append(r.Lines,
			fmt.Sprintf("mandelbrot %d×%d, max-iter %d, centre %s, extent %s, %s",
				v.Width, v.Height, v.MaxIter, complexValue{&v.Center}, complexValue{&v.Extent}, tile),
			fmt.Sprintf("sum of pixel values %d", res.Sum),
			fmt.Sprintf("%d iterations, %.2f ns each (wall time / iterations)",
				iters, float64(r.Elapsed.Nanoseconds())/float64(max(iters, 1))),
		)
		r.Result = map[string]any{"width": v.Width, "height": v.Height, "max_iter": v.MaxIter, "tiles": ntiles, "sum": res.Sum, "iterations": iters}
		if out != nil {
			if err := mandelbrot.WritePNG(out, res.Image); err != nil {
				return fmt.Errorf("cannot write %s: %w", p.Out, err)
			}
			if err := out.Commit(); err != nil {
				return err
			}
			r.Files = append(r.Files, p.Out)
		}
		if fig != nil {
			format := strings.TrimPrefix(strings.ToLower(filepath.Ext(p.Figure)), ".")
			if err := mandelbrot.WriteFigure(fig, v, res.Image, format); err != nil {
				return fmt.Errorf("cannot write %s: %w", p.Figure, err)
			}
			if err := fig.Commit(); err != nil {
				return err
			}
			r.Files = append(r.Files, p.Figure)
		}
		return nil
	}
	return finish, cleanup, nil
}
