package pi

import (
	"context"
	"fmt"

	"github.com/seed001e6470/taskgraph/graph"
)

// Result is what the chunked pipeline computes.
type Result struct {
	Pi     float64 // the estimate 4·Hits/Samples
	StdErr float64 // its standard error
	Hits   int     // points inside the unit circle
	// Samples and Chunks echo the request, so a Result describes itself.
	Samples, Chunks int
}

// Build lays out the workshop's calc_pi_split as a task graph in g: one task
// named "chunk" per chunk, chunk i running [Chunk] with index i on its share
// of the samples (as [Split] divides them), and one task named "estimate"
// that adds up the hits and turns them into [Estimate]'s π and standard
// error.
//
// Chunk i's points depend on (seed, i) alone, so the result is the same as
// [Run]'s, bit for bit, whatever the number of workers or the order the
// chunks run in. Build checks its arguments before it adds anything to g.
//
// opts are given to every chunk task (graph.Retries, graph.Timeout,
// graph.Uses): a chunk reads its context, so a timeout stops it in the
// middle, and running it again gives the same count.
func Build(g *graph.Graph, seed uint64, samples, chunks int, opts ...graph.Option) (graph.Delayed[Result], error) {
	if samples <= 0 {
		return graph.Delayed[Result]{}, fmt.Errorf("%w: %d samples", ErrArgument, samples)
	}
	if chunks > samples {
		// An empty chunk would be a task that does nothing; more likely
		// the two numbers were swapped.
		return graph.Delayed[Result]{}, fmt.Errorf("%w: %d chunks for %d samples", ErrArgument, chunks, samples)
	}
	sizes, err := Split(samples, chunks)
	if err != nil {
		return graph.Delayed[Result]{}, err
	}
	hits := make([]graph.Delayed[int], len(sizes))
	for i, n := range sizes {
		// (seed, i, n) is the chunk's whole identity: no shared generator,
		// nothing captured by reference.
		hits[i] = graph.Source(g, "chunk", func(ctx context.Context) (int, error) {
			if err := ctx.Err(); err != nil {
				return 0, err // the run stopped before this chunk began
			}
			return ChunkContext(ctx, seed, i, n)
		}, opts...)
	}
	return graph.CallSlice(g, "estimate", func(_ context.Context, hs []int) (Result, error) {
		total := 0
		for _, h := range hs {
			total += h
		}
		p, se, err := Estimate(total, samples)
		return Result{Pi: p, StdErr: se, Hits: total, Samples: samples, Chunks: chunks}, err
	}, hits), nil
}
