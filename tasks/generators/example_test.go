package generators_test

import (
	"context"
	"fmt"
	"iter"
	"os"
	"slices"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/generators"
)

func ExampleIntegers() {
	for i := range generators.Integers() {
		fmt.Print(i, " ")
		if i > 10 { // important, otherwise it runs (almost) forever
			break
		}
	}
	fmt.Println()
	// Output:
	// 1 2 3 4 5 6 7 8 9 10 11
}

func ExampleEven() {
	fmt.Println(slices.Collect(generators.Take(generators.Even(), 10)))
	// Output:
	// [2 4 6 8 10 12 14 16 18 20]
}

func ExampleFibonacci() {
	fmt.Println(slices.Collect(generators.Take(generators.Fibonacci(), 10)))
	// Output:
	// [1 1 2 3 5 8 13 21 34 55]
}

// list(islice(integers(), 0, 10))
func ExampleTake() {
	fmt.Println(slices.Collect(generators.Take(generators.Integers(), 10)))
	// Output:
	// [1 2 3 4 5 6 7 8 9 10]
}

// The zero Printer writes to standard output, like print.
func ExamplePrinter() {
	var p generators.Printer
	p.Send("Mercury")
	p.Send("Venus")
	p.Send("Earth")
	// Output:
	// 1 Mercury
	// 2 Venus
	// 3 Earth
}

func ExampleNewPrinter() {
	p := generators.NewPrinter(os.Stdout)
	for _, x := range []any{"hello", 3.5, []int{1, 2}} {
		if err := p.Send(x); err != nil {
			panic(err)
		}
	}
	fmt.Println(p.Lines(), "lines")
	// Output:
	// 1 hello
	// 2 3.5
	// 3 [1 2]
	// 3 lines
}

// Python's i = integers(); next(i) is iter.Pull: the generator runs only
// when asked for a value, and stop releases it.
func Example_pull() {
	next, stop := iter.Pull(generators.Integers())
	defer stop()
	a, _ := next()
	b, _ := next()
	c, ok := next()
	fmt.Println(a, b, c, ok)
	// Output:
	// 1 2 3 true
}

// The first 10⁶ integers summarised as they are pulled, in 4 shares: the
// values are never held, so n may be far larger than memory.
func ExampleStream() {
	var g graph.Graph
	d, err := generators.Stream(&g, generators.Integers(), 1_000_000, 4)
	if err != nil {
		panic(err)
	}
	s, err := sched.Compute(context.Background(), d)
	fmt.Println(g.Len(), "tasks:", s.Count, s.Sum, s.Min, s.Max, s.Head, err)
	// Output:
	// 5 tasks: 1000000 500000500000 1 1000000 [1 2 3 4 5] <nil>
}

// The shares of a prefix folded at once, each from its own start.
func ExampleSplit() {
	var g graph.Graph
	d, _ := generators.Split(&g, generators.EvenFrom, 1000, 4)
	s, err := sched.Compute(context.Background(), d)
	fmt.Println(s.Count, s.Sum, s.Min, s.Max, err)
	// Output: 1000 1001000 2 2000 <nil>
}

func ExampleFibonacciFrom() {
	fmt.Println(slices.Collect(generators.Take(generators.FibonacciFrom(5), 4)))
	// Output: [8 13 21 34]
}
