package bag_test

import (
	"context"
	"iter"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// Each workload is measured as a bag pipeline and as the single-goroutine
// loop a Go programmer would write for it, in the same run. Workers follow
// -cpu (the scheduler's default is GOMAXPROCS):
//
//	go test ./bag -run '^$' -bench . -cpu 1,2 -count 5
//
// ns/elem is the time per input element; compare a bag line with the loop
// line of the same -cpu.
//
// The README's benchmark table gives the latest figures and the targets.
// The func-value loops ("funcs-1g", "funcs-2g") are the floor for Map,
// Filter and Sum: two indirect calls per element cost more than the plain
// loop's whole body. "allocs/elem" and "B/elem" count the bag run's own
// allocations (allocs/op and B/op include the paired loop's).
//
// The loops are `for range b.N`, not b.Loop: with b.Loop the whole first
// measurement of a -cpu list runs before the testing package sets
// GOMAXPROCS (golang/go#49980), so "-cpu 1,2" measured its first "1" with
// two procs.

const benchN = 10_000_000

var sinkInt int

func perElem(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/elem")
}

// paired runs the bag computation and, before each run with the timer
// stopped, the loop it is compared with. This machine's speed drifts by
// tens of percent from minute to minute (other tenants), so besides each
// one's ns/elem it reports their ratio over the same moments: "x-loop" is
// the bag's throughput over the loop's (above 1, the bag is faster).
func paired(b *testing.B, n int, loop, bagRun func()) {
	b.ReportAllocs()
	var loopTime time.Duration
	var ms runtime.MemStats
	var mallocs, bytes uint64
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		runtime.GC() // neither run pays for the other's garbage
		start := time.Now()
		loop()
		loopTime += time.Since(start)
		runtime.ReadMemStats(&ms)
		m0, b0 := ms.Mallocs, ms.TotalAlloc
		b.StartTimer()
		bagRun()
		b.StopTimer()
		runtime.ReadMemStats(&ms)
		mallocs, bytes = mallocs+ms.Mallocs-m0, bytes+ms.TotalAlloc-b0
		b.StartTimer()
	}
	perElem(b, n)
	// The paired loop's own time, to compare with the loop measured
	// alone: they differ when the machine does.
	b.ReportMetric(float64(loopTime.Nanoseconds())/float64(b.N)/float64(n), "loop-ns/elem")
	b.ReportMetric(float64(loopTime.Nanoseconds())/float64(b.Elapsed().Nanoseconds()), "x-loop")
	// The bag run's own allocations (allocs/op and B/op count the
	// loop's too), per input element.
	b.ReportMetric(float64(mallocs)/float64(b.N)/float64(n), "allocs/elem")
	b.ReportMetric(float64(bytes)/float64(b.N)/float64(n), "B/elem")
}

func square(x int) int { return x * x }
func even(x int) bool  { return x%2 == 0 }

// squareEven is map(square) and filter(even) as one MapBlocks kernel: the
// per-element work the compiler can inline.
func squareEven(dst, src []int) []int {
	for _, x := range src {
		if y := x * x; y%2 == 0 {
			dst = append(dst, y)
		}
	}
	return dst
}

// sumSquaresOfEvens is the whole pipeline as one FoldBlocks step.
func sumSquaresOfEvens(acc int, blk []int) int {
	for _, x := range blk {
		if y := x * x; y%2 == 0 {
			acc += y
		}
	}
	return acc
}

// plainLoop is the hand-written loop over [lo, hi): square and even are
// inlined.
func plainLoop(lo, hi int) int {
	s := 0
	for i := lo; i < hi; i++ {
		if x := square(i); even(x) {
			s += x
		}
	}
	return s
}

func plainLoopSlice(xs []int) int {
	s := 0
	for _, i := range xs {
		if x := square(i); even(x) {
			s += x
		}
	}
	return s
}

// funcLoop is the hand-written loop over [lo, hi) with the user's functions
// as func values, as any library taking func(T) U and func(T) bool per
// element must call them. It is not inlinable, so f and keep are not known
// at its call sites' compile time: two indirect calls per element.
//
//go:noinline
func funcLoop(lo, hi int, f func(int) int, keep func(int) bool) int {
	s := 0
	for i := lo; i < hi; i++ {
		if y := f(i); keep(y) {
			s += y
		}
	}
	return s
}

//go:noinline
func funcLoopSlice(xs []int, f func(int) int, keep func(int) bool) int {
	s := 0
	for _, x := range xs {
		if y := f(x); keep(y) {
			s += y
		}
	}
	return s
}

// foldStep is sumSquaresOfEvens through a variable: called as FoldBlocks
// calls it, not inlined.
var foldStep = sumSquaresOfEvens

