// Recursive divide and conquer with tasks that spawn tasks.
//
// A task that sums a long slice does not loop over it: it splits it in two,
// builds a small graph (two sums and an add) and computes that graph from
// inside the running task. The scheduler notices that the caller is a task
// and runs the new graph on the same workers: while the task waits, its
// worker runs other ready work, so nesting never holds a worker idle and
// cannot deadlock, not even with one worker.
//
//	go run ./examples/recursive            # 10^7 elements
//	go run ./examples/recursive -n 1000000 -workers 1
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// leafSize is where the recursion stops and a plain loop takes over: big
// enough that a task's cost (well under a microsecond) is noise.
const leafSize = 1 << 17

// weight is the per-element work: a modular square, exact in integers, so
// every schedule gives the same sum.
func weight(x int) int { return x * x % 1_000_003 }

// SumLoop is the serial version: one loop over everything.
func SumLoop(xs []int) int {
	s := 0
	for _, x := range xs {
		s += weight(x)
	}
	return s
}

// Sum is the recursive version, run as a task.
func Sum(ctx context.Context, xs []int) (int, error) {
	if len(xs) <= leafSize {
		return SumLoop(xs), nil
	}
	var g graph.Graph
	m := len(xs) / 2
	left := graph.CallCtx(&g, "sum", Sum, graph.Value(&g, "left", xs[:m]))
	right := graph.CallCtx(&g, "sum", Sum, graph.Value(&g, "right", xs[m:]))
	total := graph.Call2(&g, "add", func(a, b int) int { return a + b }, left, right)
	return sched.Compute(ctx, total)
}

// SumTasks computes Sum(xs) as the root task of a graph.
func SumTasks(ctx context.Context, xs []int, workers int) (int, error) {
	var g graph.Graph
	root := graph.CallCtx(&g, "sum", Sum, graph.Value(&g, "xs", xs))
	return sched.Compute(ctx, root, sched.Workers(workers))
}

func run(ctx context.Context, w io.Writer, n, workers int) error {
	if n < 0 {
		return fmt.Errorf("-n must not be negative (got %d)", n)
	}
	xs := make([]int, n)
	for i := range xs {
		xs[i] = i
	}
	start := time.Now()
	want := SumLoop(xs)
	loop := time.Since(start)

	start = time.Now()
	got, err := SumTasks(ctx, xs, workers)
	if err != nil {
		return err
	}
	tasks := time.Since(start)
	if got != want {
		return fmt.Errorf("recursive sum %d differs from the loop's %d", got, want)
	}
	fmt.Fprintf(w, "sum of %d weights: %d\n", n, got)
	fmt.Fprintf(w, "loop %v, recursive tasks %v\n", loop.Round(time.Millisecond), tasks.Round(time.Millisecond))
	return nil
}

func main() {
	n := flag.Int("n", 10_000_000, "number of elements")
	workers := flag.Int("workers", 0, "workers (0: all cores)")
	flag.Parse()
	if err := run(context.Background(), os.Stdout, *n, *workers); err != nil {
		fmt.Fprintln(os.Stderr, "recursive:", err)
		os.Exit(1)
	}
}
