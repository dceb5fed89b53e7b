package bag_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

func negate(x int) int { return -x }

// goExecutor stands in for a cluster: it runs every hand-off on a
// goroutine of its own and counts them.
type goExecutor struct {
	wg     sync.WaitGroup
	mu     sync.Mutex
	names  []string
	handed atomic.Int64
}

func (e *goExecutor) Submit(ctx context.Context, h sched.Handoff, done func(sched.Report)) {
	e.handed.Add(1)
	e.mu.Lock()
	e.names = append(e.names, h.Name)
	e.mu.Unlock()
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		done(sched.Report{Err: h.Task.Run(ctx), Worker: "test/1"})
	}()
}

// remoteResults is what TestRemoteProperties computes from one bag: three
// consumers of one mapped and filtered bag (so its stages are shared), a
// shuffle, a Zip and a Repartition.
type remoteResults struct {
	sum     int
	count   int
	freq    map[int]int
	groups  map[int][]int
	zipped  []bag.Pair[int, int]
	repart  []int
	scan    []int
	first   []int
	joined  int
	mapped3 []int
}

// remoteSources are the sources of buildRemote: each makes the bag of xs
// in about parts partitions.
var remoteSources = map[string]func(g *graph.Graph, xs []int, parts int, opts ...bag.Option) bag.Bag[int]{
	"slice": func(g *graph.Graph, xs []int, parts int, opts ...bag.Option) bag.Bag[int] {
		return bag.FromSlice(g, xs, append(opts, bag.Partitions(parts))...)
	},
	"range": func(g *graph.Graph, xs []int, parts int, opts ...bag.Option) bag.Bag[int] {
		return bag.Range(g, 0, len(xs), append(opts, bag.Partitions(parts))...)
	},
	"seq": func(g *graph.Graph, xs []int, parts int, opts ...bag.Option) bag.Bag[int] {
		size := max(1, (len(xs)+parts-1)/parts)
		return bag.Take(bag.FromSeq(g, slices.Values(xs), append(opts, bag.PartitionSize(size))...), len(xs))
	},
	"delayed": func(g *graph.Graph, xs []int, parts int, opts ...bag.Option) bag.Bag[int] {
		ds := make([]graph.Delayed[[]int], parts)
		for i := range ds {
			ds[i] = graph.Value(g, "delayed-part", xs[i*len(xs)/parts:(i+1)*len(xs)/parts])
		}
		return bag.FromDelayedSlice(g, ds, opts...)
	},
}

func buildRemote(g *graph.Graph, xs []int, parts int, source string, opts ...bag.Option) (func(context.Context, ...sched.Option) (remoteResults, error), error) {
	src := remoteSources[source](g, xs, parts, opts...)
	b := bag.Filter(bag.Map(src, affine), notThird)
	sum, count, freq := bag.Sum(b), bag.Count(b), bag.Frequencies(b)
	groups := bag.Collect(bag.Groups(b, func(x int) int { return x % 5 }, bag.SplitOut(3)))
	zipped := bag.Collect(bag.Zip(src, bag.Map(src, affine)))
	repart := bag.Collect(bag.Repartition(b, parts+2))
	scan := bag.Collect(bag.Map(bag.Accumulate(b, 0, func(a, v int) int { return a + v }), negate))
	first := bag.Collect(bag.Take(b, 7))
	joined := bag.Count(bag.JoinBag(b, src, func(x int) int { return x % 4 }, func(x int) int { return x % 4 }))
	mapped3 := bag.Collect(bag.Map3(src, bag.Map(src, affine), src, func(x, y, z int) int { return x + y - z }))
	if err := b.Err(); err != nil {
		return nil, err
	}
	return func(ctx context.Context, so ...sched.Option) (remoteResults, error) {
		var r remoteResults
		var gs []bag.Pair[int, []int]
		vs, err := sched.ComputeAll(ctx, []graph.Delayed[any]{
			graph.Call(g, "box", func(v int) any { return v }, sum),
			graph.Call(g, "box", func(v int) any { return v }, count),
			graph.Call(g, "box", func(v map[int]int) any { return v }, freq),
			graph.Call(g, "box", func(v []bag.Pair[int, []int]) any { return v }, groups),
			graph.Call(g, "box", func(v []bag.Pair[int, int]) any { return v }, zipped),
			graph.Call(g, "box", func(v []int) any { return v }, repart),
			graph.Call(g, "box", func(v []int) any { return v }, scan),
			graph.Call(g, "box", func(v []int) any { return v }, first),
			graph.Call(g, "box", func(v int) any { return v }, joined),
			graph.Call(g, "box", func(v []int) any { return v }, mapped3),
		}, so...)
		if err != nil {
			return r, err
		}
		r.sum, r.count, r.freq = vs[0].(int), vs[1].(int), vs[2].(map[int]int)
		gs, r.zipped, r.repart = vs[3].([]bag.Pair[int, []int]), vs[4].([]bag.Pair[int, int]), vs[5].([]int)
		r.scan, r.first = vs[6].([]int), vs[7].([]int)
		r.joined, r.mapped3 = vs[8].(int), vs[9].([]int)
		r.groups = map[int][]int{}
		for _, p := range gs {
			r.groups[p.First] = p.Second
		}
		return r, nil
	}, nil
}

