package graph_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

func inc(x int) int    { return x + 1 }
func add(x, y int) int { return x + y }
func sum(_ context.Context, xs []int) (int, error) {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s, nil
}

func TestZeroGraph(t *testing.T) {
	var g graph.Graph
	if g.Len() != 0 || g.Err() != nil {
		t.Fatalf("zero Graph: Len %d, Err %v", g.Len(), g.Err())
	}
}

// Every constructor adds one node, with the next ID, its name, its kind
// and its arguments in order (repeats included).
func TestNodesRecordWhatWasBuilt(t *testing.T) {
	var g graph.Graph
	ctx1 := func(_ context.Context, a int) (int, error) { return a, nil }
	ctx2 := func(_ context.Context, a, b int) (int, error) { return a + b, nil }
	ctx3 := func(_ context.Context, a, b, c int) (int, error) { return a + b + c, nil }
	x := graph.Value(&g, "x", 1)
	s := graph.Source(&g, "s", func(context.Context) (int, error) { return 2, nil })
	c1 := graph.Call(&g, "c1", inc, x)
	cc1 := graph.CallCtx(&g, "cc1", ctx1, s)
	c2 := graph.Call2(&g, "c2", add, c1, c1)
	cc2 := graph.CallCtx2(&g, "cc2", ctx2, cc1, x)
	c3 := graph.Call3(&g, "c3", func(a, b, c int) int { return a + b + c }, c2, x, cc2)
	cc3 := graph.CallCtx3(&g, "cc3", ctx3, x, x, s)
	sl := graph.CallSlice(&g, "sl", sum, []graph.Delayed[int]{c3, cc3, c3})
	ga := graph.Gather(&g, "ga", []graph.Delayed[int]{x, sl})
	empty := graph.CallSlice(&g, "empty", sum, nil)

	type want struct {
		n    graph.Node
		name string
		kind graph.Kind
		deps []int32
	}
	id := func(n graph.Node) int32 { return int32(n.ID()) }
	wants := []want{
		{x, "x", graph.KindValue, nil},
		{s, "s", graph.KindTask, nil},
		{c1, "c1", graph.KindTask, []int32{id(x)}},
		{cc1, "cc1", graph.KindTask, []int32{id(s)}},
		{c2, "c2", graph.KindTask, []int32{id(c1), id(c1)}},
		{cc2, "cc2", graph.KindTask, []int32{id(cc1), id(x)}},
		{c3, "c3", graph.KindTask, []int32{id(c2), id(x), id(cc2)}},
		{cc3, "cc3", graph.KindTask, []int32{id(x), id(x), id(s)}},
		{sl, "sl", graph.KindTask, []int32{id(c3), id(cc3), id(c3)}},
		{ga, "ga", graph.KindTask, []int32{id(x), id(sl)}},
		{empty, "empty", graph.KindTask, nil},
	}
	if g.Err() != nil || g.Len() != len(wants) {
		t.Fatalf("Len %d, Err %v", g.Len(), g.Err())
	}
	for i, w := range wants {
		if w.n.ID() != i || w.n.Graph() != &g {
			t.Errorf("node %q: ID %d, want %d (creation order)", w.name, w.n.ID(), i)
		}
		if g.Name(i) != w.name || g.Kind(i) != w.kind || !slices.Equal(g.Deps(i), w.deps) {
			t.Errorf("node %d: %q %v %v, want %q %v %v", i, g.Name(i), g.Kind(i), g.Deps(i), w.name, w.kind, w.deps)
		}
		if _, ok := graph.ExecutableOf(&g).Options(i); ok {
			t.Errorf("node %d has options it was not given", i)
		}
	}
	if c2.Name() != "c2" || c2.String() != "Delayed(c2#4)" || g.Key(c2.ID()) != "c2#4" {
		t.Errorf("Name %q, String %q, Key %q", c2.Name(), c2.String(), g.Key(c2.ID()))
	}
	if graph.KindValue.String() != "value" || graph.KindTask.String() != "task" {
		t.Error("Kind.String")
	}
	if v := *graph.ExecutableOf(&g).Task(x.ID()).Result().(*int); v != 1 {
		t.Errorf("a Value stores its constant: %d", v)
	}

	// And it computes what was built.
	v, err := sched.Compute(context.Background(), ga)
	if err != nil || !slices.Equal(v, []int{1, 20}) {
		t.Errorf("Gather = %v, %v; want [1 20]", v, err)
	}
}

