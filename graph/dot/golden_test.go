package dot_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/graph/dot"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

type goldenCase struct {
	name string
	g    *graph.Graph
	o    *dot.Options
}

func goldenCases() []goldenCase {
	dg, total, dbl := delayedGraph()
	tg, _ := treeGraph(8, 4)
	tiles, _ := tileGraph(64)
	run := fakeRun(tg, 11, 99)  // part[1]'s inc fails
	stop := fakeRun(tg, -1, 12) // the run was cancelled at inc[6]
	odd := new(graph.Graph)
	v := graph.Value(odd, `say "hi"`, 1)
	w := graph.Call(odd, `back\slash <&>`, inc, v)
	graph.Call(odd, "two\nlines ×π", inc, w)
	return []goldenCase{
		{"delayed", dg, nil},
		{"delayed_lr_order", dg, &dot.Options{Direction: dot.LeftToRight, Color: dot.ByOrder}},
		{"delayed_targets", dg, &dot.Options{Targets: []graph.Node{total}, Title: "what add needs"}},
		{"delayed_target_double", dg, &dot.Options{Targets: []graph.Node{dbl}}},
		{"tree_clusters", tg, &dot.Options{Clusters: true, Direction: dot.BottomToTop}},
		{"tree_collapsed", tg, &dot.Options{View: dot.Collapsed}},
		{"tree_state", tg, &dot.Options{Color: dot.ByState, Stats: run.Stats}},
		{"tree_state_collapsed", tg, &dot.Options{View: dot.Collapsed, Color: dot.ByState, Stats: run.Stats}},
		{"tree_notrun_collapsed", tg, &dot.Options{View: dot.Collapsed, Color: dot.ByState, Stats: stop.Stats}},
		{"tree_duration", tg, &dot.Options{Color: dot.ByDuration, Stats: run.Stats}},
		{"tree_duration_collapsed", tg, &dot.Options{View: dot.Collapsed, Color: dot.ByDuration, Stats: run.Stats}},
		{"tiles_auto_order", tiles, &dot.Options{CollapseAbove: 100, Color: dot.ByOrder, Direction: dot.LeftToRight}},
		{"odd_names", odd, &dot.Options{Color: dot.ByOrder}},
	}
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases() {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := dot.Write(&b, c.g, c.o); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", c.name+".golden")
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("output differs from %s (go test -update rewrites it):\n%s", path, b.Bytes())
			}
		})
	}
}

// Writing twice, from graphs built twice, gives the same bytes: nothing
// depends on map order or addresses.
func TestDeterministic(t *testing.T) {
	first := goldenCases()
	for range 5 {
		for i, c := range goldenCases() {
			var a, b bytes.Buffer
			if err := dot.Write(&a, first[i].g, first[i].o); err != nil {
				t.Fatal(err)
			}
			if err := dot.Write(&b, c.g, c.o); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatalf("%s: two writes differ", c.name)
			}
		}
	}
}
