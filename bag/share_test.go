package bag_test

import (
	"cmp"
	"maps"
	"runtime"
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

// results is what the consumers of one shared bag compute, in one run.
type results struct {
	sum      int
	evens    int
	freqs    map[int]int
	top      []int
	taken    []int
	filtered []int
}

// TestSharedStagesRunOnce: several consumers of one mapped bag, computed in
// one run, call the map's function once per element in all, and get what
// a serial computation gets (#17). Consumers include a Filter right after
// the Map (fused into the map's loop when alone), a Take (which stops
// reading early) and a whole-partition stage (Collect).
func TestSharedStagesRunOnce(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xs := rapid.SliceOfN(rapid.IntRange(-50, 50), 0, 2000).Draw(t, "xs")
		p := rapid.IntRange(1, 20).Draw(t, "partitions")
		k := rapid.IntRange(0, 30).Draw(t, "take")
		w := rapid.SampledFrom([]int{1, 3}).Draw(t, "workers")
		consumers := rapid.SliceOfNDistinct(rapid.IntRange(0, 5), 2, 6, rapid.ID[int]).Draw(t, "consumers")

		var calls atomic.Int64
		var g graph.Graph
		parsed := bag.Map(bag.FromSlice(&g, xs, bag.Partitions(p)), func(x int) int {
			calls.Add(1)
			return 2*x + 1
		})
		ref := refMap(xs, func(x int) int { return 2*x + 1 })

		var want, got results
		var targets []graph.Delayed[any]
		var sets []func(any)
		add := func(d graph.Delayed[any], set func(any)) { targets = append(targets, d); sets = append(sets, set) }
		for _, c := range consumers {
			switch c {
			case 0:
				add(box(bag.Sum(parsed)), func(v any) { got.sum = v.(int) })
				want.sum = sumInts(ref)
			case 1:
				add(box(bag.Count(bag.Filter(parsed, func(x int) bool { return x%4 == 1 }))), func(v any) { got.evens = v.(int) })
				want.evens = len(refFilter(ref, func(x int) bool { return x%4 == 1 }))
			case 2:
				add(box(bag.Frequencies(parsed)), func(v any) { got.freqs = v.(map[int]int) })
				want.freqs = map[int]int{}
				for _, x := range ref {
					want.freqs[x]++
				}
			case 3:
				add(box(bag.TopK(parsed, 3, cmp.Compare[int])), func(v any) { got.top = v.([]int) })
				s := slices.Clone(ref)
				slices.SortStableFunc(s, func(a, b int) int { return cmp.Compare(b, a) })
				want.top = s[:min(3, len(s))]
			case 4:
				add(box(bag.Collect(bag.Take(parsed, k))), func(v any) { got.taken = v.([]int) })
				want.taken = ref[:min(k, len(ref))]
			case 5:
				add(box(bag.Collect(bag.Filter(parsed, func(x int) bool { return x > 0 }))), func(v any) { got.filtered = v.([]int) })
				want.filtered = refFilter(ref, func(x int) bool { return x > 0 })
			}
		}
		vs, err := sched.ComputeAll(ctx, targets, sched.Workers(w))
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range vs {
			sets[i](v)
		}
		if n := calls.Load(); n != int64(len(xs)) {
			t.Fatalf("the map ran %d times for %d elements", n, len(xs))
		}
		if got.sum != want.sum || got.evens != want.evens || !maps.Equal(got.freqs, want.freqs) ||
			!slices.Equal(got.top, want.top) || !equalOrEmpty(got.taken, want.taken) || !equalOrEmpty(got.filtered, want.filtered) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
	})
}

func box[T any](d graph.Delayed[T]) graph.Delayed[any] {
	return graph.Call(d.Graph(), "box", func(v T) any { return v }, d)
}

func sumInts(xs []int) int {
	s := 0
	for _, x := range xs {
		s += x
	}
	return s
}

func equalOrEmpty(a, b []int) bool { return len(a) == 0 && len(b) == 0 || slices.Equal(a, b) }

// TestSharedStageShownOnce: the shared stages are in one task per
// partition (the first consumer's); the others read from it, so the
// graph, and its DOT, names the map once per partition.
func TestSharedStageShownOnce(t *testing.T) {
	var g graph.Graph
	parsed := bag.Map(bag.Range(&g, 0, 100, bag.Partitions(4)), func(x int) int { return x + 1 })
	bag.Sum(parsed)
	bag.Frequencies(parsed)
	bag.Count(bag.Filter(parsed, func(x int) bool { return x%2 == 0 }))
	maps, shared := 0, 0
	for i := range g.Len() {
		name := g.Name(i)
		if strings.Contains(name, "map") {
			maps++
		}
		if strings.HasPrefix(name, "shared|") {
			shared++
		}
	}
	if maps != 4 || shared != 8 {
		t.Fatalf("%d tasks name the map, %d read it shared; want 4 and 8", maps, shared)
	}
}