// Nodes sharing a name form a stage; names are kept even when many
// different ones interleave.
func TestNamesInterleaved(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 0)
	names := []string{"load", "parse", "tile", "sum", "save", "tile", "load", "a", "b", "c", "d", "e", "load"}
	var ids []int
	for _, n := range names {
		ids = append(ids, graph.Call(&g, n, inc, x).ID())
	}
	for k, id := range ids {
		if g.Name(id) != names[k] {
			t.Errorf("node %d named %q, want %q", id, g.Name(id), names[k])
		}
	}
}

func TestOptionsAreRecorded(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 0)
	incCtx := func(_ context.Context, v int) (int, error) { return v + 1, nil }
	y := graph.CallCtx(&g, "y", incCtx, x, graph.Priority(3), graph.Retries(2), graph.Timeout(time.Second),
		graph.Uses("disk", 1), graph.Uses("net", 2), graph.Remote(), nil)
	z := graph.Call(&g, "z", inc, x, graph.Retries(-5))
	xg := graph.ExecutableOf(&g)
	o, ok := xg.Options(y.ID())
	if !ok || o.Priority != 3 || o.Retries != 2 || o.Timeout != time.Second || !o.Remote ||
		!slices.Equal(o.Resources, []graph.Resource{{"disk", 1}, {"net", 2}}) {
		t.Errorf("options %+v", o)
	}
	// What the door hands out is a copy: changing it changes nothing.
	o.Priority, o.Resources[0].Amount = 99, 99
	if o2, _ := xg.Options(y.ID()); o2.Priority != 3 || o2.Resources[0].Amount != 1 {
		t.Errorf("options changed through a copy: %+v", o2)
	}
	if o, ok := xg.Options(z.ID()); !ok || o.Retries != 0 {
		t.Errorf("Retries(-5) gives %+v, want 0 retries", o)
	}
	if g.Err() != nil {
		t.Fatal(g.Err())
	}
}

