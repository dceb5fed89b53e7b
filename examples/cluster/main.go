// Monte-Carlo π on worker processes: the chunks of examples/pi run on a
// local cluster (an embedded NATS server and two worker processes of this
// same program), the estimate on the coordinator; the result is the same,
// bit for bit, as on the local pool.
//
//	go run ./examples/cluster
//	go run ./examples/cluster -workers 4 -samples 1000000000
//
// The job "pi" is registered in both roles: the coordinator builds the
// graph from it, each worker rebuilds it to run the chunks it receives.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/seed001e6470/taskgraph/cluster"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/pi"
)

// params is the job's parameters: all a worker needs to rebuild its graph.
type params struct {
	Seed    uint64
	Samples int
	Chunks  int
}

// build lays the job out: a remote task per chunk, a local estimate.
func build(p params) (*graph.Graph, graph.Delayed[float64], error) {
	sizes, err := pi.Split(p.Samples, p.Chunks)
	if err != nil {
		return nil, graph.Delayed[float64]{}, err
	}
	g := &graph.Graph{}
	hits := graph.CallN(g, "chunk", len(sizes), func(_ context.Context, k int, seed uint64) (int, error) {
		return pi.Chunk(seed, k, sizes[k]), nil
	}, graph.Value(g, "seed", p.Seed), graph.Remote())
	for len(hits) > 1 { // add the hits up in a tree of fan-in 8
		var sums []graph.Delayed[int]
		for i := 0; i < len(hits); i += 8 {
			sums = append(sums, graph.CallSlice(g, "add", add, hits[i:min(i+8, len(hits))]))
		}
		hits = sums
	}
	estimate := graph.CallCtx(g, "estimate", func(_ context.Context, total int) (float64, error) {
		v, _, err := pi.Estimate(total, p.Samples)
		return v, err
	}, hits[0])
	return g, estimate, nil
}

func add(_ context.Context, hs []int) (int, error) {
	total := 0
	for _, h := range hs {
		total += h
	}
	return total, nil
}

var jobs cluster.Registry

func init() {
	if err := cluster.Register(&jobs, "pi", func(p params) (*graph.Graph, error) {
		g, _, err := build(p)
		return g, err
	}); err != nil {
		panic(err)
	}
}

func run(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("cluster", flag.ContinueOnError)
	fs.SetOutput(w)
	workers := fs.Int("workers", 2, "worker processes")
	p := params{Seed: 1}
	fs.IntVar(&p.Samples, "samples", 100_000_000, "points to throw")
	fs.IntVar(&p.Chunks, "chunks", 100, "tasks to split them into")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_, estimate, err := build(p)
	if err != nil {
		return err
	}
	start := time.Now()
	local, err := sched.Compute(ctx, estimate) // no executor: every task runs here
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "local pool:        pi ≈ %.10f in %v\n", local, time.Since(start).Round(time.Millisecond))

	start = time.Now()
	c, err := cluster.Open(ctx, "", cluster.Options{Workers: *workers, Registry: &jobs})
	if err != nil {
		return err
	}
	defer c.Close()
	job, err := c.Job("pi", p)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "cluster started in %v\n", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	remote, err := sched.Compute(ctx, estimate, sched.WithExecutor(job))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%d worker processes: pi ≈ %.10f in %v\n", *workers, remote, time.Since(start).Round(time.Millisecond))
	if remote != local {
		return fmt.Errorf("the cluster's estimate %v differs from the local %v", remote, local)
	}
	fmt.Fprintln(w, "the same, bit for bit")
	return nil
}

func main() {
	cluster.WorkerMain(&jobs) // a worker process started by Open serves here
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "cluster:", err)
		}
		os.Exit(2)
	}
}
