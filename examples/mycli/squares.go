package main

import (
	"context"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/tasks/pipeline"
)

// Squares are the parameters of the "squares" pipeline: one flag each.
type Squares struct {
	N    int // the squares of 1…N
	Fail int // the square that fails, to try --keep-going and --retries; 0: none
}

// Flags binds the parameters to flags: that is also how a run is written
// out and read back (pipeline.Args, Pipeline.Parse).
func (p *Squares) Flags(fs *pflag.FlagSet) {
	fs.IntVar(&p.N, "n", p.N, "how many squares to add up")
	fs.IntVar(&p.Fail, "fail", p.Fail, "make the task of this square fail (0: none)")
}

// Build checks the parameters and lays out the graph: a "square" task per
// number, each taking the run's task options (--retries, --timeout,
// --limit), and a "sum" task.
func (p *Squares) Build(g *graph.Graph, opts ...graph.Option) (*pipeline.Job, error) {
	switch {
	case p.N < 1:
		return nil, &pipeline.ParamError{Flag: "n", Err: fmt.Errorf("must be at least 1 (got %d)", p.N)}
	case p.N > pipeline.MaxTasks:
		return nil, &pipeline.ParamError{Flag: "n", Err: fmt.Errorf("at most %d (got %d)", pipeline.MaxTasks, p.N)}
	case p.Fail < 0 || p.Fail > p.N:
		return nil, &pipeline.ParamError{Flag: "fail", Err: fmt.Errorf("must be 0 or one of 1…%d (got %d)", p.N, p.Fail)}
	}
	if g == nil {
		g = new(graph.Graph)
	}
	squares := make([]graph.Delayed[int], p.N)
	for i := range squares {
		x, fail := i+1, i+1 == p.Fail
		squares[i] = graph.Source(g, "square", func(ctx context.Context) (int, error) {
			if fail {
				return 0, fmt.Errorf("square %d fails, as --fail asked", x)
			}
			return x * x, ctx.Err()
		}, opts...)
	}
	sum := graph.CallSlice(g, "sum", func(_ context.Context, xs []int) (int, error) {
		total := 0
		for _, x := range xs {
			total += x
		}
		return total, nil
	}, squares)
	n := p.N
	return pipeline.NewJob("squares", g, sum, func(total int, r *pipeline.Report) error {
		r.Lines = append(r.Lines, fmt.Sprintf("the squares of 1…%d add up to %d", n, total))
		r.Result = map[string]int{"n": n, "sum": total}
		return nil
	}), nil
}
