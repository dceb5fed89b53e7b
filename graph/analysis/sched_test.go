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
