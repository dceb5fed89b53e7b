package sched_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// countHits draws n points in the unit square from stream seed and counts
// those inside the quarter circle.
func countHits(seed uint64, n int) int {
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

// piGraph lays out the workshop's Monte-Carlo pi: chunks of samples, each
// a task with its own seeded stream, and a task folding their counts.
func piGraph(chunks, perChunk int) (*graph.Graph, []graph.Delayed[int], graph.Delayed[float64]) {
	g := new(graph.Graph)
	counts := make([]graph.Delayed[int], chunks)
	for i := range counts {
		seed := graph.Value(g, "seed", uint64(i))
		counts[i] = graph.Call(g, "chunk", func(s uint64) int { return countHits(s, perChunk) }, seed)
	}
	pi := graph.CallSlice(g, "pi", func(_ context.Context, hits []int) (float64, error) {
		total := 0
		for _, h := range hits {
			total += h
		}
		return 4 * float64(total) / float64(chunks*perChunk), nil
	}, counts)
	return g, counts, pi
}

// Compute a graph on all cores. Each chunk draws from its own seeded
// stream, so the estimate is the same whatever the number of workers.
func Example() {
	_, _, pi := piGraph(8, 100_000)
	v, err := sched.Compute(context.Background(), pi)
	fmt.Printf("pi ≈ %.2f (%v)\n", v, err)
	// Output: pi ≈ 3.14 (<nil>)
}

func ExampleCompute() {
	var g graph.Graph
	words := graph.Value(&g, "text", "it was the best of times it was the worst of times")
	freq := graph.Call(&g, "count", func(s string) map[string]int {
		m := map[string]int{}
		for _, w := range strings.Fields(s) {
			m[w]++
		}
		return m
	}, words)
	top := graph.Call(&g, "top", func(m map[string]int) string {
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range m {
				if !yield(k) {
					return
				}
			}
		})
		slices.SortStableFunc(keys, func(a, b string) int { return m[b] - m[a] })
		return fmt.Sprintf("%s×%d %s×%d", keys[0], m[keys[0]], keys[1], m[keys[1]])
	}, freq)

	v, err := sched.Compute(context.Background(), top)
	fmt.Println(v, err)
	// Output: it×2 of×2 <nil>
}

// ComputeAll computes several values of one type in one run: what they
// share runs once.
func ExampleComputeAll() {
	var g graph.Graph
	var decoded atomic.Int32
	file := graph.Value(&g, "file", "photo.raw")
	pixels := graph.Call(&g, "decode", func(string) []int {
		decoded.Add(1)
		return []int{3, 1, 4, 1, 5, 9, 2, 6}
	}, file)
	darkest := graph.Call(&g, "min", func(p []int) int { return slices.Min(p) }, pixels)
	brightest := graph.Call(&g, "max", func(p []int) int { return slices.Max(p) }, pixels)

	vs, err := sched.ComputeAll(context.Background(), []graph.Delayed[int]{darkest, brightest})
	fmt.Println(vs, err)
	fmt.Println("decoded", decoded.Load(), "time")
	// Output:
	// [1 9] <nil>
	// decoded 1 time
}

// Scheduler.Run computes targets of different types together (Dask's
// compute(a, b, c)) and returns them boxed.
func ExampleScheduler_Run() {
	_, counts, pi := piGraph(4, 1000)
	var s sched.Scheduler // the zero value: all cores, fail-fast
	vs, err := s.Run(context.Background(), pi, counts[0], counts[3])
	fmt.Printf("%.3f %d %d %v\n", vs[0].(float64), vs[1].(int), vs[2].(int), err)
	// Output: 3.154 781 791 <nil>
}

// A Scheduler is plain configuration: set it up once and pass it as an
// option to any run.
func ExampleScheduler() {
	_, _, pi := piGraph(4, 1000)
	cfg := &sched.Scheduler{Workers: 2, KeepGoing: true}
	v, err := sched.Compute(context.Background(), pi, cfg)
	fmt.Printf("%.3f %v\n", v, err)
	// Output: 3.154 <nil>
}

// AsCompleted delivers results as they finish. The order depends on the
// schedule, so this example sorts what it prints.
func ExampleAsCompleted() {
	var g graph.Graph
	tiles := make([]graph.Delayed[string], 4)
	for i := range tiles {
		tiles[i] = graph.Call(&g, "tile", func(n int) string {
			return fmt.Sprintf("tile %d rendered", n)
		}, graph.Value(&g, "n", i))
	}
	var lines []string
	for c, err := range sched.AsCompleted(context.Background(), tiles) {
		if err != nil {
			fmt.Println("error:", err)
			break
		}
		lines = append(lines, fmt.Sprintf("#%d: %s", c.Index, c.Value))
	}
	slices.Sort(lines)
	fmt.Println(strings.Join(lines, "\n"))
	// Output:
	// #0: tile 0 rendered
	// #1: tile 1 rendered
	// #2: tile 2 rendered
	// #3: tile 3 rendered
}

// Workers(1) is the reference schedule: every task in the static order,
// in the caller's goroutine. Any number of workers gives the same result.
func ExampleWorkers() {
	_, _, pi := piGraph(16, 1000)
	one, _ := sched.Compute(context.Background(), pi, sched.Workers(1))
	many, _ := sched.Compute(context.Background(), pi, sched.Workers(8))
	fmt.Println(one == many)

	// With one worker, tasks start in the static order: depth-first,
	// arguments first, finishing what was started.
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	a := graph.Call(&g, "a", twice, x)
	b := graph.Call(&g, "b", twice, a)
	c := graph.Call(&g, "c", twice, x)
	d := graph.Call2(&g, "d", addInts, b, c)
	var order []string
	trace := sched.Hooks{TaskStart: func(e sched.TaskEvent) { order = append(order, e.Name) }}
	sched.Compute(context.Background(), d, sched.Workers(1), sched.WithHooks(trace))
	fmt.Println(order)
	// Output:
	// true
	// [a b c d]
}