func refRemote(xs []int) remoteResults {
	r := remoteResults{freq: map[int]int{}, groups: map[int][]int{}, zipped: []bag.Pair[int, int]{}}
	kept := refFilter(refMap(xs, affine), notThird)
	for _, v := range kept {
		r.sum += v
		r.count++
		r.freq[v]++
		r.groups[v%5] = append(r.groups[v%5], v)
	}
	for _, x := range xs {
		r.zipped = append(r.zipped, bag.Pair[int, int]{First: x, Second: affine(x)})
	}
	r.repart = kept
	r.scan = []int{}
	acc := 0
	for _, v := range kept {
		acc += v
		r.scan = append(r.scan, -acc)
	}
	r.first = kept[:min(7, len(kept))]
	r.mapped3 = refMap(xs, affine)
	for _, v := range kept {
		for _, x := range xs {
			if v%4 == x%4 {
				r.joined++
			}
		}
	}
	return r
}

// localTasks are the tasks of buildRemote's graph that do not run a
// partition's stages: constants, the given Delayed partitions, the
// cutting of a sequence, the combining levels of the reductions, the
// concatenations of Collect and the typed views of partitions.
var localTasks = map[string]bool{
	"from-slice": true, "delayed-part": true, "from-seq": true, "from-seq-chunk": true,
	"partition": true, "kept": true, "collect": true, "collect-combine": true,
	"sum": true, "count": true, "frequencies": true, "sum-combine": true, "count-combine": true, "frequencies-combine": true,
}

func sameRemote(t *rapid.T, what string, got, want remoteResults) {
	if got.sum != want.sum || got.count != want.count || !maps.Equal(got.freq, want.freq) ||
		!maps.EqualFunc(got.groups, want.groups, slices.Equal) ||
		!slices.Equal(got.zipped, want.zipped) || !slices.Equal(got.repart, want.repart) ||
		!slices.Equal(got.scan, want.scan) || !slices.Equal(got.first, want.first) ||
		got.joined != want.joined || !equalOrEmpty(got.mapped3, want.mapped3) {
		t.Fatalf("%s: got %+v, want %+v", what, got, want)
	}
}

// With Remote, every task running a partition's stages is marked
// graph.Remote and the tasks combining partial results are not; a run
// that hands the marked tasks to an executor gives the serial results.
func TestRemoteProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 300).Draw(t, "n")
		xs := make([]int, n)
		for i := range xs {
			xs[i] = i // Range's elements, so both sources agree
		}
		parts := rapid.IntRange(1, 9).Draw(t, "parts")
		source := rapid.SampledFrom(slices.Sorted(maps.Keys(remoteSources))).Draw(t, "source")
		want := refRemote(xs)

		var g graph.Graph
		run, err := buildRemote(&g, xs, parts, source, bag.Remote())
		if err != nil {
			t.Fatal(err)
		}
		parts = remoteSources[source](&graph.Graph{}, xs, parts).NumPartitions()
		x := graph.ExecutableOf(&g)
		marked := 0
		for id := range x.Len() {
			o, _ := x.Options(id)
			name := x.Name(id)
			// A bag of no partitions (Take(seq, 0)) has none to carry the
			// mark to the tasks made from it (a shuffle's outputs).
			if want := !localTasks[name] && parts > 0; o.Remote != want {
				t.Fatalf("task %s: Remote is %v", name, o.Remote)
			}
			if o.Remote {
				marked++
			}
		}
		if marked < parts {
			t.Fatalf("%d tasks marked Remote for %d partitions", marked, parts)
		}
		for _, w := range []int{1, 3} {
			exec := &goExecutor{}
			got, err := run(context.Background(), sched.Workers(w), sched.WithExecutor(exec))
			exec.wg.Wait()
			if err != nil {
				t.Fatalf("workers %d: %v", w, err)
			}
			sameRemote(t, fmt.Sprintf("workers %d, executor", w), got, want)
			if h := exec.handed.Load(); h != int64(marked) {
				t.Fatalf("workers %d: %d hand-offs for %d marked tasks (%v)", w, h, marked, exec.names)
			}
			got, err = run(context.Background(), sched.Workers(w)) // no executor: all local
			if err != nil {
				t.Fatalf("workers %d: %v", w, err)
			}
			sameRemote(t, fmt.Sprintf("workers %d, local", w), got, want)
		}
	})
}