// TestSharedStagesSingleConsumerStreams: with one consumer, nothing is
// kept: the consumer's task is the fused one.
func TestSharedStagesSingleConsumerStreams(t *testing.T) {
	var g graph.Graph
	var calls atomic.Int64
	b := bag.Map(bag.Range(&g, 0, 1000, bag.Partitions(2)), func(x int) int { calls.Add(1); return x })
	s, err := sched.Compute(ctx, bag.Sum(b))
	if err != nil || s != 999*1000/2 || calls.Load() != 1000 {
		t.Fatal(s, err, calls.Load())
	}
	for i := range g.Len() {
		if strings.HasPrefix(g.Name(i), "shared|") {
			t.Fatal("a shared reader with a single consumer:", g.Name(i))
		}
	}
}

// TestSharedStagesReleased: the partitions kept for other consumers are
// released as those consumers finish, so a run holds a few of them at a
// time, not the whole bag: the live heap, measured after a collection at
// the end of every task, stays far below the bag's size.
func TestSharedStagesReleased(t *testing.T) {
	const parts, size = 128, 16 << 10 // 16 MiB of ints in all
	for _, w := range []int{1, 2} {
		var g graph.Graph
		b := bag.Map(bag.Range(&g, 0, parts*size, bag.Partitions(parts)), square)
		both := graph.Call2(&g, "both", func(s, n int) int { return s + n }, bag.Sum(b), bag.Count(b))
		var mu sync.Mutex
		var base, peak uint64
		measure := func() uint64 {
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			return m.HeapAlloc
		}
		base = measure()
		_, err := sched.Compute(ctx, both, sched.Workers(w), sched.WithHooks(sched.Hooks{TaskDone: func(sched.TaskEvent) {
			mu.Lock()
			defer mu.Unlock()
			peak = max(peak, measure())
		}}))
		if err != nil {
			t.Fatal(err)
		}
		grown := int64(peak) - int64(base)
		t.Logf("%d workers: live heap grew by %d KiB at most (the bag is %d KiB)", w, grown>>10, parts*size*8>>10)
		if grown > parts*size*8/4 {
			t.Errorf("%d workers: the live heap grew by %d KiB: kept partitions are not released", w, grown>>10)
		}
	}
}

// TestIterBoundedMemory: iterating over a bag holds a few partitions at a
// time, not the bag: the live heap, sampled after a collection while the
// loop runs, stays far below the bag's size (#17).
func TestIterBoundedMemory(t *testing.T) {
	const parts, size = 512, 8 << 10 // 32 MiB of ints in all
	for _, w := range []int{1, 2} {
		var g graph.Graph
		b := bag.Map(bag.Range(&g, 0, parts*size, bag.Partitions(parts)), func(x int) int { return x })
		heap := func() uint64 {
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			return m.HeapAlloc
		}
		base, peak := heap(), uint64(0)
		n := 0
		for x, err := range bag.Iter(ctx, b, sched.Workers(w)) {
			if err != nil || x != n {
				t.Fatal(x, n, err)
			}
			n++
			if n%(32*size) == 0 {
				peak = max(peak, heap())
			}
		}
		if n != parts*size {
			t.Fatal(n)
		}
		grown := int64(peak) - int64(base)
		t.Logf("%d workers: live heap grew by %d KiB at most while iterating (the bag is %d KiB)", w, grown>>10, parts*size*8>>10)
		if grown > parts*size*8/4 {
			t.Errorf("%d workers: the live heap grew by %d KiB: Iter keeps partitions", w, grown>>10)
		}
	}
}

// TestHugePartitionsAreNotKept: a partition too large to keep (here a
// range of 2Mi integers) is not shared: each consumer streams it, and the
// run holds no partition.
func TestHugePartitionsAreNotKept(t *testing.T) {
	var g graph.Graph
	var calls atomic.Int64
	b := bag.Map(bag.Range(&g, 0, 1<<23, bag.Partitions(4)), func(x int) int { calls.Add(1); return x & 1 })
	both := graph.Call2(&g, "both", func(s, n int) int { return s*10 + n }, bag.Sum(b), bag.Count(b))
	for i := range g.Len() {
		if strings.HasPrefix(g.Name(i), "shared|") {
			t.Fatal("a huge partition is shared:", g.Name(i))
		}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	v, err := sched.Compute(ctx, both, sched.Workers(2))
	runtime.ReadMemStats(&after)
	if err != nil || v != (1<<22)*10+1<<23 || calls.Load() != 2<<23 {
		t.Fatal(v, err, calls.Load())
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Fatalf("the run allocated %d MiB", alloc>>20)
	}
}
