package pipeline

import (
	"fmt"
	"math"

	"github.com/spf13/pflag"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/tasks/pi"
)

// Pi are the parameters of the "pi" pipeline.
type Pi struct {
	Samples int    // points thrown in all
	Chunks  int    // tasks they are split into
	Seed    uint64 // with a chunk's index, the seed of its generator
}

// DefaultPi returns 10⁸ samples in 100 chunks: the workshop's calc_pi_split
// with 10 × 10⁷, cut finer so that two workers end together.
func DefaultPi() Pi { return Pi{Samples: 100_000_000, Chunks: 100, Seed: 1} }

// Flags registers the pi flags on fs.
func (p *Pi) Flags(fs *pflag.FlagSet) {
	fs.Var(countValue{&p.Samples}, "samples", "points to throw in all (1e8 and 100_000_000 work too)")
	fs.Var(countValue{&p.Chunks}, "chunks", "tasks to split the samples into")
	fs.Uint64Var(&p.Seed, "seed", p.Seed, "seed of the generators (chunk i draws from (seed, i))")
}

// Build lays out the chunked estimate ("chunk" tasks and an "estimate"
// task, see pi.Build); opts go to every chunk task.
func (p *Pi) Build(g *graph.Graph, opts ...graph.Option) (*Job, error) {
	g = orNew(g)
	switch {
	case p.Samples <= 0:
		return nil, paramErrorf("samples", "must be at least 1 (got %d)", p.Samples)
	case p.Chunks <= 0:
		return nil, paramErrorf("chunks", "must be at least 1 (got %d)", p.Chunks)
	case p.Chunks > MaxTasks:
		return nil, paramErrorf("chunks", "at most %d (got %d): a task per chunk", MaxTasks, p.Chunks)
	case p.Chunks > p.Samples:
		return nil, paramErrorf("chunks", "%d chunks for %d samples would leave some empty", p.Chunks, p.Samples)
	}
	d, err := pi.Build(g, p.Seed, p.Samples, p.Chunks, opts...)
	if err != nil {
		return nil, &ParamError{Err: err}
	}
	return &Job{Pipeline: "pi", Graph: g, Targets: []graph.Node{d}, run: runTarget(d, func() (func(pi.Result, *Report) error, func(), error) {
		return reportPi, nil, nil
	})}, nil
}

func reportPi(res pi.Result, r *Report) error {
	off := math.Abs(res.Pi-math.Pi) / res.StdErr
	r.Lines = append(r.Lines,
		fmt.Sprintf("pi ≈ %.8f ± %.8f (standard error; %.1f standard errors from π)", res.Pi, res.StdErr, off),
		fmt.Sprintf("%d samples in %d chunks, %.3g samples/s", res.Samples, res.Chunks, float64(res.Samples)/r.Elapsed.Seconds()),
	)
	r.Result = map[string]any{"pi": res.Pi, "stderr": res.StdErr, "hits": res.Hits, "samples": res.Samples, "chunks": res.Chunks}
	return nil
}
