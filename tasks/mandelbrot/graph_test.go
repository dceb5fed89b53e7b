package mandelbrot_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"go.uber.org/goleak"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/mandelbrot"
)

// Build's tests run graphs on the scheduler's goroutines: none may outlive
// them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// small is a view cheap enough to compute many times, with pixels inside
// the set and pixels that escape at once.
var small = mandelbrot.View{Width: 37, Height: 23, MaxIter: 300, Center: -0.6 + 0.1i, Extent: 2.4 + 1.5i}

func computeBuilt(t *testing.T, v mandelbrot.View, tiles []mandelbrot.Tile, opts ...sched.Option) (mandelbrot.Result, error) {
	t.Helper()
	var g graph.Graph
	d, err := mandelbrot.Build(&g, v, tiles)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return sched.Compute(context.Background(), d, opts...)
}

// The tiled graph gives the serial kernel's image, pixel for pixel, for
// any tiling and any number of workers.
func TestBuildMatchesCompute(t *testing.T) {
	want, err := mandelbrot.Compute(small)
	if err != nil {
		t.Fatal(err)
	}
	tilings := map[string]func() ([]mandelbrot.Tile, error){
		"one":     func() ([]mandelbrot.Tile, error) { return mandelbrot.Split(small, 1) },
		"split 6": func() ([]mandelbrot.Tile, error) { return mandelbrot.Split(small, 6) },
		"8x5":     func() ([]mandelbrot.Tile, error) { return mandelbrot.Tiles(small, 8, 5) },
		"pixels":  func() ([]mandelbrot.Tile, error) { return mandelbrot.Tiles(small, 1, 1) },
		"irregular": func() ([]mandelbrot.Tile, error) { // not a grid: edges do not line up
			return []mandelbrot.Tile{{X0: 0, Y0: 0, W: 20, H: 10}, {X0: 20, Y0: 0, W: 17, H: 23}, {X0: 0, Y0: 10, W: 20, H: 13}}, nil
		},
		"reversed": func() ([]mandelbrot.Tile, error) {
			ts, err := mandelbrot.Tiles(small, 4, 4)
			slices.Reverse(ts)
			return ts, err
		},
	}
	for name, tiling := range tilings {
		tiles, err := tiling()
		if err != nil {
			t.Fatal(name, err)
		}
		for _, w := range []int{1, 2, 8} {
			got, err := computeBuilt(t, small, tiles, sched.Workers(w))
			if err != nil {
				t.Fatalf("%s, %d workers: %v", name, w, err)
			}
			if got.Image.Rect != want.Rect || !slices.Equal(got.Image.Pix, want.Pix) || got.Sum != want.Sum() {
				t.Fatalf("%s, %d workers: the image differs from Compute's (sum %d, want %d)", name, w, got.Sum, want.Sum())
			}
		}
	}
}

// The default view in the two tilings the benchmarks use sums to the
// workshop's number.
func TestBuildDefaultView(t *testing.T) {
	v := mandelbrot.DefaultView()
	for _, n := range []int{16, 4096} {
		tiles, err := mandelbrot.Split(v, n)
		if err != nil {
			t.Fatal(err)
		}
		got, err := computeBuilt(t, v, tiles)
		if err != nil || got.Sum != 21_169_614 {
			t.Fatalf("%d tiles: sum %d, %v", n, got.Sum, err)
		}
	}
}

// A "canvas", one task per tile, named "tile", each reading the canvas,
// and one "assemble" of the tiles.
func TestBuildLayout(t *testing.T) {
	tiles, _ := mandelbrot.Split(small, 6)
	var g graph.Graph
	d, err := mandelbrot.Build(&g, small, tiles)
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() != 8 || g.Name(0) != "canvas" || d.Name() != "assemble" || len(g.Deps(d.ID())) != 6 {
		t.Fatalf("%d nodes, target %q with %d dependencies", g.Len(), d.Name(), len(g.Deps(d.ID())))
	}
	for _, id := range g.Deps(d.ID()) {
		if deps := g.Deps(int(id)); g.Name(int(id)) != "tile" || len(deps) != 1 || deps[0] != 0 {
			t.Fatalf("dependency %d is %q, reading %v", id, g.Name(int(id)), deps)
		}
	}
}