// Without the option no task is marked.
func TestNotRemoteByDefault(t *testing.T) {
	for source := range remoteSources {
		var g graph.Graph
		if _, err := buildRemote(&g, make([]int, 50), 4, source); err != nil {
			t.Fatal(err)
		}
		x := graph.ExecutableOf(&g)
		for id := range x.Len() {
			if o, _ := x.Options(id); o.Remote {
				t.Fatalf("%s: task %s is Remote without the option", source, x.Name(id))
			}
		}
	}
}

// ReadText marks its partitions too.
func TestRemoteReadText(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.txt")
	writeFile(t, path, "1\n2\n3\n4\n")
	var g graph.Graph
	lines := bag.ReadText(&g, []string{path}, bag.Remote())
	n := bag.Count(bag.Map(lines, strings.TrimSpace))
	exec := &goExecutor{}
	v, err := sched.Compute(context.Background(), n, sched.WithExecutor(exec))
	exec.wg.Wait()
	if v != 4 || err != nil || exec.handed.Load() != 1 {
		t.Fatalf("count %d, err %v, %d hand-offs (%v)", v, err, exec.handed.Load(), exec.names)
	}
}

// Partitions computed by hand-built tasks, whose stages may run in other
// processes: with an executor attached to the run (here none, so they run
// in the run's own pool), the squaring and the partial sums are handed to
// it, and each receives its partition as its argument.
func ExampleFromDelayedSlice() {
	var g graph.Graph
	parts := []graph.Delayed[[]int]{
		graph.Value(&g, "first", []int{1, 2, 3}),
		graph.Value(&g, "second", []int{4, 5}),
	}
	b := bag.FromDelayedSlice(&g, parts, bag.Remote())
	squares := bag.Sum(bag.Map(b, func(x int) int { return x * x }))
	v, _ := sched.Compute(context.Background(), squares)
	fmt.Println(v)
	// Output: 55
}

// The task that streams a whole sequence (a Take after a Filter) iterates
// it, so it stays local under Remote; FromDelayedSlice reports a bad
// option like the other sources.
func TestRemoteSeqStreamAndOptions(t *testing.T) {
	var g graph.Graph
	seq := bag.FromSeq(&g, slices.Values([]int{1, 2, 3, 4, 5, 6}), bag.Remote())
	sum := bag.Sum(bag.Take(bag.Filter(seq, func(x int) bool { return x%2 == 0 }), 2))
	x := graph.ExecutableOf(&g)
	for id := range x.Len() {
		if o, _ := x.Options(id); o.Remote {
			t.Fatalf("task %s is Remote", x.Name(id))
		}
	}
	exec := &goExecutor{}
	v, err := sched.Compute(context.Background(), sum, sched.WithExecutor(exec))
	exec.wg.Wait()
	if v != 6 || err != nil || exec.handed.Load() != 0 {
		t.Fatalf("sum %d, err %v, %d hand-offs", v, err, exec.handed.Load())
	}

	b := bag.FromDelayedSlice(&g, []graph.Delayed[[]int]{graph.Value(&g, "p", []int{1})}, bag.SplitEvery(1))
	if !errors.Is(b.Err(), bag.ErrInvalid) {
		t.Fatalf("err %v", b.Err())
	}
}