// kernelLoop folds 0 … benchN-1 with foldStep a block at a time, from a
// filled block (fromRange) or from ints().
func kernelLoop(fromRange bool) int {
	acc := 0
	if !fromRange {
		xs := ints()
		for lo := 0; lo < len(xs); lo += 512 {
			acc = foldStep(acc, xs[lo:min(lo+512, len(xs))])
		}
		return acc
	}
	buf := make([]int, 512)
	for lo := 0; lo < benchN; lo += 512 {
		blk := buf[:min(512, benchN-lo)]
		for i := range blk {
			blk[i] = lo + i
		}
		acc = foldStep(acc, blk)
	}
	return acc
}

// onGoroutines runs part(i) for i in [0, k) on k goroutines and adds the
// results: the hand-written parallel loop.
func onGoroutines(k int, part func(i int) int) int {
	sums := make([]int, k)
	var wg sync.WaitGroup
	for i := range k {
		wg.Go(func() { sums[i] = part(i) })
	}
	wg.Wait()
	s := 0
	for _, v := range sums {
		s += v
	}
	return s
}

// ints is 0 … 10^7-1 in a slice (80 MB), for the benchmarks that read
// their input from memory.
var ints = sync.OnceValue(func() []int {
	xs := make([]int, benchN)
	for i := range xs {
		xs[i] = i
	}
	return xs
})

// BenchmarkMapFilterSum is map(square) → filter(even) → sum over the
// integers 0 … 10^7-1, made on the fly (range) or read from a slice, three
// ways: Map, Filter and Sum (an indirect call per element and stage); one
// MapBlocks kernel, then Sum; and one FoldBlocks step (the loop's body,
// run per block, partials summed in the tree).
//
// Besides the plain loop (square and even inlined), "loop-2g" is that
// loop split over two goroutines: what two cores of this machine give.
// "funcs-1g" and "funcs-2g" are the floor for any library that takes the
// user's functions per element: the same loop calling square and even as
// func values it cannot inline, on one goroutine and split over two.
// Their x-loop is against the plain single-goroutine loop, like the bag's.
func BenchmarkMapFilterSum(b *testing.B) {
	want := 0
	for i := range benchN {
		if x := square(i); even(x) {
			want += x
		}
	}
	check := func(b *testing.B, v int) {
		if v != want {
			b.Fatal(v, want)
		}
	}
	inputs := []struct {
		name string
		// plain and funcs are the loop over the i-th of k pieces of the
		// input, with square and even inlined and as func values.
		plain, funcs func(i, k int) int
		bag          func(g *graph.Graph) bag.Bag[int]
	}{
		{"range", func(i, k int) int {
			return plainLoop(i*benchN/k, (i+1)*benchN/k)
		}, func(i, k int) int {
			return funcLoop(i*benchN/k, (i+1)*benchN/k, square, even)
		}, func(g *graph.Graph) bag.Bag[int] { return bag.Range(g, 0, benchN) }},
		{"slice", func(i, k int) int {
			return plainLoopSlice(ints()[i*benchN/k : (i+1)*benchN/k])
		}, func(i, k int) int {
			return funcLoopSlice(ints()[i*benchN/k:(i+1)*benchN/k], square, even)
		}, func(g *graph.Graph) bag.Bag[int] { return bag.FromSlice(g, ints()) }},
	}
	for _, in := range inputs {
		loop := func(b *testing.B) { check(b, in.plain(0, 1)) }
		b.Run(in.name+"/loop", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				loop(b)
			}
			perElem(b, benchN)
		})
		b.Run(in.name+"/loop-2g", func(b *testing.B) {
			paired(b, benchN, func() { loop(b) }, func() {
				check(b, onGoroutines(2, func(i int) int { return in.plain(i, 2) }))
			})
		})
		for _, k := range []int{1, 2} {
			b.Run(in.name+"/funcs-"+itoa(k)+"g", func(b *testing.B) {
				paired(b, benchN, func() { loop(b) }, func() {
					check(b, onGoroutines(k, func(i int) int { return in.funcs(i, k) }))
				})
			})
		}
		// kernel-1g is FoldBlocks's floor: its step called per block of
		// 512 on one goroutine, with no bag (a range's blocks are filled
		// first, as the bag's source does).
		b.Run(in.name+"/kernel-1g", func(b *testing.B) {
			paired(b, benchN, func() { loop(b) }, func() {
				check(b, kernelLoop(in.name == "range"))
			})
		})
		run := func(b *testing.B, sum graph.Delayed[int]) {
			paired(b, benchN, func() { loop(b) }, func() {
				v, err := sched.Compute(context.Background(), sum)
				if err != nil {
					b.Fatal(err)
				}
				check(b, v)
			})
		}
		b.Run(in.name+"/bag", func(b *testing.B) {
			var g graph.Graph
			run(b, bag.Sum(bag.Filter(bag.Map(in.bag(&g), square), even)))
		})
		b.Run(in.name+"/bag-blocks", func(b *testing.B) {
			var g graph.Graph
			run(b, bag.Sum(bag.MapBlocks(in.bag(&g), squareEven)))
		})
		b.Run(in.name+"/bag-fold-blocks", func(b *testing.B) {
			var g graph.Graph
			run(b, bag.FoldBlocks(in.bag(&g), 0, sumSquaresOfEvens, addInts))
		})
	}
}

