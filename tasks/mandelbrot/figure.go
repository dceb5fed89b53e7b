package mandelbrot

import (
	"fmt"
	"io"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// FigureSize is the side of the square figure WriteFigure draws, as in the
// workshop's figsize=(5, 5).
const FigureSize = 5 * vg.Inch

// Figure returns a plot of the image m of view v, placed at its place in the
// complex plane with axes labelled Re(c) and Im(c), like the workshop's
// imshow figure. The image may be the whole view or any tile of it.
func Figure(v View, m Image) (*plot.Plot, error) {
	if err := v.Validate(); err != nil {
		return nil, err
	}
	if err := m.check(v.Bounds()); err != nil {
		return nil, err
	}
	p := plot.New()
	p.X.Label.Text = "Re(c)"
	p.Y.Label.Text = "Im(c)"
	lo, hi := v.Region(m.Rect)
	p.Add(plotter.NewImage(Colorize(m), real(lo), imag(lo), real(hi), imag(hi)))
	// Fix the axes to the image so no margin is added around it.
	p.X.Min, p.X.Max = real(lo), real(hi)
	p.Y.Min, p.Y.Max = imag(lo), imag(hi)
	// A deep zoom spans a tiny range around a large value: the default
	// labels would round every tick to the same "-1.12".
	p.X.Tick.Marker = preciseTicks{}
	p.Y.Tick.Marker = preciseTicks{}
	return p, nil
}

// preciseTicks are gonum's default ticks, labelled with as many digits as
// it takes to tell neighbouring ticks apart.
type preciseTicks struct{}

func (preciseTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	step := hi - lo
	for i := 1; i < len(ticks); i++ {
		if d := ticks[i].Value - ticks[i-1].Value; d > 0 && d < step {
			step = d
		}
	}
	digits := 0
	if step > 0 && step < 1 {
		digits = int(math.Ceil(-math.Log10(step))) + 1
	}
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'f', digits, 64)
		}
	}
	return ticks
}

// WriteFigure draws [Figure] as a FigureSize square in the given format
// ("png", "svg", "pdf", "eps", "jpg", "tif") to w.
func WriteFigure(w io.Writer, v View, m Image, format string) error {
	p, err := Figure(v, m)
	if err != nil {
		return err
	}
	wt, err := p.WriterTo(FigureSize, FigureSize, format)
	if err != nil {
		return fmt.Errorf("mandelbrot: figure: %w", err)
	}
	_, err = wt.WriteTo(w)
	return err
}
