package graph_test

import (
	"context"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
)

// Copies of a chain's tasks read their arguments from the copies made
// before them, however many are copied (a few are found by looking
// through them, many through an index), and leave the graph's own cells
// alone.
func TestCopyChain(t *testing.T) {
	for _, n := range []int{1, 3, 16, 17, 40} {
		g := &graph.Graph{}
		x := graph.Value(g, "x", 0)
		ids := []int32{}
		for range n {
			x = graph.Call(g, "inc", inc, x)
			ids = append(ids, int32(x.ID()))
		}
		ex := graph.ExecutableOf(g)
		copies := ex.Copy(ids)
		for _, c := range copies {
			if err := c.Run(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if got := *copies[n-1].Result().(*int); got != n {
			t.Errorf("%d copies: the last holds %d, want %d", n, got, n)
		}
		if got := *ex.Task(x.ID()).Result().(*int); got != 0 {
			t.Errorf("%d copies: the graph's own last task holds %d, want 0", n, got)
		}
	}
}