// mod1000 is the input of the frequencies benchmark: 10^7 ints mod 1000.
var mod1000 = sync.OnceValue(func() []int {
	xs := make([]int, benchN)
	for i := range xs {
		xs[i] = (i * 7919) % 1000
	}
	return xs
})

func frequencies(xs []int) map[int]int {
	m := make(map[int]int)
	for _, x := range xs {
		m[x]++
	}
	return m
}

// BenchmarkFrequencies counts 10^7 ints mod 1000.
func BenchmarkFrequencies(b *testing.B) {
	xs := mod1000()
	b.Run("loop", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			sinkInt = len(frequencies(xs))
		}
		perElem(b, benchN)
	})
	b.Run("bag", func(b *testing.B) {
		var g graph.Graph
		f := bag.Frequencies(bag.FromSlice(&g, xs))
		paired(b, benchN, func() { sinkInt = len(frequencies(xs)) }, func() {
			m, err := sched.Compute(context.Background(), f)
			if err != nil || len(m) != 1000 {
				b.Fatal(len(m), err)
			}
		})
	})
}

func key100(x int) int     { return x % 100 }
func add(a, x int) int     { return a + x }
func addInts(a, b int) int { return a + b }

func foldBy100(xs []int) map[int]int {
	m := make(map[int]int)
	for _, x := range xs {
		m[key100(x)] += x
	}
	return m
}

// BenchmarkFoldBy sums 10^7 ints by key x mod 100.
func BenchmarkFoldBy(b *testing.B) {
	xs := mod1000()
	b.Run("loop", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			sinkInt = len(foldBy100(xs))
		}
		perElem(b, benchN)
	})
	b.Run("bag", func(b *testing.B) {
		var g graph.Graph
		f := bag.FoldBy(bag.FromSlice(&g, xs), key100, 0, add, addInts)
		paired(b, benchN, func() { sinkInt = len(foldBy100(xs)) }, func() {
			m, err := sched.Compute(context.Background(), f)
			if err != nil || len(m) != 100 {
				b.Fatal(len(m), err)
			}
		})
	})
}

// naturals is an endless generator.
func naturals(yield func(int) bool) {
	for i := 0; ; i++ {
		if !yield(i) {
			return
		}
	}
}

// BenchmarkGenerator runs map → filter → sum over the first n elements of
// an endless generator and reports memory: the most live heap seen by the
// garbage collector during the runs (runtime/metrics' /gc/heap/live,
// sampled every millisecond) above what was live before them (the graph
// itself, which grows with the partition count, 32Ki elements each), and
// the most task results held at once (sched's PeakLive). Both stay nearly
// flat from 10^6 to 10^8 elements, where holding the elements would take
// 800 MB. (The total heap, garbage included, follows the collector's
// pacing, which scales with the graph's size, not the data's.)
func BenchmarkGenerator(b *testing.B) {
	for _, n := range []int{1e6, 1e8} {
		b.Run(itoa(n), func(b *testing.B) {
			runtime.GC()
			empty := heapNow()
			var g graph.Graph
			seq := iter.Seq[int](naturals)
			sum := bag.Sum(bag.Filter(bag.Map(bag.Take(bag.FromSeq(&g, seq), n), square), even))
			var peakLive atomic.Int64
			hooks := sched.WithHooks(sched.Hooks{RunDone: func(s sched.RunStats) {
				peakLive.Store(max(peakLive.Load(), int64(s.PeakLive)))
			}})
			b.ReportAllocs()
			runtime.GC()
			base := heapNow()
			stop := sampleHeap()
			b.ResetTimer()
			for range b.N {
				if _, err := sched.Compute(context.Background(), sum, hooks); err != nil {
					b.Fatal(err)
				}
			}
			peak := stop()
			perElem(b, n)
			b.ReportMetric(float64(peak-min(base, peak))/(1<<20), "live-heap-MiB")
			b.ReportMetric(float64(base-min(empty, base))/(1<<20), "graph-MiB")
			b.ReportMetric(float64(peakLive.Load()), "peak-live-results")
		})
	}
}

const liveHeap = "/gc/heap/live:bytes"

func heapNow() uint64 {
	s := []metrics.Sample{{Name: liveHeap}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// sampleHeap polls the live heap until the returned function is called,
// which returns the largest size seen.
func sampleHeap() func() uint64 {
	done := make(chan struct{})
	result := make(chan uint64)
	go func() {
		s := []metrics.Sample{{Name: liveHeap}}
		var peak uint64
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-done:
				result <- peak
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); return <-result }
}

func itoa(n int) string {
	switch n {
	case 1e6:
		return "1e6"
	case 1e8:
		return "1e8"
	case 1, 2:
		return string(rune('0' + n))
	}
	return "n"
}
