package analysis_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	dgraph "github.com/dominikbraun/graph"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/graph/analysis"
)

// randomGraph builds a DAG of n nodes: a few Value leaves, then tasks
// reading up to four earlier nodes (repeats allowed, as Call2(f, a, a)).
func randomGraph(r *rand.Rand, n int) *graph.Graph {
	g := new(graph.Graph)
	var hs []graph.Delayed[int]
	for i := range n {
		if i < 2 || r.IntN(5) == 0 {
			hs = append(hs, graph.Value(g, "v", i))
			continue
		}
		k := r.IntN(5)
		args := make([]graph.Delayed[int], k)
		for j := range args {
			args[j] = hs[r.IntN(len(hs))]
		}
		hs = append(hs, graph.CallSlice(g, "t", sumCtx, args))
	}
	return g
}

func sumCtx(ctx context.Context, xs []int) (int, error) { return sum(ctx, xs) }

// refOrder is the static order written the obvious way: recursion.
func refOrder(g *graph.Graph, targets []int) []int {
	seen := make([]bool, g.Len())
	var out []int
	var visit func(int)
	visit = func(id int) {
		if seen[id] || g.Kind(id) == graph.KindValue {
			return
		}
		seen[id] = true
		for _, d := range g.Deps(id) {
			visit(int(d))
		}
		out = append(out, id)
	}
	for _, t := range targets {
		visit(t)
	}
	return out
}

func refNeeded(g *graph.Graph, targets []int) []bool {
	need := make([]bool, g.Len())
	var visit func(int)
	visit = func(id int) {
		if need[id] {
			return
		}
		need[id] = true
		for _, d := range g.Deps(id) {
			visit(int(d))
		}
	}
	for _, t := range targets {
		visit(t)
	}
	return need
}

func TestAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 300 {
		n := 1 + r.IntN(60)
		g := randomGraph(r, n)
		targets := make([]int, r.IntN(4))
		for i := range targets {
			targets[i] = r.IntN(n)
		}
		if got, want := analysis.Needed(g, targets...), refNeeded(g, targets); !slices.Equal(got, want) {
			t.Fatalf("trial %d: Needed(%v) = %v, want %v", trial, targets, got, want)
		}
		ts := targets
		if len(ts) == 0 {
			ts = analysis.Sinks(g)
		}
		got, want := analysis.Order(g, targets...), refOrder(g, ts)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: Order(%v) = %v, want %v", trial, targets, got, want)
		}
		pos := make(map[int]int)
		for i, id := range got {
			pos[id] = i
		}
		for _, id := range got {
			for _, d := range g.Deps(id) {
				if p, ok := pos[int(d)]; ok && p >= pos[id] {
					t.Fatalf("trial %d: order not topological at %d", trial, id)
				}
			}
		}
	}
}

func TestSinksEveryNodeReachable(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 100 {
		g := randomGraph(r, 1+r.IntN(40))
		for id, n := range analysis.Needed(g, analysis.Sinks(g)...) {
			if !n {
				t.Fatalf("node %d not below any sink", id)
			}
		}
	}
}

// A chain far deeper than a recursive walk would like.
func TestDeepChain(t *testing.T) {
	g := new(graph.Graph)
	x := graph.Value(g, "x", 0)
	for range 200_000 {
		x = graph.Call(g, "inc", inc, x)
	}
	if n := len(analysis.Order(g, x.ID())); n != 200_000 {
		t.Fatalf("order has %d tasks", n)
	}
}

func TestAdaptMatchesGraph(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 50 {
		g := randomGraph(r, 1+r.IntN(50))
		a, err := analysis.Adapt(g)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := a.Order(); n != g.Len() {
			t.Fatalf("%d vertices for %d nodes", n, g.Len())
		}
		want := 0
		for id := range g.Len() {
			deps := slices.Clone(g.Deps(id))
			slices.Sort(deps)
			deps = slices.Compact(deps)
			want += len(deps)
			for _, d := range deps {
				if _, err := a.Edge(int(d), id); err != nil {
					t.Fatalf("edge %d→%d: %v", d, id, err)
				}
			}
			v, props, err := a.VertexWithProperties(id)
			if err != nil || v.Name != g.Name(id) || v.Kind != g.Kind(id) || props.Attributes["label"] != v.Name {
				t.Fatalf("vertex %d: %+v %+v %v", id, v, props, err)
			}
		}
		if m, _ := a.Size(); m != want {
			t.Fatalf("%d edges, want %d", m, want)
		}
		// The library's own topological sort agrees the copy is acyclic.
		if _, err := dgraph.TopologicalSort(a); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAdaptTargets(t *testing.T) {
	g, c := diamond()
	a, err := analysis.Adapt(g, c.ID())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Vertex(4); err == nil {
		t.Fatal("d was copied although c does not need it")
	}
}

func BenchmarkOrder(b *testing.B) {
	g := randomGraph(rand.New(rand.NewPCG(7, 8)), 100_000)
	b.ReportAllocs()
	for b.Loop() {
		analysis.Order(g)
	}
}