// Building mistakes never panic; the graph keeps the first one, and the
// handle a failed constructor returns is invalid but safe to use.
func TestBuildingMistakes(t *testing.T) {
	var other graph.Graph
	foreign := graph.Value(&other, "foreign", 1)
	var zero graph.Delayed[int]
	cases := map[string]struct {
		build func(g *graph.Graph, x graph.Delayed[int]) graph.Node
		want  error
	}{
		"Source nil":  {func(g *graph.Graph, x graph.Delayed[int]) graph.Node { return graph.Source[int](g, "f", nil) }, graph.ErrNilFunc},
		"Call nil":    {func(g *graph.Graph, x graph.Delayed[int]) graph.Node { return graph.Call[int, int](g, "f", nil, x) }, graph.ErrNilFunc},
		"CallCtx nil": {func(g *graph.Graph, x graph.Delayed[int]) graph.Node { return graph.CallCtx[int, int](g, "f", nil, x) }, graph.ErrNilFunc},
		"Call2 nil": {func(g *graph.Graph, x graph.Delayed[int]) graph.Node {
			return graph.Call2[int, int, int](g, "f", nil, x, x)
		}, graph.ErrNilFunc},
		"CallCtx2 nil": {func(g *graph.Graph, x graph.Delayed[int]) graph.Node {
			return graph.CallCtx2[int, int, int](g, "f", nil, x, x)
		}, graph.ErrNilFunc},
		"Call3 nil": {func(g *graph.Graph, x graph.Delayed[int]) graph.Node {
			return graph.Call3[int, int, int, int](g, "f", nil, x, x, x)
		}, graph.ErrNilFunc},
		"CallCtx3 nil": {func(g *graph.Graph, x graph.Delayed[int]) graph.Node {
			return graph.CallCtx3[int, int, int, int](g, "f", nil, x, x, x)
		}, graph.ErrNilFunc},
		"CallSlice nil": {func(g *graph.Graph, x graph.Delayed[int]) graph.Node {
			return graph.CallSlice[int, int](g, "f", nil, nil)
		}, graph.ErrNilFunc},
		"Call zero":  {func(g *graph.Graph, x graph.Delayed[int]) graph.Node { return graph.Call(g, "f", inc, zero) }, graph.ErrZeroHandle},
		"Call2 zero": {func(g *graph.Graph, x graph.Delayed[int]) graph.Node { return graph.Call2(g, "f", add, x, zero) }, graph.ErrZeroHandle},
		"Call3 zero": {func(g *graph.Graph, x graph.Delayed[int]) graph.Node { return graph.Call3(g, "f", add3, x, x, zero) }, graph.ErrZeroHandle},
		"CallSlice zero": {func(g *graph.Graph, x graph.Delayed[int]) graph.Node {
			return graph.CallSlice(g, "f", sum, []graph.Delayed[int]{x, zero})
		}, graph.ErrZeroHandle},
		"Gather foreign": {func(g *graph.Graph, x graph.Delayed[int]) graph.Node {
			return graph.Gather(g, "f", []graph.Delayed[int]{x, foreign})
		}, graph.ErrForeignHandle},
		"Call foreign": {func(g *graph.Graph, x graph.Delayed[int]) graph.Node { return graph.Call(g, "f", inc, foreign) }, graph.ErrForeignHandle},
		"CallCtx2 foreign": {func(g *graph.Graph, x graph.Delayed[int]) graph.Node {
			return graph.CallCtx2(g, "f", func(context.Context, int, int) (int, error) { return 0, nil }, foreign, x)
		}, graph.ErrForeignHandle},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			var g graph.Graph
			x := graph.Value(&g, "x", 1)
			n := c.build(&g, x)
			if !errors.Is(g.Err(), c.want) {
				t.Fatalf("Err() = %v, want %v", g.Err(), c.want)
			}
			if !strings.Contains(g.Err().Error(), `"f"`) {
				t.Errorf("the error %q does not name the task", g.Err())
			}
			if n.ID() >= 0 {
				t.Errorf("the failed node has ID %d; want a negative one", n.ID())
			}
			first := g.Err()
			// Using the broken handle, or making another mistake, keeps the first error.
			if d, ok := n.(graph.Delayed[int]); ok {
				if d.Name() != "" || d.String() != "Delayed(invalid)" {
					t.Errorf("broken handle: Name %q, String %q", d.Name(), d.String())
				}
				graph.Call(&g, "g", inc, d)
			}
			graph.Call[int, int](&g, "h", nil, x)
			if g.Err() != first {
				t.Errorf("Err() changed from %v to %v", first, g.Err())
			}
		})
	}
}

func add3(a, b, c int) int { return a + b + c }

// A handle whose own construction failed, used in another graph, is a
// building mistake like any foreign handle: no panic.
func TestForeignBrokenHandleDoesNotPanic(t *testing.T) {
	var g, h graph.Graph
	broken := graph.Call[int, int](&h, "broken", nil, graph.Value(&h, "x", 1))
	defer func() {
		if v := recover(); v != nil {
			t.Fatalf("building panicked: %v", v)
		}
	}()
	graph.Call(&g, "use", inc, broken)
	if !errors.Is(g.Err(), graph.ErrForeignHandle) {
		t.Errorf("Err() = %v, want ErrForeignHandle", g.Err())
	}
}

