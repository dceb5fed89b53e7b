package sched_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// The three workload shapes of the scheduler benchmarks, each built four
// ways: on taskgraph, as one goroutine per task waiting on channels (what Go
// users write by hand), as a hand-built serial graph (a slice of nodes run
// in order: the floor for "a graph of tasks"), and as a plain loop (the
// floor for the arithmetic alone).
//
//	go test ./sched -run '^$' -bench . -cpu 1,2 -count 5

const (
	wideN  = 100_000 // (a) independent tasks + one join
	chainN = 100_000 // (b) a chain
	treeK  = 17      // (c) a binary-tree reduction over 2^17 leaves
)

func inc(x int) int    { return x + 1 }
func add(x, y int) int { return x + y }
func sumAll(_ context.Context, xs []int) (int, error) {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s, nil
}

type shape struct {
	name  string
	tasks int
	build func() graph.Delayed[int]
	want  int
}

func shapes() []shape {
	return []shape{
		{"wide", wideN + 1, buildWide, wideN * 2},
		{"chain", chainN, buildChain, chainN},
		{"tree", 1<<treeK + 1<<treeK - 1, buildTree, 1 << treeK},
	}
}

func buildWide() graph.Delayed[int] {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	parts := make([]graph.Delayed[int], wideN)
	for i := range parts {
		parts[i] = graph.Call(&g, "inc", inc, x)
	}
	return graph.CallSlice(&g, "sum", sumAll, parts)
}

func buildChain() graph.Delayed[int] {
	var g graph.Graph
	d := graph.Value(&g, "zero", 0)
	for range chainN {
		d = graph.Call(&g, "inc", inc, d)
	}
	return d
}

func buildTree() graph.Delayed[int] {
	var g graph.Graph
	zero := graph.Value(&g, "zero", 0)
	level := make([]graph.Delayed[int], 1<<treeK)
	for i := range level {
		level[i] = graph.Call(&g, "leaf", inc, zero)
	}
	for len(level) > 1 {
		next := level[:len(level)/2]
		for i := range next {
			next[i] = graph.Call2(&g, "add", add, level[2*i], level[2*i+1])
		}
		level = next
	}
	return level[0]
}

// perTask reports time and allocations per task.
func perTask(b *testing.B, tasks int, body func()) {
	b.ReportAllocs()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	b.ResetTimer()
	// A b.N loop: with b.Loop, the first -cpu setting was seen here to run
	// at the machine's GOMAXPROCS, which skews the -cpu 1 figures.
	for range b.N {
		body()
	}
	b.StopTimer()
	runtime.ReadMemStats(&m1)
	n := float64(b.N) * float64(tasks)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/task")
	b.ReportMetric(float64(m1.Mallocs-m0.Mallocs)/n, "allocs/task")
}

func check(b *testing.B, got, want int, err error) {
	if err != nil || got != want {
		b.Fatalf("got %d, %v; want %d", got, err, want)
	}
}

func BenchmarkEngine(b *testing.B) {
	ctx := context.Background()
	for _, s := range shapes() {
		b.Run(s.name+"/build+run", func(b *testing.B) {
			perTask(b, s.tasks, func() {
				v, err := sched.Compute(ctx, s.build())
				check(b, v, s.want, err)
			})
		})
		b.Run(s.name+"/run-only", func(b *testing.B) {
			d := s.build()
			v, err := sched.Compute(ctx, d) // plan once, as a re-run would
			check(b, v, s.want, err)
			perTask(b, s.tasks, func() {
				v, err := sched.Compute(ctx, d)
				check(b, v, s.want, err)
			})
		})
	}
}

// Building alone and planning alone: the two parts of build+run that a
// re-run skips.
//
//	go test ./sched -run '^$' -bench 'Build|Plan' -count 5
func BenchmarkBuild(b *testing.B) {
	for _, s := range shapes() {
		b.Run(s.name, func(b *testing.B) {
			perTask(b, s.tasks, func() { s.build() })
		})
	}
}