// KeepGoing runs everything that does not depend on a failure and
// returns the partial results with every error.
func ExampleKeepGoing() {
	var g graph.Graph
	load := func(_ context.Context, name string) (int, error) {
		if strings.HasSuffix(name, ".bad") {
			return 0, errors.New("corrupt file")
		}
		return len(name), nil
	}
	files := []string{"a.csv", "b.bad", "longer.csv"}
	sizes := make([]graph.Delayed[int], len(files))
	for i, f := range files {
		sizes[i] = graph.CallCtx(&g, "load", load, graph.Value(&g, "file", f))
	}

	vs, err := sched.ComputeAll(context.Background(), sizes, sched.KeepGoing())
	fmt.Println(vs)
	fmt.Println(err)
	// Output:
	// [5 0 10]
	// task load#3: corrupt file
}

// Hooks observe a run: here a progress count and a summary.
func ExampleWithHooks() {
	_, _, pi := piGraph(8, 1000)
	var done atomic.Int32
	progress := sched.Hooks{
		TaskDone: func(e sched.TaskEvent) { done.Add(1) },
		RunDone: func(s sched.RunStats) {
			fmt.Printf("%d of %d tasks done, %d failed, at most %d results held\n", s.Done, s.Tasks, s.Failed, s.PeakLive)
		},
	}
	sched.Compute(context.Background(), pi, sched.Workers(1), sched.WithHooks(progress))
	fmt.Println(done.Load(), "TaskDone calls")
	// Output:
	// 9 of 9 tasks done, 0 failed, at most 9 results held
	// 9 TaskDone calls
}

// Limit caps a named resource: at most two "disk" tasks at once, however
// many workers.
func ExampleLimit() {
	var g graph.Graph
	var writing, most atomic.Int32
	save := func(n int) string {
		now := writing.Add(1)
		defer writing.Add(-1)
		for m := most.Load(); now > m && !most.CompareAndSwap(m, now); m = most.Load() {
		}
		return fmt.Sprintf("tile-%d.png", n)
	}
	files := make([]graph.Delayed[string], 10)
	for i := range files {
		files[i] = graph.Call(&g, "save", save, graph.Value(&g, "n", i), graph.Uses("disk", 1))
	}

	names, err := sched.ComputeAll(context.Background(), files, sched.Workers(8), sched.Limit("disk", 2))
	fmt.Println(len(names), names[9], err, most.Load() <= 2)
	// Output: 10 tile-9.png <nil> true
}

// A failing task's error names it and wraps the cause.
func ExampleTaskError() {
	var g graph.Graph
	errNotFound := errors.New("not found")
	x := graph.Value(&g, "path", "/data/tile-7.png")
	open := graph.CallCtx(&g, "open", func(_ context.Context, p string) ([]byte, error) {
		return nil, fmt.Errorf("open %s: %w", p, errNotFound)
	}, x)

	_, err := sched.Compute(context.Background(), open)
	var te *sched.TaskError
	if errors.As(err, &te) {
		fmt.Println("failed task:", te.Name, te.ID)
	}
	fmt.Println(errors.Is(err, errNotFound))
	fmt.Println(err)
	// Output:
	// failed task: open 1
	// true
	// task open#1: open /data/tile-7.png: not found
}

// A panicking task does not crash the program: it fails with a
// PanicError that keeps the panic's value and stack.
func ExamplePanicError() {
	var g graph.Graph
	xs := graph.Value(&g, "xs", []int{1, 2, 3})
	tenth := graph.Call(&g, "tenth", func(s []int) int { return s[9] }, xs)

	_, err := sched.Compute(context.Background(), tenth)
	var pe *sched.PanicError
	if errors.As(err, &pe) {
		fmt.Println(pe.Value)
		fmt.Println(len(pe.Stack) > 0)
	}
	// Output:
	// runtime error: index out of range [9] with length 3
	// true
}

// Persist computes a value once and turns it into a constant of the graph
// (Dask's persist): what is built on it later never computes it again.
func ExamplePersist() {
	var g graph.Graph
	var loads atomic.Int32
	raw := graph.Source(&g, "load", func(context.Context) ([]int, error) {
		loads.Add(1)
		return []int{4, 8, 15, 16, 23, 42}, nil
	})
	data, err := sched.Persist(context.Background(), raw)
	if err != nil {
		fmt.Println(err)
		return
	}
	total := graph.Call(&g, "total", func(xs []int) int { return xs[0] + xs[1] + xs[2] + xs[3] + xs[4] + xs[5] }, data)
	largest := graph.Call(&g, "largest", func(xs []int) int { return slices.Max(xs) }, data)

	vs, _ := sched.ComputeAll(context.Background(), []graph.Delayed[int]{total, largest})
	fmt.Println(vs, "loaded", loads.Load(), "time")
	// Output: [108 42] loaded 1 time
}

// PersistAll persists several values in one run that shares their common
// part.
func ExamplePersistAll() {
	_, counts, _ := piGraph(4, 1000)
	kept, err := sched.PersistAll(context.Background(), counts)
	first, _ := sched.Compute(context.Background(), kept[0]) // a constant now: nothing runs
	fmt.Println(len(kept), err, first, graph.KindValue == kept[3].Graph().Kind(kept[3].ID()))
	// Output: 4 <nil> 781 true
}
