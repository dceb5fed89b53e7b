// Monte-Carlo pi in chunks: the workshop's calc_pi_split as a task graph.
//
// Each chunk is a task that throws its share of the points with its own
// generator, seeded from (seed, chunk index); an "estimate" task adds up
// the hits. Because no chunk shares a generator, one worker and all cores
// give the same estimate, bit for bit, and only the time differs.
//
//	go run ./examples/pi
//	go run ./examples/pi -samples 1000000000 -chunks 200
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/pi"
)

func run(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("pi", flag.ContinueOnError)
	fs.SetOutput(w)
	samples := fs.Int("samples", 100_000_000, "points to throw")
	chunks := fs.Int("chunks", 100, "tasks to split them into")
	seed := fs.Uint64("seed", 1, "seed of the chunks' generators")
	if err := fs.Parse(args); err != nil {
		return err
	}

	var g graph.Graph
	estimate, err := pi.Build(&g, *seed, *samples, *chunks) // chunk ×N → estimate
	if err != nil {
		return err
	}

	var first pi.Result
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		start := time.Now()
		r, err := sched.Compute(ctx, estimate, sched.Workers(workers))
		if err != nil {
			return err
		}
		elapsed := time.Since(start)
		fmt.Fprintf(w, "%d worker(s): pi ≈ %.8f ± %.8f in %v (%.2f ns per sample)\n",
			workers, r.Pi, r.StdErr, elapsed.Round(time.Millisecond), float64(elapsed.Nanoseconds())/float64(*samples))
		if first == (pi.Result{}) {
			first = r
		} else if r != first {
			return fmt.Errorf("the estimate changed with the number of workers: %+v, %+v", first, r)
		}
	}
	fmt.Fprintf(w, "the same with any number of workers; %.1f standard errors from π\n", math.Abs(first.Pi-math.Pi)/first.StdErr)
	return nil
}

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "pi:", err)
		}
		os.Exit(2)
	}
}