// Two identical Pure calls are one node, which runs once; anything that
// differs (argument, name, function, constant) makes another node.
func TestPureCollapsesIdenticalCalls(t *testing.T) {
	var g graph.Graph
	var runs atomic.Int32
	square := func(x int) int { runs.Add(1); return x * x }
	three := graph.Value(&g, "n", 3, graph.Pure())
	again := graph.Value(&g, "n", 3, graph.Pure())
	four := graph.Value(&g, "n", 4, graph.Pure())
	a := graph.Call(&g, "square", square, three, graph.Pure())
	b := graph.Call(&g, "square", square, again, graph.Pure())
	c := graph.Call(&g, "square", square, four, graph.Pure())
	d := graph.Call(&g, "square2", square, three, graph.Pure())
	e := graph.Call(&g, "square", func(x int) int { return x * x }, three, graph.Pure())
	f := graph.Call(&g, "square", square, three) // not pure: a node of its own
	// Pure on Pure: the collapse carries up the graph.
	sa := graph.Call2(&g, "sum", add, a, c, graph.Pure())
	sb := graph.Call2(&g, "sum", add, b, c, graph.Pure())
	swapped := graph.Call2(&g, "sum", add, c, a, graph.Pure())

	if three.ID() != again.ID() || a.ID() != b.ID() || sa.ID() != sb.ID() {
		t.Errorf("identical Pure nodes not shared: values %d %d, calls %d %d, sums %d %d",
			three.ID(), again.ID(), a.ID(), b.ID(), sa.ID(), sb.ID())
	}
	distinct := []graph.Node{three, four, a, c, d, e, f, sa, swapped}
	for i := range distinct {
		for j := range i {
			if distinct[i].ID() == distinct[j].ID() {
				t.Errorf("nodes %d and %d should differ but share ID %d", j, i, distinct[i].ID())
			}
		}
	}
	if g.Err() != nil {
		t.Fatal(g.Err())
	}
	vs, err := sched.ComputeAll(context.Background(), []graph.Delayed[int]{a, b, sa, sb})
	if err != nil || !slices.Equal(vs, []int{9, 9, 25, 25}) {
		t.Fatalf("%v, %v", vs, err)
	}
	if runs.Load() != 2 { // square(3) and square(4), once each
		t.Errorf("square ran %d times, want 2", runs.Load())
	}
}

// A content key depends on what is computed, not on when or in which
// graph: building the same thing twice gives the same keys.
func TestPureKeysAreStable(t *testing.T) {
	build := func(extra bool) (*graph.Graph, []graph.Node) {
		g := new(graph.Graph)
		if extra { // other nodes first shift the IDs, not the keys
			graph.Call(g, "noise", inc, graph.Value(g, "z", 9))
		}
		x := graph.Value(g, "x", 2, graph.Pure())
		y := graph.Call(g, "inc", inc, x, graph.Pure())
		z := graph.Call2(g, "add", add, x, y, graph.Pure())
		return g, []graph.Node{x, y, z}
	}
	g1, n1 := build(false)
	g2, n2 := build(true)
	for k := range n1 {
		k1, k2 := g1.Key(n1[k].ID()), g2.Key(n2[k].ID())
		if k1 != k2 {
			t.Errorf("node %d: keys %q and %q", k, k1, k2)
		}
		if name := g1.Name(n1[k].ID()); !strings.HasPrefix(k1, name+"-") {
			t.Errorf("key %q does not start with the name %q", k1, name)
		}
	}
	if n1[0].ID() == n2[0].ID() {
		t.Fatal("the test meant the IDs to differ")
	}
}

// A Pure Value's key includes its type: 1 and int64(1) print alike but are
// different nodes.
func TestPureValueKeyIncludesType(t *testing.T) {
	var g graph.Graph
	a := graph.Value(&g, "v", 1, graph.Pure())
	b := graph.Value(&g, "v", int64(1), graph.Pure())
	if g.Err() != nil || a.ID() == b.ID() {
		t.Fatalf("Values of different types clash: IDs %d %d, %v", a.ID(), b.ID(), g.Err())
	}
}

// width is generic: width[int8] and width[int64] are different functions
// (they give different results), but runtime.FuncForPC names both
// "graph_test.width[...]". Pure must not merge them.
func width[T any](x int) int {
	var z T
	return x * int(unsafe.Sizeof(z))
}

func TestPureGenericInstantiationsDiffer(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	a := graph.Call(&g, "width", width[int8], x, graph.Pure())
	b := graph.Call(&g, "width", width[int64], x, graph.Pure())
	vs, err := sched.ComputeAll(context.Background(), []graph.Delayed[int]{a, b})
	if err != nil || !slices.Equal(vs, []int{1, 8}) {
		t.Errorf("width[int8], width[int64] = %v, %v; want [1 8] (node IDs %d and %d, keys %q and %q)",
			vs, err, a.ID(), b.ID(), g.Key(a.ID()), g.Key(b.ID()))
	}
}

// Graphs grow after they have been computed; old handles stay valid.
func TestGrowAfterCompute(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	y := graph.Call(&g, "y", inc, x)
	for i := range 3 {
		v, err := sched.Compute(context.Background(), y)
		if v != 2+i || err != nil {
			t.Fatalf("round %d: %d, %v", i, v, err)
		}
		y = graph.Call(&g, "y", inc, y)
	}
}
