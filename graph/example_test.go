package graph_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

func double(x int) int { return 2 * x }

// Build a graph, then compute one of its values. Nothing runs until
// sched.Compute is called.
func Example() {
	var g graph.Graph
	a := graph.Value(&g, "a", 20)
	b := graph.Call(&g, "double", double, a)
	c := graph.Call2(&g, "add", func(x, y int) int { return x + y }, a, b)

	sum, err := sched.Compute(context.Background(), c)
	fmt.Println(sum, err)
	// Output: 60 <nil>
}

func ExampleValue() {
	var g graph.Graph
	rate := graph.Value(&g, "rate", 0.25)
	price := graph.Value(&g, "price", 80.0)
	tax := graph.Call2(&g, "tax", func(r, p float64) float64 { return r * p }, rate, price)

	v, _ := sched.Compute(context.Background(), tax)
	fmt.Println(v)
	// Output: 20
}

// A Source has no arguments: it produces data (reads a file, draws a
// sample, drains a generator).
func ExampleSource() {
	var g graph.Graph
	words := graph.Source(&g, "read", func(context.Context) ([]string, error) {
		return strings.Fields("the quick brown fox jumps over the lazy dog"), nil
	})
	count := graph.Call(&g, "count", func(ws []string) int { return len(ws) }, words)

	n, _ := sched.Compute(context.Background(), count)
	fmt.Println(n, "words")
	// Output: 9 words
}

func ExampleCall() {
	var g graph.Graph
	side := graph.Value(&g, "side", 7)
	area := graph.Call(&g, "area", func(s int) int { return s * s }, side)

	v, _ := sched.Compute(context.Background(), area)
	fmt.Println(v)
	// Output: 49
}

// A task given no name is called after its function.
func ExampleCall_unnamed() {
	var g graph.Graph
	a := graph.Value(&g, "a", 20)
	b := graph.Call(&g, "", double, a)

	v, _ := sched.Compute(context.Background(), b)
	fmt.Println(b.Name(), v)
	// Output: double 40
}

// The Ctx forms take the run's context and may fail; the error names the
// task that failed.
func ExampleCallCtx() {
	var g graph.Graph
	parse := func(_ context.Context, s string) (int, error) { return strconv.Atoi(s) }
	good := graph.CallCtx(&g, "parse", parse, graph.Value(&g, "text", "42"))
	bad := graph.CallCtx(&g, "parse", parse, graph.Value(&g, "text", "forty-two"))

	fmt.Println(sched.Compute(context.Background(), good))
	fmt.Println(sched.Compute(context.Background(), bad))
	// Output:
	// 42 <nil>
	// 0 task parse#3: strconv.Atoi: parsing "forty-two": invalid syntax
}

func ExampleCall2() {
	var g graph.Graph
	first := graph.Value(&g, "first", "Ada")
	last := graph.Value(&g, "last", "Lovelace")
	full := graph.Call2(&g, "join", func(f, l string) string { return f + " " + l }, first, last)

	v, _ := sched.Compute(context.Background(), full)
	fmt.Println(v)
	// Output: Ada Lovelace
}

var errDivByZero = errors.New("division by zero")

func ExampleCallCtx2() {
	var g graph.Graph
	divide := func(_ context.Context, a, b int) (int, error) {
		if b == 0 {
			return 0, errDivByZero
		}
		return a / b, nil
	}
	q := graph.CallCtx2(&g, "divide", divide, graph.Value(&g, "a", 84), graph.Value(&g, "b", 2))
	z := graph.CallCtx2(&g, "divide", divide, q, graph.Value(&g, "zero", 0))

	fmt.Println(sched.Compute(context.Background(), q))
	_, err := sched.Compute(context.Background(), z)
	fmt.Println(errors.Is(err, errDivByZero))
	// Output:
	// 42 <nil>
	// true
}

// A tile of an image is given by three numbers: its row, its column and
// its size.
func ExampleCall3() {
	var g graph.Graph
	tile := graph.Call3(&g, "tile", func(row, col, size int) string {
		return fmt.Sprintf("tile (%d,%d) covers pixels %d..%d", row, col, col*size, (col+1)*size-1)
	}, graph.Value(&g, "row", 1), graph.Value(&g, "col", 2), graph.Value(&g, "size", 64))

	v, _ := sched.Compute(context.Background(), tile)
	fmt.Println(v)
	// Output: tile (1,2) covers pixels 128..191
}

