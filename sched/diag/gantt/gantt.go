package gantt

import (
	"cmp"
	"errors"
	"fmt"
	"image/color"
	"io"
	"slices"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
)

// ErrFormat: a chart was asked for in a format other than png or svg.
var ErrFormat = errors.New("gantt: unknown picture format (want png or svg)")

// Formats are the formats Write draws, by the extension that names them.
var Formats = []string{"png", "svg"}

// Write draws the last run p observed as a Gantt chart, in format "png"
// or "svg" (diag.FormatOf names the format of a path): one row per
// worker, a bar per task coloured by the task's stage (Record.Stage),
// failed tasks outlined, tasks of spawned graphs drawn thinner on top of
// the task that spawned them. Under it, when resources were sampled,
// panels of heap, goroutines and CPU over the same time axis.
func Write(w io.Writer, p *diag.Profiler, format string) error {
	pr, err := p.Profile()
	if err != nil {
		return err
	}
	r := run{profile: pr, records: p.Records(), samples: p.Samples()}
	var cw vg.CanvasWriterTo
	size := r.size()
	switch format {
	case "png":
		cw = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(size.X, size.Y), vgimg.UseDPI(96))}
	case "svg":
		cw = vgsvg.New(size.X, size.Y)
	default:
		return fmt.Errorf("%w: %q", ErrFormat, format)
	}
	r.draw(draw.New(cw))
	_, err = cw.WriteTo(w)
	return err
}

// Output is the chart as an output of a diag.Session, written to path in
// the format its extension names (.png or .svg) once the run is over.
func Output(path string) diag.Output {
	format := diag.FormatOf(path)
	return diag.Output{Path: path, Write: func(w io.Writer, p *diag.Profiler, _ error) error {
		return Write(w, p, format)
	}}
}

// run is what the chart shows of one run.
type run struct {
	profile diag.Profile
	records []diag.Record
	samples []diag.Sample
}

// Picture layout, in points.
const (
	ganttWidth  = 12 * vg.Inch
	rowHeight   = 0.35 * vg.Inch
	panelHeight = 1.3 * vg.Inch
	legendWidth = 2.4 * vg.Inch
	legendMax   = 16 // stages listed; the rest are counted
)

func (an *run) size() vg.Point {
	h := ganttHeight(an.profile.Workers)
	if len(an.samples) > 0 {
		h += 3 * panelHeight
	}
	return vg.Point{X: ganttWidth, Y: h}
}

func ganttHeight(workers int) vg.Length {
	return 1.2*vg.Inch + rowHeight*vg.Length(max(workers, 3))
}

// timeUnit picks the unit of the time axis so that its numbers stay
// short.
func timeUnit(wall time.Duration) (time.Duration, string) {
	switch {
	case wall < time.Millisecond:
		return time.Microsecond, "µs"
	case wall < time.Second:
		return time.Millisecond, "ms"
	}
	return time.Second, "s"
}

