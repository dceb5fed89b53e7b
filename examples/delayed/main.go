// Delayed basics: the workshop's dask.delayed exercise in Go.
//
// A graph is built first and nothing runs while it is: each graph.Call
// returns a typed handle to a value that is not computed yet. Then
// sched.Compute runs what one handle needs, on all cores, and returns its
// value. The graph can be drawn (go run ./examples/delayed -dot | dot -Tsvg).
//
//	go run ./examples/delayed
//	go run ./examples/delayed -n 20 -workers 1
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/graph/dot"
	"github.com/seed001e6470/taskgraph/sched"
)

// The workshop's slow functions: each takes a moment, as real work would.
func inc(x int) int    { time.Sleep(10 * time.Millisecond); return x + 1 }
func add(x, y int) int { time.Sleep(10 * time.Millisecond); return x + y }

func run(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("delayed", flag.ContinueOnError)
	fs.SetOutput(w)
	n := fs.Int("n", 8, "how many numbers to increment and add up")
	workers := fs.Int("workers", 0, "workers (0: all cores)")
	drawDOT := fs.Bool("dot", false, "print the graph as Graphviz DOT instead of computing it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 1 {
		return fmt.Errorf("-n must be at least 1 (got %d)", *n)
	}

	// x = delayed(inc)(1); y = delayed(inc)(2); z = delayed(add)(x, y)
	var g graph.Graph
	x := graph.Call(&g, "inc", inc, graph.Value(&g, "one", 1))
	y := graph.Call(&g, "inc", inc, graph.Value(&g, "two", 2))
	z := graph.Call2(&g, "add", add, x, y)
	fmt.Fprintf(w, "z is %v: nothing has run yet\n", z)

	// A list of delayed values and their sum: the incs are independent,
	// so the workers run them at the same time.
	var incs []graph.Delayed[int]
	for i := range *n {
		incs = append(incs, graph.Call(&g, "inc", inc, graph.Value(&g, "i", i)))
	}
	total := graph.CallSlice(&g, "sum", func(_ context.Context, xs []int) (int, error) {
		s := 0
		for _, x := range xs {
			s += x
		}
		return s, nil
	}, incs)

	if *drawDOT {
		return dot.Write(w, &g, &dot.Options{Targets: []graph.Node{z, total}})
	}

	opts := []sched.Option{sched.Workers(*workers)}
	v, err := sched.Compute(ctx, z, opts...)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "z =", v)

	start := time.Now()
	s, err := sched.Compute(ctx, total, opts...)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "sum of inc(0…%d) = %d in %v (%d tasks of 10 ms each)\n", *n-1, s, time.Since(start).Round(time.Millisecond), *n+1)

	// A failing task does not crash the program: the error names the task.
	bad := graph.CallCtx(&g, "half", func(_ context.Context, v int) (int, error) {
		if v%2 != 0 {
			return 0, fmt.Errorf("%d is odd", v)
		}
		return v / 2, nil
	}, z)
	_, err = sched.Compute(ctx, bad, opts...)
	var te *sched.TaskError
	if errors.As(err, &te) {
		fmt.Fprintf(w, "task %q failed: %v\n", te.Name, te.Err)
	}
	return nil
}

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "delayed:", err)
		}
		os.Exit(2)
	}
}
