package dot_test

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/graph/dot"
)

func write(t *testing.T, g *graph.Graph, o *dot.Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := dot.Write(&b, g, o); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestBadOptions(t *testing.T) {
	g, total, _ := delayedGraph()
	_, otherTotal, _ := delayedGraph()
	cases := []struct {
		name string
		o    dot.Options
		want error
	}{
		{"direction", dot.Options{Direction: "up"}, dot.ErrOptions},
		{"view", dot.Options{View: 7}, dot.ErrOptions},
		{"color", dot.Options{Color: 9}, dot.ErrOptions},
		{"threshold", dot.Options{CollapseAbove: -1}, dot.ErrOptions},
		{"state without stats", dot.Options{Color: dot.ByState}, dot.ErrOptions},
		{"duration without stats", dot.Options{Color: dot.ByDuration}, dot.ErrOptions},
		{"order out of range", dot.Options{Color: dot.ByOrder, Order: []int{0, 99}}, dot.ErrOptions},
		{"foreign target", dot.Options{Targets: []graph.Node{total, otherTotal}}, dot.ErrTarget},
		{"nil target", dot.Options{Targets: []graph.Node{nil}}, dot.ErrTarget},
		{"zero handle", dot.Options{Targets: []graph.Node{graph.Delayed[int]{}}}, dot.ErrTarget},
	}
	for _, c := range cases {
		if _, err := dot.Build(g, &c.o); !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteError(t *testing.T) {
	g, _ := tileGraph(2000) // more than one buffer's worth expanded
	if err := dot.Write(failingWriter{}, g, &dot.Options{View: dot.Expanded}); err == nil || err.Error() != "disk full" {
		t.Fatalf("got %v, want the writer's error", err)
	}
}

func TestAutoThreshold(t *testing.T) {
	chain := func(n int) *graph.Graph {
		g := new(graph.Graph)
		x := graph.Value(g, "x", 0)
		for range n - 1 {
			x = graph.Call(g, "step", inc, x)
		}
		return g
	}
	for _, c := range []struct {
		nodes, limit int
		collapsed    bool
	}{
		{dot.DefaultCollapseAbove, 0, false},
		{dot.DefaultCollapseAbove + 1, 0, true},
		{10, 9, true},
		{10, 10, false},
	} {
		out := write(t, chain(c.nodes), &dot.Options{CollapseAbove: c.limit})
		got := strings.Contains(out, "step ×")
		if got != c.collapsed {
			t.Errorf("%d nodes, limit %d: collapsed %v, want %v", c.nodes, c.limit, got, c.collapsed)
		}
	}
	// Forcing either view overrides the size.
	if out := write(t, chain(3), &dot.Options{View: dot.Collapsed}); !strings.Contains(out, `"step ×2"`) {
		t.Errorf("forced collapse of a small graph:\n%s", out)
	}
	if out := write(t, chain(500), &dot.Options{View: dot.Expanded}); !strings.Contains(out, `"step[498]"`) {
		t.Error("forced expansion of a large graph did not draw every node")
	}
	// Only the exported nodes count towards the limit.
	g, _ := tileGraph(1000)
	small := graph.Call(g, "small", inc, graph.Value(g, "seed", 1))
	if out := write(t, g, &dot.Options{Targets: []graph.Node{small}}); strings.Contains(out, "×") || strings.Contains(out, "tile") {
		t.Errorf("a two-node sub-graph was collapsed or showed other nodes:\n%s", out)
	}
}

// An argument passed twice is one edge in the expanded view; the collapsed
// view counts both, as data moving twice.
func TestRepeatedArgument(t *testing.T) {
	g := new(graph.Graph)
	x := graph.Value(g, "x", 1)
	graph.Call2(g, "add", add, x, x)
	if out := write(t, g, nil); strings.Count(out, "->") != 1 {
		t.Errorf("want one edge:\n%s", out)
	}
	if out := write(t, g, &dot.Options{View: dot.Collapsed}); !strings.Contains(out, `n1->n2[label="×2"]`) {
		t.Errorf("want an edge counting 2:\n%s", out)
	}
}

// A value and a task sharing a name are different stages: collapsing them
// together would give the stage a wrong shape.
func TestStageKeepsKinds(t *testing.T) {
	g := new(graph.Graph)
	x := graph.Value(g, "same", 1)
	graph.Call(g, "same", inc, x)
	out := write(t, g, &dot.Options{View: dot.Collapsed})
	if strings.Count(out, `label="same"`) != 2 {
		t.Errorf("want two stages named same:\n%s", out)
	}
}

// Options.Stage groups nodes some other way than by name: here, tiles by
// row of a 4×4 grid, for both the collapsed view and clusters.
func TestCustomStage(t *testing.T) {
	g, _ := tileGraph(16)
	row := func(id int) string {
		if g.Name(id) != "tile" {
			return g.Name(id)
		}
		return "row " + strconv.Itoa((id-1)/2/4) // tile IDs are 1, 3, 5, …
	}
	out := write(t, g, &dot.Options{View: dot.Collapsed, Stage: row})
	for r := range 4 {
		if !strings.Contains(out, `label="row `+strconv.Itoa(r)+` ×4"`) {
			t.Errorf("no stage for row %d:\n%s", r, out)
		}
	}
	out = write(t, g, &dot.Options{View: dot.Expanded, Clusters: true, Stage: row})
	if n := strings.Count(out, "subgraph cluster_"); n != 5 { // 4 rows and colour
		t.Errorf("want 5 clusters, got %d:\n%s", n, out)
	}
	if !strings.Contains(out, `label="tile[15]"`) {
		t.Error("labels should still come from node names")
	}
}

// A caller-supplied order replaces the computed one.
func TestGivenOrder(t *testing.T) {
	g, _, _ := delayedGraph()
	out := write(t, g, &dot.Options{Color: dot.ByOrder, Order: []int{5, 4, 3, 2}})
	for _, want := range []string{`"unused\norder 1"`, `"add\norder 2"`, `"inc\norder 4"`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s:\n%s", want, out)
		}
	}
}

// Scheduler hooks call Record from many workers at once.
func TestRecorderConcurrent(t *testing.T) {
	var rec dot.Recorder
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 1000 {
				rec.Record(w*1000+i, dot.Stats{State: dot.Done, Duration: time.Duration(i)})
				rec.Stats(i)
			}
		})
	}
	wg.Wait()
	for id := range 8000 {
		if s, ok := rec.Stats(id); !ok || s.Duration != time.Duration(id%1000) {
			t.Fatalf("node %d: %v %v", id, s, ok)
		}
	}
	if _, ok := rec.Stats(8000); ok {
		t.Fatal("stats for a node never recorded")
	}
}