func ExampleCallCtx3() {
	var g graph.Graph
	clamp := func(ctx context.Context, x, lo, hi float64) (float64, error) {
		if lo > hi {
			return 0, fmt.Errorf("empty range [%g, %g]", lo, hi)
		}
		return min(max(x, lo), hi), ctx.Err()
	}
	c := graph.CallCtx3(&g, "clamp", clamp, graph.Value(&g, "x", 1.7), graph.Value(&g, "lo", 0.0), graph.Value(&g, "hi", 1.0))

	fmt.Println(sched.Compute(context.Background(), c))
	// Output: 1 <nil>
}

// piChunk draws n points in the unit square from its own seeded stream and
// counts those inside the quarter circle.
func piChunk(seed uint64, n int) int {
	r := rand.New(rand.NewPCG(2023, seed))
	hits := 0
	for range n {
		x, y := r.Float64(), r.Float64()
		if x*x+y*y <= 1 {
			hits++
		}
	}
	return hits
}

// The workshop's Monte-Carlo pi, in chunks: each chunk is a task, and
// CallSlice folds their counts, however many there are.
func ExampleCallSlice() {
	const chunks, perChunk = 8, 100_000
	var g graph.Graph
	counts := make([]graph.Delayed[int], chunks)
	for i := range counts {
		seed := graph.Value(&g, "seed", uint64(i))
		counts[i] = graph.Call(&g, "chunk", func(s uint64) int { return piChunk(s, perChunk) }, seed)
	}
	pi := graph.CallSlice(&g, "pi", func(_ context.Context, hits []int) (float64, error) {
		total := 0
		for _, h := range hits {
			total += h
		}
		return 4 * float64(total) / (chunks * perChunk), nil
	}, counts)

	v, _ := sched.Compute(context.Background(), pi)
	fmt.Printf("pi ≈ %.2f\n", v)
	// Output: pi ≈ 3.14
}

// CallN fans one argument out to indexed tasks: here the shards of a
// text, each counting the words of its own share of the lines.
func ExampleCallN() {
	var g graph.Graph
	text := graph.Value(&g, "text", []string{"to be", "or not", "to be", "that is the question"})
	const shards = 2
	counts := graph.CallN(&g, "shard", shards, func(_ context.Context, k int, lines []string) (int, error) {
		words := 0
		for i := k; i < len(lines); i += shards {
			words += len(strings.Fields(lines[i]))
		}
		return words, nil
	}, text)
	total := graph.CallSlice(&g, "total", func(_ context.Context, cs []int) (int, error) {
		return cs[0] + cs[1], nil
	}, counts)

	v, _ := sched.Compute(context.Background(), total)
	fmt.Println(len(counts), "shards,", v, "words")
	// Output: 2 shards, 10 words
}

// Gather turns many handles into one handle of a slice: the rows of a
// picture, rendered separately, put back together in order.
func ExampleGather() {
	var g graph.Graph
	width := graph.Value(&g, "width", 8)
	rows := make([]graph.Delayed[string], 4)
	for y := range rows {
		rows[y] = graph.Call(&g, "row", func(w int) string {
			return strings.Repeat(".", y) + strings.Repeat("#", w-2*y) + strings.Repeat(".", y)
		}, width)
	}
	picture := graph.Gather(&g, "picture", rows)

	lines, _ := sched.Compute(context.Background(), picture)
	fmt.Println(strings.Join(lines, "\n"))
	// Output:
	// ########
	// .######.
	// ..####..
	// ...##...
}

// Pure gives a task a content key: building the same call again returns
// the node that exists, so it is computed once.
func ExamplePure() {
	var g graph.Graph
	runs := 0
	square := func(x int) int { runs++; return x * x }
	n := graph.Value(&g, "n", 12, graph.Pure())
	a := graph.Call(&g, "square", square, n, graph.Pure())
	b := graph.Call(&g, "square", square, n, graph.Pure()) // the same node as a
	both := graph.Call2(&g, "add", func(x, y int) int { return x + y }, a, b)

	v, _ := sched.Compute(context.Background(), both)
	fmt.Println(v, a.ID() == b.ID(), runs)
	fmt.Println(g.Key(a.ID()) == g.Key(b.ID()), strings.HasPrefix(g.Key(a.ID()), "square-"))
	// Output:
	// 288 true 1
	// true true
}

// Priority lets a task run before ready tasks that the static order would
// run first: here a quick preview before the full render. (The reference
// scheduler, Workers(1), shows the order plainly.)
func ExamplePriority() {
	var g graph.Graph
	scene := graph.Value(&g, "scene", "harbour")
	full := graph.Call(&g, "render", func(s string) string { return s + " at 4K" }, scene)
	preview := graph.Call(&g, "preview", func(s string) string { return s + " thumbnail" }, scene, graph.Priority(10))

	var order []string
	trace := sched.Hooks{TaskStart: func(e sched.TaskEvent) { order = append(order, e.Name) }}
	vs, _ := sched.ComputeAll(context.Background(), []graph.Delayed[string]{full, preview},
		sched.Workers(1), sched.WithHooks(trace))
	fmt.Println(vs)
	fmt.Println(order)
	// Output:
	// [harbour at 4K harbour thumbnail]
	// [preview render]
}

