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

// One "tile" per tile reading only the "view" constant, a "canvas", one
// "paste" per tile reading the canvas and its own tile, and one
// "assemble" of the pastes; past 256 tiles, a paste takes a run of
// consecutive tiles, and there are at most 256 of them.
func TestBuildLayout(t *testing.T) {
	six, _ := mandelbrot.Split(small, 6)
	pixels, _ := mandelbrot.Tiles(small, 1, 1) // 851 tiles: pastes of 4
	pairs, _ := mandelbrot.Tiles(small, 2, 1)  // 437 tiles: pastes of 2
	for _, tiles := range [][]mandelbrot.Tile{six, pixels, pairs} {
		var g graph.Graph
		d, err := mandelbrot.Build(&g, small, tiles)
		if err != nil {
			t.Fatal(err)
		}
		per := (len(tiles) + 255) / 256
		pastes := (len(tiles) + per - 1) / per
		if d.Name() != "assemble" || len(g.Deps(d.ID())) != pastes || pastes > 256 {
			t.Fatalf("%d tiles: target %q with %d dependencies, want %d pastes", len(tiles), d.Name(), len(g.Deps(d.ID())), pastes)
		}
		if want := 1 + len(tiles) + 1 + pastes + 1; g.Len() != want { // view, tiles, canvas, pastes, assemble
			t.Fatalf("%d tiles: %d nodes, want %d", len(tiles), g.Len(), want)
		}
		pasted := map[int32]int{}
		for _, id := range g.Deps(d.ID()) {
			deps := g.Deps(int(id))
			if g.Name(int(id)) != "paste" || len(deps) < 2 || len(deps) > per+1 || g.Name(int(deps[0])) != "canvas" {
				t.Fatalf("dependency %d is %q, reading %v", id, g.Name(int(id)), deps)
			}
			for _, tile := range deps[1:] {
				pasted[tile]++
				td := g.Deps(int(tile))
				if g.Name(int(tile)) != "tile" || len(td) != 1 || g.Kind(int(td[0])) != graph.KindValue || g.Name(int(td[0])) != "view" {
					t.Fatalf("paste %d reads %q, which reads %v; want a tile reading only the view", id, g.Name(int(tile)), td)
				}
			}
		}
		if len(pasted) != len(tiles) {
			t.Fatalf("%d of %d tiles pasted", len(pasted), len(tiles))
		}
		for tile, n := range pasted {
			if n != 1 {
				t.Fatalf("tile %d pasted %d times", tile, n)
			}
		}
	}
}

// A paste task refuses a part that is not its tile's (what a broken or
// foreign worker could send), rather than writing it elsewhere.
func TestPasteRefusesAForeignPart(t *testing.T) {
	tiles, _ := mandelbrot.Split(small, 2)
	var g graph.Graph
	d, err := mandelbrot.Build(&g, small, tiles)
	if err != nil {
		t.Fatal(err)
	}
	x := graph.ExecutableOf(&g)
	part, _ := mandelbrot.ComputeTile(small, tiles[1])
	// The assemble's arguments are the pastes of tiles 0 and 1, in order;
	// each is given tile 1's part.
	for k, id := range g.Deps(d.ID()) {
		copies := x.Copy(append(slices.Clone(g.Deps(int(id))), id))
		*copies[0].Result().(*mandelbrot.Part) = mandelbrot.Part{Image: mandelbrot.NewImage(small.Bounds())}
		*copies[1].Result().(*mandelbrot.Part) = mandelbrot.Part{Image: part, Sum: part.Sum()}
		err := copies[2].Run(context.Background())
		if k == 0 && !errors.Is(err, mandelbrot.ErrTile) {
			t.Errorf("the paste of tile 0, given tile 1's part: %v, want ErrTile", err)
		}
		if k == 1 && err != nil {
			t.Errorf("the paste of tile 1, given its own part: %v", err)
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

// The workshop's view in 16 tiles: the "view" constant, 16 "tile" tasks,
// a "canvas", 16 "paste" tasks and an "assemble".
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
	fmt.Println(g.Len(), "nodes;", r.Image.Rect, "sums to", r.Sum)
	// Output:
	// 35 nodes; 0,0+512x512 sums to 21169614
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

// Build's options go to the tiles alone: with graph.Remote the tiles may
// run in another process, while the canvas, the pastes and the assemble,
// which share the image, stay in the run's.
func TestBuildRemoteTiles(t *testing.T) {
	tiles, _ := mandelbrot.Split(small, 6)
	var g graph.Graph
	if _, err := mandelbrot.Build(&g, small, tiles, graph.Remote()); err != nil {
		t.Fatal(err)
	}
	x := graph.ExecutableOf(&g)
	for id := range g.Len() {
		o, _ := x.Options(id)
		if o.Remote != (g.Name(id) == "tile") {
			t.Errorf("%s#%d: Remote %v", g.Name(id), id, o.Remote)
		}
	}
}
