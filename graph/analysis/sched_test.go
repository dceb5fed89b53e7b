package analysis_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/graph/analysis"
	"github.com/seed001e6470/taskgraph/sched"
)

// Order claims to be the scheduler's static order; a one-worker run
// follows that order, so its TaskStart events must come in Order's order.
func TestOrderMatchesSerialScheduler(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for trial := range 50 {
		g := randomGraph(r, 2+r.IntN(60))
		targets := analysis.Sinks(g)
		nodes := make([]graph.Node, 0, len(targets))
		for _, id := range targets {
			nodes = append(nodes, node{g, id})
		}
		var started []int
		s := sched.Scheduler{Workers: 1, Hooks: []sched.Hooks{{
			TaskStart: func(ev sched.TaskEvent) { started = append(started, ev.ID) },
		}}}
		if _, err := s.Run(context.Background(), nodes...); err != nil {
			t.Fatal(err)
		}
		if want := analysis.Order(g, targets...); !slices.Equal(started, want) {
			t.Fatalf("trial %d: serial run started %v, Order says %v", trial, started, want)
		}
	}
}

// node names a node of g by ID, for sched.Scheduler.Run.
type node struct {
	g  *graph.Graph
	id int
}

func (n node) Graph() *graph.Graph { return n.g }
func (n node) ID() int             { return n.id }

// Order tells the truth when priorities are set: it is the order a
// one-worker run follows.
func TestOrderWithPriorities(t *testing.T) {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	var ran []int
	rec := func(id *int) func(int) int {
		return func(v int) int { ran = append(ran, *id); return v }
	}
	ids := make([]int, 4)
	var ds []graph.Delayed[int]
	for k := range ids {
		var opts []graph.Option
		if k == 3 {
			opts = append(opts, graph.Priority(5))
		}
		d := graph.Call(&g, "t", rec(&ids[k]), x, opts...)
		ids[k] = d.ID()
		ds = append(ds, d)
	}
	join := graph.CallSlice(&g, "join", func(_ context.Context, vs []int) (int, error) { return len(vs), nil }, ds)
	if _, err := sched.Compute(context.Background(), join, sched.Workers(1)); err != nil {
		t.Fatal(err)
	}
	order := analysis.Order(&g, join.ID())
	if len(order) != 5 || !slices.Equal(order[:4], ran) || ran[0] != ids[3] {
		t.Errorf("Order %v, a one-worker run ran %v (the prioritised task %d first)", order, ran, ids[3])
	}
}