func (an *run) draw(c draw.Canvas) {
	pr := an.profile
	unit, unitName := timeUnit(pr.Wall)
	at := func(d time.Duration) float64 { return float64(d) / float64(unit) }
	// The last sample is taken as the run's hooks end, a moment after
	// the wall time was measured.
	xmax := max(at(pr.Wall), 1e-9)
	if n := len(an.samples); n > 0 {
		xmax = max(xmax, at(an.samples[n-1].At))
	}
	names := stageNames(an.records)

	gp := plot.New()
	gp.Title.Text = fmt.Sprintf("%s on %s in %s", plural(pr.Tasks, "task"), plural(pr.Workers, "worker"), short(pr.Wall))
	if pr.Spawned > 0 {
		gp.Title.Text += fmt.Sprintf(" (and %d spawned tasks)", pr.Spawned)
	}
	bars := &ganttBars{rows: max(pr.Workers, 1), colors: make(map[string]color.Color, len(names))}
	for k, n := range names {
		bars.colors[n] = palette[k%len(palette)]
	}
	for _, r := range an.records {
		if r.Ran() && r.Worker >= 0 && r.Worker < bars.rows {
			bars.bars = append(bars.bars, bar{
				row: r.Worker, start: at(r.Start.Sub(pr.Start)), end: at(r.End.Sub(pr.Start)),
				color: bars.colors[r.Stage()], failed: r.State == sched.Failed, spawned: r.Spawned,
			})
		}
	}
	// Row by row, in start order, for merging; spawned tasks after the
	// others, so that they are drawn on top of the task that spawned them.
	slices.SortStableFunc(bars.bars, func(a, b bar) int {
		return cmp.Or(boolInt(a.spawned)-boolInt(b.spawned), a.row-b.row)
	})
	gp.Add(bars)
	ticks := make(plot.ConstantTicks, bars.rows)
	for k := range ticks {
		ticks[k] = plot.Tick{Value: bars.y(k), Label: fmt.Sprintf("worker %d", k)}
	}
	gp.Y.Tick.Marker = ticks
	gp.X.Min, gp.X.Max = 0, xmax
	gp.Y.Min, gp.Y.Max = -0.5, float64(bars.rows)-0.5

	rows := []*plot.Plot{gp}
	heights := []vg.Length{ganttHeight(pr.Workers)}
	if len(an.samples) > 0 {
		heap, gs, cpu := make(plotter.XYs, len(an.samples)), make(plotter.XYs, len(an.samples)), make(plotter.XYs, 0, len(an.samples))
		for k, s := range an.samples {
			x := at(s.At)
			heap[k] = plotter.XY{X: x, Y: mib(s.HeapBytes)}
			gs[k] = plotter.XY{X: x, Y: float64(s.Goroutines)}
			if k > 0 {
				cpu = append(cpu, plotter.XY{X: at(an.samples[k-1].At), Y: cores(an.samples[k-1], s)})
			}
		}
		// A rate holds from one sample to the next: the last one ends
		// where the samples do.
		if n := len(cpu); n > 0 {
			cpu = append(cpu, plotter.XY{X: at(an.samples[len(an.samples)-1].At), Y: cpu[n-1].Y})
		}
		rows = append(rows,
			panel("heap (MiB)", heap, xmax, plotter.NoStep),
			panel("goroutines", gs, xmax, plotter.PostStep),
			panel("cpu (cores)", cpu, xmax, plotter.PostStep))
		heights = append(heights, panelHeight, panelHeight, panelHeight)
	}

	// One time axis label, under the lowest plot.
	gp.X.Label.Text = ""
	rows[len(rows)-1].X.Label.Text = "time (" + unitName + ")"
	main := draw.Crop(c, 0, -legendWidth, 0, 0)
	layOut(main, rows, heights)
	drawLegend(draw.Crop(c, c.Max.X-c.Min.X-legendWidth, 0, 0, -0.5*vg.Inch), names, bars.colors)
}

// panel is a line plot of one resource over the run.
func panel(label string, xys plotter.XYs, xmax float64, step plotter.StepKind) *plot.Plot {
	p := plot.New()
	p.Y.Label.Text = label
	if len(xys) > 0 {
		l, err := plotter.NewLine(xys)
		if err == nil { // only fails on NaN or infinite values
			l.StepStyle = step
			l.Color = color.RGBA{0x4e, 0x79, 0xa7, 0xff}
			l.Width = vg.Points(1.5)
			p.Add(l)
		}
	}
	p.X.Min, p.X.Max = 0, xmax
	p.Y.Min = 0
	if p.Y.Max <= p.Y.Min {
		p.Y.Max = 1
	}
	return p
}

// layOut stacks plots from the top, each of its height, with their data
// areas lined up on the left and right (as plot.Align does for rows of
// equal height), so that one instant is at one x in every panel.
func layOut(c draw.Canvas, rows []*plot.Plot, heights []vg.Length) {
	cs := make([]draw.Canvas, len(rows))
	top := c.Max.Y
	var left, right vg.Length
	for k, p := range rows {
		cs[k] = c
		cs[k].Max.Y, cs[k].Min.Y = top, top-heights[k]
		top -= heights[k]
		d := p.DataCanvas(cs[k])
		left, right = max(left, d.Min.X-cs[k].Min.X), max(right, cs[k].Max.X-d.Max.X)
	}
	for k, p := range rows {
		d := p.DataCanvas(cs[k])
		p.Draw(draw.Crop(cs[k], left-(d.Min.X-cs[k].Min.X), -(right - (cs[k].Max.X - d.Max.X)), 0, 0))
	}
}

