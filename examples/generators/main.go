// Generators and coroutines: the workshop's first hour in Go.
//
// A Python generator is an iter.Seq: lazy, possibly infinite, stopped by
// the loop that consumes it. next() is iter.Pull; the line-numbering
// printer coroutine is a small type whose Send method is Python's send().
// Last, an infinite generator becomes a bag (Take bounds it), so its values
// are summed in parallel partitions while the generator is still running.
//
//	go run ./examples/generators
//	go run ./examples/generators -n 100000000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/generators"
)

func run(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("generators", flag.ContinueOnError)
	fs.SetOutput(w)
	n := fs.Int("n", 10_000_000, "how many even numbers the bag takes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 0 {
		return fmt.Errorf("-n must not be negative (got %d)", *n)
	}

	// list(islice(fibonacci(), 10))
	fmt.Fprintln(w, "fibonacci:", slices.Collect(generators.Take(generators.Fibonacci(), 10)))

	// for i in integers(): print(i); if i > 5: break
	for i := range generators.Integers() {
		fmt.Fprint(w, i, " ")
		if i > 5 { // important: the generator is infinite
			break
		}
	}
	fmt.Fprintln(w)

	// i = integers(); next(i); next(i)
	next, stop := iter.Pull(generators.Even())
	a, _ := next()
	b, _ := next()
	stop()
	fmt.Fprintln(w, "next, next:", a, b)

	// p = printer(); p.send("Mercury"); …
	p := generators.NewPrinter(w)
	for _, planet := range []string{"Mercury", "Venus", "Earth"} {
		if err := p.Send(planet); err != nil {
			return err
		}
	}

	// An infinite generator as a bag: the first n even numbers, squared
	// and summed partition by partition while the generator keeps going.
	var g graph.Graph
	evens := generators.Bag(&g, generators.Even(), *n)
	squares := bag.Map(evens, func(x int) float64 { return float64(x) * float64(x) })
	sum, err := sched.Compute(ctx, bag.Sum(squares))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "sum of the squares of the first %d even numbers: %.6g (%d partitions)\n", *n, sum, evens.NumPartitions())
	return nil
}

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "generators:", err)
		}
		os.Exit(2)
	}
}
