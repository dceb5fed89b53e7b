package mandelbrot_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/mandelbrot"
)

// A tile of a huge max-iter stops in the middle when its run is
// cancelled: one pixel inside the set would take billions of iterations.
// The bound is generous (the kernel looks every 16,384 rounds): the test
// asserts that the run ends, not how fast.
func TestTileStopsWhenCancelled(t *testing.T) {
	v := mandelbrot.View{Width: 8, Height: 8, MaxIter: mandelbrot.MaxIterLimit, Center: -0.1, Extent: 0.01 + 0.01i}
	tiles, _ := mandelbrot.Split(v, 1)
	var g graph.Graph
	d, err := mandelbrot.Build(&g, v, tiles)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []int{1, 2} {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		done := make(chan error, 1)
		go func() { _, err := sched.Compute(ctx, d, sched.Workers(w)); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%d workers: %v, want the deadline", w, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%d workers: the tile did not stop", w)
		}
		cancel()
	}
}

// Task options reach every tile: a timeout per tile ends a tile of a huge
// max-iter with an error that says so, and a cheap view runs as before.
func TestBuildTaskOptions(t *testing.T) {
	v := mandelbrot.View{Width: 8, Height: 8, MaxIter: mandelbrot.MaxIterLimit, Center: -0.1, Extent: 0.01 + 0.01i}
	tiles, _ := mandelbrot.Split(v, 2)
	var g graph.Graph
	d, err := mandelbrot.Build(&g, v, tiles, graph.Timeout(20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sched.Compute(context.Background(), d); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want the tile's deadline", err)
	}
	want, _ := mandelbrot.Compute(small)
	tiles, _ = mandelbrot.Split(small, 6)
	var g2 graph.Graph
	d, _ = mandelbrot.Build(&g2, small, tiles, graph.Retries(2), graph.Timeout(time.Minute))
	got, err := sched.Compute(context.Background(), d, sched.Workers(2))
	if err != nil || !equalPix(got.Image.Pix, want.Pix) {
		t.Errorf("with options: %v, image differs: %v", err, !equalPix(got.Image.Pix, want.Pix))
	}
}

func equalPix(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