func drawLegend(c draw.Canvas, names []string, colors map[string]color.Color) {
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	l.TextStyle.Font.Size = vg.Points(10)
	for k, n := range names {
		if k == legendMax {
			l.Add(fmt.Sprintf("and %d more", len(names)-legendMax))
			break
		}
		label := n
		if r := []rune(n); len(r) > 28 {
			label = string(r[:27]) + "…"
		}
		l.Add(label, swatch{colors[n]})
	}
	l.Draw(c)
}

// stageNames lists the stages of the tasks that ran, sorted: colours are
// handed out in this order, so a stage keeps its colour from run to run.
func stageNames(recs []diag.Record) []string {
	seen := map[string]bool{}
	var names []string
	for _, r := range recs {
		if s := r.Stage(); r.Ran() && !seen[s] {
			seen[s] = true
			names = append(names, s)
		}
	}
	slices.Sort(names)
	return names
}

// palette is Tableau 10: distinct colours that stay apart for the
// colour-blind.
var palette = []color.Color{
	color.RGBA{0x4e, 0x79, 0xa7, 0xff}, color.RGBA{0xf2, 0x8e, 0x2b, 0xff},
	color.RGBA{0xe1, 0x57, 0x59, 0xff}, color.RGBA{0x76, 0xb7, 0xb2, 0xff},
	color.RGBA{0x59, 0xa1, 0x4f, 0xff}, color.RGBA{0xed, 0xc9, 0x48, 0xff},
	color.RGBA{0xb0, 0x7a, 0xa1, 0xff}, color.RGBA{0xff, 0x9d, 0xa7, 0xff},
	color.RGBA{0x9c, 0x75, 0x5f, 0xff}, color.RGBA{0xba, 0xb0, 0xac, 0xff},
}

type swatch struct{ c color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(s.c, c.ClipPolygonY([]vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y},
		{X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y},
	}))
}

// ganttBars is the plotter of the task bars. It draws rectangles itself
// rather than through plotter.BarChart: a run may have a million tasks,
// and neighbouring bars of one colour that are closer than a pixel are
// drawn as one.
type ganttBars struct {
	rows   int
	bars   []bar
	colors map[string]color.Color
}

type bar struct {
	row             int
	start, end      float64
	color           color.Color
	failed, spawned bool
}

// y puts worker 0 at the top.
func (g *ganttBars) y(row int) float64 { return float64(g.rows - 1 - row) }

func (g *ganttBars) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmax = 1e-9
	for _, b := range g.bars {
		xmax = max(xmax, b.end)
	}
	return 0, xmax, -0.5, float64(g.rows) - 0.5
}

func (g *ganttBars) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	const minWidth, join = vg.Length(0.4), vg.Length(0.5) // points
	var cur bar
	var x0, x1 vg.Length
	open := false
	flush := func() {
		if !open {
			return
		}
		half := 0.38
		if cur.spawned {
			half = 0.22
		}
		yc := g.y(cur.row)
		y0, y1 := trY(yc-half), trY(yc+half)
		x1 = max(x1, x0+minWidth)
		pts := []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}}
		c.FillPolygon(cur.color, c.ClipPolygonXY(pts))
		switch {
		case cur.failed:
			c.StrokeLines(draw.LineStyle{Color: color.Black, Width: vg.Points(1.2)},
				c.ClipLinesXY(append(pts, pts[0]))...)
		case cur.spawned:
			// A white edge sets a spawned task apart from its parent,
			// which is often of the same stage and colour.
			c.StrokeLines(draw.LineStyle{Color: color.White, Width: vg.Points(0.5)},
				c.ClipLinesXY(append(pts, pts[0]))...)
		}
		open = false
	}
	for _, b := range g.bars {
		bx0, bx1 := trX(b.start), trX(b.end)
		if open && b.row == cur.row && b.color == cur.color && b.failed == cur.failed &&
			b.spawned == cur.spawned && bx0 >= x0 && bx0-x1 < join {
			x1 = max(x1, bx1)
			continue
		}
		flush()
		cur, x0, x1, open = b, bx0, bx1, true
	}
	flush()
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// short rounds d to three significant digits: 12.3ms, not 12.345678ms.
func short(d time.Duration) string {
	u := time.Duration(1)
	for d >= 1000*u && u < time.Second {
		u *= 10
	}
	return d.Round(u).String()
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// cores is how many cores the process kept busy between two samples.
func cores(a, b diag.Sample) float64 {
	if b.At <= a.At {
		return 0
	}
	return float64(b.CPU-a.CPU) / float64(b.At-a.At)
}
