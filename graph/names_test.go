package graph_test

import (
	"context"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
)

func triple(x int) int { return 3 * x }

func same[T any](x T) T { return x }

type scaler struct{ k int }

func (s *scaler) scale(x int) int { return s.k * x }

func TestEmptyNameIsTheFunctions(t *testing.T) {
	var g graph.Graph
	one := graph.Value(&g, "", 1)
	s := &scaler{k: 3}
	got := map[string]int{
		"value":                             one.ID(),
		"triple":                            graph.Call(&g, "", triple, one).ID(),
		"same":                              graph.Call(&g, "", same[int], one).ID(),
		"scaler.scale":                      graph.Call(&g, "", s.scale, one).ID(),
		"TestEmptyNameIsTheFunctions.func1": graph.Call(&g, "", func(x int) int { return x + 1 }, one).ID(),
		"gather":                            graph.Gather(&g, "", []graph.Delayed[int]{one}).ID(),
		"named":                             graph.Call(&g, "named", triple, one).ID(),
	}
	fan := graph.CallN(&g, "", 3, func(_ context.Context, k, a int) (int, error) { return k + a, nil }, one)
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	for want, id := range got {
		if name := g.Name(id); name != want {
			t.Errorf("node %d is named %q, want %q", id, name, want)
		}
	}
	for _, d := range fan {
		if d.Name() != "TestEmptyNameIsTheFunctions.func2" {
			t.Errorf("fan-out task named %q", d.Name())
		}
	}
}

func TestEmptyNameOfNilFunction(t *testing.T) {
	var g graph.Graph
	one := graph.Value(&g, "x", 1)
	graph.Call[int, int](&g, "", nil, one)
	if g.Err() == nil {
		t.Fatal("a nil function was accepted")
	}
}

// Building unnamed tasks against named ones: the name of a run of tasks
// of one function is looked up once.
//
//	go test ./graph -run '^$' -bench BuildNamed -count 5
func BenchmarkBuildNamed(b *testing.B) {
	const n = 100_000
	for _, name := range []string{"named", ""} {
		b.Run("name="+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var g graph.Graph
				x := graph.Value(&g, "x", 1)
				for range n {
					x = graph.Call(&g, name, triple, x)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/task")
		})
	}
}
