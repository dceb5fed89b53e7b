// The tiled Mandelbrot set: the workshop's final exercise as a task graph.
//
// The view is cut into tiles; each tile is a task running the fast serial
// kernel into pixels of its own, "paste" tasks copy them into one image
// (made by a "canvas" task), and an "assemble" task adds up the tiles'
// sums. The tiles are independent, so
// the workers share them out, and the image is the serial kernel's, pixel
// for pixel (its pixel values sum to 21,169,614 for the workshop's view).
// The picture of that view is mandelbrot.png here.
//
//	go run ./examples/mandelbrot                 # writes mandelbrot.png
//	go run ./examples/mandelbrot -tiles 4096 -out ''
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/mandelbrot"
)

func run(ctx context.Context, w io.Writer, args []string) error {
	v := mandelbrot.DefaultView() // 512×512, max_iter 1024, centre −1.1195+0.2718i
	fs := flag.NewFlagSet("mandelbrot", flag.ContinueOnError)
	fs.SetOutput(w)
	fs.IntVar(&v.Width, "width", v.Width, "image width")
	fs.IntVar(&v.Height, "height", v.Height, "image height")
	fs.IntVar(&v.MaxIter, "max-iter", v.MaxIter, "iterations per pixel")
	tiles := fs.Int("tiles", 256, "number of tiles (tasks)")
	out := fs.String("out", "mandelbrot.png", "PNG to write ('' for none)")
	if err := fs.Parse(args); err != nil {
		return err
	}

	// The serial kernel, for comparison.
	start := time.Now()
	serial, err := mandelbrot.Compute(v)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "serial kernel: sum %d in %v\n", serial.Sum(), time.Since(start).Round(time.Millisecond))

	// The same view as a graph: tile ×N → paste (into the canvas) → assemble.
	ts, err := mandelbrot.Split(v, *tiles)
	if err != nil {
		return err
	}
	var g graph.Graph
	image, err := mandelbrot.Build(&g, v, ts)
	if err != nil {
		return err
	}
	start = time.Now()
	r, err := sched.Compute(ctx, image) // all cores
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d tiles:      sum %d in %v\n", len(ts), r.Sum, time.Since(start).Round(time.Millisecond))

	if *out == "" {
		return nil
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := mandelbrot.WritePNG(f, r.Image); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintln(w, "wrote", *out)
	return nil
}

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "mandelbrot:", err)
		}
		os.Exit(2)
	}
}