func BenchmarkPlan(b *testing.B) {
	for _, s := range shapes() {
		b.Run(s.name, func(b *testing.B) {
			d := s.build()
			perTask(b, s.tasks, func() {
				n, err := sched.PlanOnly(d.Graph(), int32(d.ID()))
				if err != nil || n != s.tasks {
					b.Fatalf("%d tasks planned, %v; want %d", n, err, s.tasks)
				}
			})
		})
	}
}

// A hand-written graph: nodes with dependency lists, run by a plain loop
// in creation order (which is topological). What a careful Go user would
// write for one graph, with no scheduler at all.
type handNode struct {
	deps []*handNode
	fn   func(args []int) int
	val  int
}

func handWide() []*handNode {
	x := &handNode{val: 1}
	nodes := make([]*handNode, 0, wideN+1)
	parts := make([]*handNode, wideN)
	for i := range parts {
		parts[i] = &handNode{deps: []*handNode{x}, fn: func(a []int) int { return inc(a[0]) }}
		nodes = append(nodes, parts[i])
	}
	sum := &handNode{deps: parts, fn: func(a []int) int { s, _ := sumAll(nil, a); return s }}
	return append(nodes, sum)
}

func handChain() []*handNode {
	d := &handNode{}
	nodes := make([]*handNode, 0, chainN)
	for range chainN {
		d = &handNode{deps: []*handNode{d}, fn: func(a []int) int { return inc(a[0]) }}
		nodes = append(nodes, d)
	}
	return nodes
}

func handTree() []*handNode {
	zero := &handNode{}
	nodes := make([]*handNode, 0, 1<<(treeK+1))
	level := make([]*handNode, 1<<treeK)
	for i := range level {
		level[i] = &handNode{deps: []*handNode{zero}, fn: func(a []int) int { return inc(a[0]) }}
		nodes = append(nodes, level[i])
	}
	for len(level) > 1 {
		next := level[:len(level)/2]
		for i := range next {
			next[i] = &handNode{deps: []*handNode{level[2*i], level[2*i+1]}, fn: func(a []int) int { return add(a[0], a[1]) }}
			nodes = append(nodes, next[i])
		}
		level = next
	}
	return nodes
}

func handRun(nodes []*handNode) int {
	var args []int
	for _, n := range nodes {
		args = args[:0]
		for _, d := range n.deps {
			args = append(args, d.val)
		}
		n.val = n.fn(args)
	}
	return nodes[len(nodes)-1].val
}

// One goroutine per task, each waiting on its dependencies' done channels,
// joined with errgroup.
func goroutineRun(nodes []*handNode) int {
	done := make(map[*handNode]chan struct{}, len(nodes))
	for _, n := range nodes {
		done[n] = make(chan struct{})
	}
	var eg errgroup.Group
	for _, n := range nodes {
		eg.Go(func() error {
			args := make([]int, len(n.deps))
			for i, d := range n.deps {
				if c, ok := done[d]; ok {
					<-c
				}
				args[i] = d.val
			}
			n.val = n.fn(args)
			close(done[n])
			return nil
		})
	}
	_ = eg.Wait()
	return nodes[len(nodes)-1].val
}

// hand builds each shape as a hand-written graph.
var hand = map[string]func() []*handNode{"wide": handWide, "chain": handChain, "tree": handTree}

func BenchmarkBaseline(b *testing.B) {
	loops := map[string]func() int{
		"wide": func() int {
			parts := make([]int, wideN)
			for i := range parts {
				parts[i] = inc(1)
			}
			s, _ := sumAll(nil, parts)
			return s
		},
		"chain": func() int {
			v := 0
			for range chainN {
				v = inc(v)
			}
			return v
		},
		"tree": func() int {
			level := make([]int, 1<<treeK)
			for i := range level {
				level[i] = inc(0)
			}
			for len(level) > 1 {
				for i := range len(level) / 2 {
					level[i] = add(level[2*i], level[2*i+1])
				}
				level = level[:len(level)/2]
			}
			return level[0]
		},
	}
	for _, s := range shapes() {
		b.Run(s.name+"/loop", func(b *testing.B) {
			perTask(b, s.tasks, func() { check(b, loops[s.name](), s.want, nil) })
		})
		b.Run(s.name+"/serial-graph", func(b *testing.B) {
			perTask(b, s.tasks, func() { check(b, handRun(hand[s.name]()), s.want, nil) })
		})
		b.Run(s.name+"/serial-graph-run-only", func(b *testing.B) {
			nodes := hand[s.name]() // built once: the floor for run-only
			perTask(b, s.tasks, func() { check(b, handRun(nodes), s.want, nil) })
		})
		b.Run(s.name+"/goroutines", func(b *testing.B) {
			perTask(b, s.tasks, func() { check(b, goroutineRun(hand[s.name]()), s.want, nil) })
		})
	}
}