// Unknown states and missing stats are "no data", not an error.
func TestNoData(t *testing.T) {
	g, _, _ := delayedGraph()
	stats := func(id int) (dot.Stats, bool) {
		if id == 2 {
			return dot.Stats{State: "cancelled?"}, true
		}
		return dot.Stats{}, false
	}
	out := write(t, g, &dot.Options{Color: dot.ByState, Stats: stats})
	if !strings.Contains(out, "no data (4)") {
		t.Errorf("want 4 tasks without data in the legend:\n%s", out)
	}
}

// A culled picture numbers the tasks it shows, not those of the whole
// graph: the only "inc" drawn has no index, the two "sum"s are 0 and 1.
func TestCulledLabelsNumberWhatIsDrawn(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	for range 10 {
		graph.Call(&g, "inc", func(v int) int { return v + 1 }, x)
	}
	a := graph.Call(&g, "inc", func(v int) int { return v + 1 }, x)
	s0 := graph.Call(&g, "sum", func(v int) int { return v }, a)
	s1 := graph.Call(&g, "sum", func(v int) int { return v }, s0)
	var buf strings.Builder
	if err := dot.Write(&buf, &g, &dot.Options{Targets: []graph.Node{s1}}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, `label="inc"`) || !strings.Contains(out, `label="sum[0]"`) || strings.Contains(out, "inc[10]") {
		t.Errorf("labels of a culled picture:\n%s", out)
	}
}