func TestBuildRejects(t *testing.T) {
	good, _ := mandelbrot.Split(small, 4)
	bad := small
	bad.MaxIter = 0
	cases := []struct {
		name  string
		v     mandelbrot.View
		tiles []mandelbrot.Tile
		want  error
	}{
		{"invalid view", bad, good, mandelbrot.ErrView},
		{"no tiles", small, nil, mandelbrot.ErrTile},
		{"empty tile", small, append(good[:3:3], mandelbrot.Tile{W: 0, H: 4}), mandelbrot.ErrTile},
		{"outside", small, append(good[:3:3], mandelbrot.Tile{X0: 30, Y0: 20, W: 100, H: 100}), mandelbrot.ErrTile},
		{"gap", small, good[:3], mandelbrot.ErrTile},
		{"twice", small, append(good, good[0]), mandelbrot.ErrTile},
		// Right area, but one tile twice and another missing.
		{"overlap hides a gap", small, append(good[:3:3], good[0]), mandelbrot.ErrTile},
		{"shifted overlap", mandelbrot.View{Width: 4, Height: 2, MaxIter: 9, Extent: 3},
			[]mandelbrot.Tile{{X0: 0, Y0: 0, W: 3, H: 2}, {X0: 1, Y0: 0, W: 1, H: 2}}, mandelbrot.ErrTile},
	}
	for _, c := range cases {
		var g graph.Graph
		if _, err := mandelbrot.Build(&g, c.v, c.tiles); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if g.Len() != 0 {
			t.Errorf("%s: a rejected build added %d nodes", c.name, g.Len())
		}
	}
}

func TestBuildCancelled(t *testing.T) {
	tiles, _ := mandelbrot.Tiles(small, 2, 2)
	var g graph.Graph
	d, _ := mandelbrot.Build(&g, small, tiles)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, w := range []int{1, 4} {
		if _, err := sched.Compute(ctx, d, sched.Workers(w)); !errors.Is(err, context.Canceled) {
			t.Fatalf("%d workers: %v", w, err)
		}
	}
}

// The workshop's view in 16 tiles: a "canvas", 16 "tile" tasks and an
// "assemble".
func ExampleBuild() {
	v := mandelbrot.DefaultView()
	tiles, err := mandelbrot.Split(v, 16)
	if err != nil {
		panic(err)
	}
	var g graph.Graph
	img, err := mandelbrot.Build(&g, v, tiles) // nothing is computed yet
	if err != nil {
		panic(err)
	}
	r, err := sched.Compute(context.Background(), img)
	if err != nil {
		panic(err)
	}
	fmt.Println(g.Len(), "tasks;", r.Image.Rect, "sums to", r.Sum)
	// Output:
	// 18 tasks; 0,0+512x512 sums to 21169614
}

// Every run of a built graph paints a new canvas: a result already
// returned is not written to by the next run.
func TestBuildRerunKeepsResults(t *testing.T) {
	tiles, _ := mandelbrot.Split(small, 6)
	var g graph.Graph
	d, err := mandelbrot.Build(&g, small, tiles)
	if err != nil {
		t.Fatal(err)
	}
	first, err := sched.Compute(context.Background(), d, sched.Workers(2))
	if err != nil {
		t.Fatal(err)
	}
	saved := slices.Clone(first.Image.Pix)
	second, err := sched.Compute(context.Background(), d, sched.Workers(2))
	if err != nil {
		t.Fatal(err)
	}
	if &first.Image.Pix[0] == &second.Image.Pix[0] {
		t.Fatal("two runs returned the same canvas")
	}
	if !slices.Equal(first.Image.Pix, saved) || !slices.Equal(second.Image.Pix, saved) {
		t.Fatal("the runs' images differ")
	}
}