// Retries runs a failing task again: here a download that fails twice.
func ExampleRetries() {
	var g graph.Graph
	attempts := 0
	fetch := graph.CallCtx(&g, "fetch", func(_ context.Context, url string) (string, error) {
		attempts++
		if attempts < 3 {
			return "", errors.New("connection reset")
		}
		return "contents of " + url, nil
	}, graph.Value(&g, "url", "https://example.org/data.csv"), graph.Retries(2))

	v, err := sched.Compute(context.Background(), fetch)
	fmt.Println(v, err, attempts)
	// Output: contents of https://example.org/data.csv <nil> 3
}

// Timeout bounds each attempt of a task: its context expires.
func ExampleTimeout() {
	var g graph.Graph
	slow := graph.CallCtx(&g, "query", func(ctx context.Context, q string) (int, error) {
		<-ctx.Done() // a server that never answers
		return 0, ctx.Err()
	}, graph.Value(&g, "q", "SELECT 1"), graph.Timeout(10*time.Millisecond))

	_, err := sched.Compute(context.Background(), slow)
	fmt.Println(err)
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	// Output:
	// task query#1: context deadline exceeded
	// true
}

// Uses declares what a task holds while it runs; the scheduler's limits
// decide how many such tasks run at once (here one "disk" writer).
func ExampleUses() {
	var g graph.Graph
	tiles := make([]graph.Delayed[string], 3)
	for i := range tiles {
		tiles[i] = graph.Call(&g, "save", func(n int) string {
			return fmt.Sprintf("tile-%d.png", n)
		}, graph.Value(&g, "n", i), graph.Uses("disk", 1))
	}

	files, err := sched.ComputeAll(context.Background(), tiles, sched.Limit("disk", 1))
	fmt.Println(files, err)
	// Output: [tile-0.png tile-1.png tile-2.png] <nil>
}

// Building never panics: the first mistake is kept, and the graph refuses
// to run.
func ExampleGraph_Err() {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	var missing graph.Delayed[int] // never built
	y := graph.Call2(&g, "add", func(a, b int) int { return a + b }, x, missing)

	fmt.Println(g.Err())
	_, err := sched.Compute(context.Background(), x)
	fmt.Println(errors.Is(err, graph.ErrZeroHandle), y.ID() < 0)
	// Output:
	// graph: zero Delayed used as an argument (task "add")
	// true true
}

// Every node has an ID (its creation index) and a key; nodes sharing a
// name form a stage.
func ExampleGraph_Key() {
	var g graph.Graph
	x := graph.Value(&g, "x", 0)
	for range 3 {
		graph.Call(&g, "tile", double, x)
	}
	for id := range g.Len() {
		fmt.Println(id, g.Name(id), g.Kind(id), g.Key(id), g.Deps(id))
	}
	// Output:
	// 0 x value x#0 []
	// 1 tile task tile#1 [0]
	// 2 tile task tile#2 [0]
	// 3 tile task tile#3 [0]
}

// Remote lets a task run in another process when the run has an executor
// for it (sched.WithExecutor, package cluster); without one it runs in the
// run's own pool.
func ExampleRemote() {
	var g graph.Graph
	x := graph.Value(&g, "x", 20)
	y := graph.Call(&g, "y", func(v int) int { return v + 22 }, x, graph.Remote())
	v, err := sched.Compute(context.Background(), y)
	fmt.Println(v, err)
	// Output: 42 <nil>
}

// ExecutableOf is the door executors use: a task's arguments, its result
// and its options. Programs that only build and compute graphs never need
// it.
func ExampleExecutableOf() {
	var g graph.Graph
	a := graph.Value(&g, "a", 20)
	b := graph.Value(&g, "b", 22)
	sum := graph.Call2(&g, "sum", func(x, y int) int { return x + y }, a, b, graph.Retries(2))

	x := graph.ExecutableOf(&g)
	t := x.Task(sum.ID())
	fmt.Println(t.Args()) // what would be sent to another process
	_ = t.Run(context.Background())
	o, _ := x.Options(sum.ID())
	fmt.Println(*t.Result().(*int), o.Retries)
	// Output:
	// [20 22]
	// 42 2
}
