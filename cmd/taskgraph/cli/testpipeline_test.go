package cli

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/spf13/pflag"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/tasks/pipeline"
)

// testing is a pipeline of the tests' own, registered in TestMain, whose
// tasks fail, fail once, sleep and count how many run at once: what the
// run flags --keep-going, --retries, --timeout and --limit act on.
type testingParams struct {
	N     int
	Fail  []int         // the tasks that always fail
	Flaky []int         // the tasks that fail their first attempt
	Sleep time.Duration // each task sleeps this long (it honours its context)
}

var testingPipeline = pipeline.Pipeline{
	Name:    "testing",
	Summary: "the tests' own pipeline: tasks that fail, fail once, sleep",
	New:     func() pipeline.Params { return &testingParams{N: 4} },
}

func (p *testingParams) Flags(fs *pflag.FlagSet) {
	fs.IntVar(&p.N, "n", p.N, "tasks")
	fs.IntSliceVar(&p.Fail, "fail", p.Fail, "tasks that fail")
	fs.IntSliceVar(&p.Flaky, "flaky", p.Flaky, "tasks that fail once")
	fs.DurationVar(&p.Sleep, "sleep", p.Sleep, "how long each task sleeps")
}

func (p *testingParams) Enums() map[string][]string { return map[string][]string{"n": {"1", "4"}} }

var errTesting = errors.New("the task failed, as asked")

func (p *testingParams) Build(g *graph.Graph, opts ...graph.Option) (*pipeline.Job, error) {
	if p.N < 1 {
		return nil, &pipeline.ParamError{Flag: "n", Err: fmt.Errorf("must be at least 1 (got %d)", p.N)}
	}
	var running, peak atomic.Int64
	ts := make([]graph.Delayed[int], p.N)
	for i := range ts {
		fails, flaky := contains(p.Fail, i), contains(p.Flaky, i)
		var tried atomic.Bool
		sleep := p.Sleep
		ts[i] = graph.Source(g, "t", func(ctx context.Context) (int, error) {
			n := running.Add(1)
			defer running.Add(-1)
			for {
				if old := peak.Load(); n <= old || peak.CompareAndSwap(old, n) {
					break
				}
			}
			select {
			case <-time.After(sleep):
			case <-ctx.Done():
				return 0, ctx.Err()
			}
			if fails || flaky && !tried.Swap(true) {
				return 0, fmt.Errorf("task %d: %w", i, errTesting)
			}
			return i, nil
		}, opts...)
	}
	sum := graph.CallSlice(g, "sum", func(_ context.Context, xs []int) (int, error) { return len(xs), nil }, ts)
	return pipeline.NewJob("testing", g, sum, func(n int, r *pipeline.Report) error {
		r.Lines = append(r.Lines, fmt.Sprintf("%d tasks, at most %d at once", n, peak.Load()))
		r.Result = map[string]int64{"tasks": int64(n), "peak": peak.Load()}
		return nil
	}), nil
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}
