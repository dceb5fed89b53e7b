// A custom workflow that mixes delayed tasks and a bag.
//
// The question: how much does a Monte-Carlo estimate of π vary from one
// seed to the next? Each seed's estimate is a small delayed graph (chunks
// and an estimate, from tasks/pi). The estimates become the partitions of
// a bag, whose reductions give their mean and spread, and a last delayed
// task puts the answer together. It is all one graph, computed in one run:
// the scheduler sees every chunk of every seed at once.
//
//	go run ./examples/workflow
//	go run ./examples/workflow -seeds 32 -dot | dot -Tsvg > workflow.svg
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/graph/dot"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/pi"
)

func run(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("workflow", flag.ContinueOnError)
	fs.SetOutput(w)
	seeds := fs.Int("seeds", 16, "independent estimates")
	samples := fs.Int("samples", 1_000_000, "points per estimate")
	drawDOT := fs.Bool("dot", false, "print the graph as Graphviz DOT instead of running it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *seeds < 2 {
		return fmt.Errorf("-seeds must be at least 2 to measure a spread (got %d)", *seeds)
	}

	var g graph.Graph

	// Delayed: one estimate per seed, each 4 chunks and an estimate task.
	// Each becomes a one-element slice: a partition of the bag below.
	parts := make([]graph.Delayed[[]pi.Result], *seeds)
	for s := range parts {
		est, err := pi.Build(&g, uint64(s), *samples, 4)
		if err != nil {
			return err
		}
		parts[s] = graph.Call(&g, "wrap", func(r pi.Result) []pi.Result { return []pi.Result{r} }, est)
	}

	// Bag: the estimates as a collection, reduced in trees.
	estimates := bag.Map(bag.FromDelayed(&g, parts...), func(r pi.Result) float64 { return r.Pi })
	mean := bag.Mean(estimates)
	spread := bag.Std(estimates, 1) // the sample standard deviation

	// Delayed again: one task combines the two reductions.
	type answer struct{ mean, spread, predicted float64 }
	predicted := graph.Value(&g, "predicted", 4*math.Sqrt(math.Pi/4*(1-math.Pi/4)/float64(*samples)))
	report := graph.Call3(&g, "report", func(m, s, p float64) answer { return answer{m, s, p} }, mean, spread, predicted)

	if *drawDOT {
		return dot.Write(w, &g, &dot.Options{Targets: []graph.Node{report}, View: dot.Collapsed})
	}
	a, err := sched.Compute(ctx, report)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d estimates of π from %d samples each (a graph of %d nodes)\n", *seeds, *samples, g.Len())
	fmt.Fprintf(w, "mean %.6f, spread between seeds %.6f\n", a.mean, a.spread)
	fmt.Fprintf(w, "the binomial standard error predicts a spread of %.6f\n", a.predicted)
	return nil
}

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "workflow:", err)
		}
		os.Exit(2)
	}
}
