package mandelbrot

import (
	"fmt"
	"io"

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
	return p, nil
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