// BenchmarkPaired times taskgraph's build+run and the hand-built serial
// graph of the same shape back to back in every iteration, and reports the
// median of each and the ratio of the medians: the figure the "within 2×
// of the serial floor" target is about. The machine is shared and its load
// drifts within seconds, so Engine and Baseline, run minutes apart, were
// seen to give ratios from 1.5× to 2.3× for the same code; within a pair
// the drift mostly cancels. A collection before each half starts both
// from the same heap, so that neither pays for the other's garbage.
//
//	go test ./sched -run '^$' -bench Paired -cpu 2 -count 5
func BenchmarkPaired(b *testing.B) {
	ctx := context.Background()
	for _, s := range shapes() {
		b.Run(s.name, func(b *testing.B) {
			engine := make([]time.Duration, 0, b.N)
			floor := make([]time.Duration, 0, b.N)
			for range b.N {
				runtime.GC()
				t0 := time.Now()
				v, err := sched.Compute(ctx, s.build())
				t1 := time.Now()
				check(b, v, s.want, err)
				runtime.GC()
				t2 := time.Now()
				v = handRun(hand[s.name]())
				t3 := time.Now()
				check(b, v, s.want, nil)
				engine, floor = append(engine, t1.Sub(t0)), append(floor, t3.Sub(t2))
			}
			e, f := median(engine), median(floor)
			b.ReportMetric(float64(e.Nanoseconds())/float64(s.tasks), "engine-ns/task")
			b.ReportMetric(float64(f.Nanoseconds())/float64(s.tasks), "floor-ns/task")
			b.ReportMetric(float64(e)/float64(f), "ratio")
		})
	}
}

func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// Cost per task must not grow with the graph: (a) from 10^3 to 10^6 tasks.
func BenchmarkScaling(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1_000, 10_000, 100_000, 1_000_000} {
		build := func() graph.Delayed[int] {
			var g graph.Graph
			x := graph.Value(&g, "x", 1)
			parts := make([]graph.Delayed[int], n)
			for i := range parts {
				parts[i] = graph.Call(&g, "inc", inc, x)
			}
			return graph.CallSlice(&g, "sum", sumAll, parts)
		}
		b.Run(fmt.Sprintf("wide=%d/build+run", n), func(b *testing.B) {
			perTask(b, n+1, func() {
				v, err := sched.Compute(ctx, build())
				check(b, v, 2*n, err)
			})
		})
		b.Run(fmt.Sprintf("wide=%d/run-only", n), func(b *testing.B) {
			d := build()
			perTask(b, n+1, func() {
				v, err := sched.Compute(ctx, d)
				check(b, v, 2*n, err)
			})
		})
	}
}

// A run that finds its graph's own tasks busy runs private copies of them
// (what a run owning its results would always do): this is what that
// costs against a re-run on the graph's own tasks, shape by shape.
//
//	go test ./sched -run '^$' -bench 'Copies' -cpu 1,2 -count 5
func BenchmarkCopies(b *testing.B) {
	ctx := context.Background()
	for _, s := range shapes() {
		b.Run(s.name+"/own", func(b *testing.B) {
			d := s.build()
			v, err := sched.Compute(ctx, d)
			check(b, v, s.want, err)
			perTask(b, s.tasks, func() {
				v, err := sched.Compute(ctx, d)
				check(b, v, s.want, err)
			})
		})
		b.Run(s.name+"/copies", func(b *testing.B) {
			d := s.build()
			v, err := sched.Compute(ctx, d)
			check(b, v, s.want, err)
			release := sched.HoldCells(d.Graph())
			defer release()
			perTask(b, s.tasks, func() {
				v, err := sched.Compute(ctx, d)
				check(b, v, s.want, err)
			})
		})
	}
}
