package bag_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

var ctx = context.Background()

// The workshop's dask.bag exercise: squares of the even numbers below a
// million, summed. The bag is 128 partitions; each is one task running
// range, map, filter and the partial sum in one pass.
func Example() {
	var g graph.Graph
	nums := bag.Range(&g, 0, 1_000_000)
	squares := bag.Map(nums, func(x int) int { return x * x })
	even := bag.Filter(squares, func(x int) bool { return x%2 == 0 })
	sum := bag.Sum(even)

	v, err := sched.Compute(ctx, sum)
	fmt.Println(v, err)
	fmt.Println(nums.NumPartitions(), "partitions")
	// Output:
	// 166666166667000000 <nil>
	// 128 partitions
}

func ExampleFromSlice() {
	var g graph.Graph
	b := bag.FromSlice(&g, []string{"a", "b", "c", "d", "e"}, bag.Partitions(2))
	xs, _ := bag.ToSlice(ctx, b)
	fmt.Println(xs, b.NumPartitions())
	// Output: [a b c d e] 2
}

func ExampleRange() {
	var g graph.Graph
	b := bag.Range(&g, 1, 101)
	total, _ := sched.Compute(ctx, bag.Sum(b))
	fmt.Println(total)
	// Output: 5050
}

// A value computed by a hand-built graph becomes a bag, and a bag's
// reduction feeds the graph again.
func ExampleFromDelayed() {
	var g graph.Graph
	load := func(name string) graph.Delayed[[]int] {
		return graph.Source(&g, "load", func(context.Context) ([]int, error) {
			return []int{len(name), 2 * len(name)}, nil
		})
	}
	b := bag.FromDelayed(&g, load("alpha"), load("be"))
	total := bag.Sum(b)
	report := graph.Call(&g, "report", func(n int) string { return "total " + strconv.Itoa(n) }, total)
	s, _ := sched.Compute(ctx, report)
	fmt.Println(s)
	// Output: total 21
}

// A generator, as in the workshop's Python: endless, so Take bounds it.
func ExampleFromSeq() {
	fib := func(yield func(int) bool) {
		for a, b := 0, 1; ; a, b = b, a+b {
			if !yield(a) {
				return
			}
		}
	}
	var g graph.Graph
	first := bag.Take(bag.FromSeq(&g, fib, bag.PartitionSize(4)), 12)
	xs, _ := bag.ToSlice(ctx, first)
	fmt.Println(xs, first.NumPartitions())
	// Output: [0 1 1 2 3 5 8 13 21 34 55 89] 3
}

func ExampleReadText() {
	dir, _ := os.MkdirTemp("", "bag")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "a.log"), []byte("GET /\nPOST /form\nGET /about\n"), 0o666)
	os.WriteFile(filepath.Join(dir, "b.log"), []byte("GET /\n"), 0o666)

	var g graph.Graph
	lines := bag.ReadText(&g, []string{filepath.Join(dir, "*.log")})
	gets := bag.Filter(lines, func(s string) bool { return strings.HasPrefix(s, "GET ") })
	n, err := sched.Compute(ctx, bag.Count(gets))
	fmt.Println(n, err)

	missing := bag.ReadText(&g, []string{filepath.Join(dir, "*.csv")})
	fmt.Println(errors.Is(missing.Err(), bag.ErrNoFiles))
	// Output:
	// 3 <nil>
	// true
}

func ExampleWriteText() {
	dir, _ := os.MkdirTemp("", "bag")
	defer os.RemoveAll(dir)

	var g graph.Graph
	b := bag.Map(bag.Range(&g, 0, 6, bag.Partitions(3)), strconv.Itoa)
	paths, _ := sched.Compute(ctx, bag.WriteText(b, filepath.Join(dir, "part-*.txt")))
	for _, p := range paths {
		data, _ := os.ReadFile(p)
		fmt.Printf("%s %q\n", filepath.Base(p), data)
	}
	// Output:
	// part-0.txt "0\n1\n"
	// part-1.txt "2\n3\n"
	// part-2.txt "4\n5\n"
}

func ExampleMap() {
	var g graph.Graph
	words := bag.FromSlice(&g, []string{"taskgraph", "bag", "go"})
	xs, _ := bag.ToSlice(ctx, bag.Map(words, func(s string) int { return len(s) }))
	fmt.Println(xs)
	// Output: [9 3 2]
}

// An error inside a stage names the stage and the partition.
func ExampleMapErr() {
	var g graph.Graph
	raw := bag.FromSlice(&g, []string{"1", "2", "three", "4"}, bag.Partitions(2))
	nums := bag.MapErr(raw, strconv.Atoi)
	_, err := sched.Compute(ctx, bag.Sum(nums))
	fmt.Println(err)
	fmt.Println(errors.Is(err, strconv.ErrSyntax))
	// Output:
	// task map|sum#3: bag: map, partition 1: strconv.Atoi: parsing "three": invalid syntax
	// true
}

func ExampleFilter() {
	var g graph.Graph
	odd := bag.Filter(bag.Range(&g, 0, 10), func(x int) bool { return x%2 == 1 })
	xs, _ := bag.ToSlice(ctx, odd)
	fmt.Println(xs)
	// Output: [1 3 5 7 9]
}

func ExampleRemove() {
	var g graph.Graph
	words := bag.FromSlice(&g, []string{"go", "", "bag", ""})
	xs, _ := bag.ToSlice(ctx, bag.Remove(words, func(s string) bool { return s == "" }))
	fmt.Println(xs)
	// Output: [go bag]
}

// Word count: lines become words with strings.FieldsSeq, then Frequencies.
func ExampleFlatMap() {
	var g graph.Graph
	lines := bag.FromSlice(&g, []string{"the quick fox", "the lazy dog", "the end"})
	words := bag.FlatMap(lines, strings.FieldsSeq)
	counts, _ := sched.Compute(ctx, bag.Frequencies(words))
	fmt.Println(counts)
	// Output: map[dog:1 end:1 fox:1 lazy:1 quick:1 the:3]
}

// MapPartitions sees a whole partition as a sequence: here, a running
// total that restarts in each partition.
func ExampleMapPartitions() {
	var g graph.Graph
	b := bag.Range(&g, 1, 7, bag.Partitions(2))
	running := bag.MapPartitions(b, func(xs iter.Seq[int]) iter.Seq[int] {
		return func(yield func(int) bool) {
			total := 0
			for x := range xs {
				total += x
				if !yield(total) {
					return
				}
			}
		}
	})
	xs, _ := bag.ToSlice(ctx, running)
	fmt.Println(xs)
	// Output: [1 3 6 4 9 15]
}

// A MapBlocks kernel is a plain loop the compiler optimises as a whole:
// map and filter in one.
func ExampleMapBlocks() {
	squaresOfEvens := func(dst, src []int) []int {
		for _, x := range src {
			if x%2 == 0 {
				dst = append(dst, x*x)
			}
		}
		return dst
	}
	var g graph.Graph
	xs, _ := bag.ToSlice(ctx, bag.MapBlocks(bag.Range(&g, 0, 10), squaresOfEvens))
	fmt.Println(xs)
	// Output: [0 4 16 36 64]
}

func ExamplePluck() {
	var g graph.Graph
	records := bag.FromSlice(&g, []map[string]any{
		{"name": "ada", "age": 36},
		{"name": "alan", "age": 41},
	})
	names, _ := bag.ToSlice(ctx, bag.Pluck(records, "name"))
	fmt.Println(names)
	// Output: [ada alan]
}

func ExampleFold() {
	var g graph.Graph
	words := bag.FromSlice(&g, []string{"fold", "is", "a", "tree"}, bag.Partitions(2))
	longest := bag.Fold(words, 0,
		func(n int, s string) int { return max(n, len(s)) }, // within a partition
		func(a, b int) int { return max(a, b) })             // across partitions
	n, _ := sched.Compute(ctx, longest)
	fmt.Println(n)
	// Output: 4
}

// FoldBlocks runs a whole pipeline as one loop per block: here, the sum of
// the squares of the even numbers below a million, as fast as a loop
// written by hand, on every core.
func ExampleFoldBlocks() {
	sumSquaresOfEvens := func(acc int, blk []int) int {
		for _, x := range blk {
			if x%2 == 0 {
				acc += x * x
			}
		}
		return acc
	}
	var g graph.Graph
	total := bag.FoldBlocks(bag.Range(&g, 0, 1_000_000), 0, sumSquaresOfEvens, func(a, b int) int { return a + b })
	v, _ := sched.Compute(ctx, total)
	fmt.Println(v)
	// Output: 166666166667000000
}

func ExampleReduce() {
	var g graph.Graph
	b := bag.FromSlice(&g, []string{"a", "b", "c", "d"}, bag.Partitions(3))
	s, _ := sched.Compute(ctx, bag.Reduce(b, func(x, y string) string { return x + y }))
	fmt.Println(s)

	_, err := sched.Compute(ctx, bag.Reduce(bag.Take(b, 0), func(x, y string) string { return x + y }))
	fmt.Println(errors.Is(err, bag.ErrEmpty))
	// Output:
	// abcd
	// true
}

func ExampleCount() {
	var g graph.Graph
	n, _ := sched.Compute(ctx, bag.Count(bag.Filter(bag.Range(&g, 0, 1000), func(x int) bool { return x%7 == 0 })))
	fmt.Println(n)
	// Output: 143
}

func ExampleSum() {
	var g graph.Graph
	prices := bag.FromSlice(&g, []float64{1.25, 2.5, 0.25})
	total, _ := sched.Compute(ctx, bag.Sum(prices))
	fmt.Println(total)
	// Output: 4
}

func ExampleMin() {
	var g graph.Graph
	v, _ := sched.Compute(ctx, bag.Min(bag.FromSlice(&g, []string{"pear", "apple", "fig"})))
	fmt.Println(v)
	// Output: apple
}

func ExampleMax() {
	var g graph.Graph
	v, _ := sched.Compute(ctx, bag.Max(bag.FromSlice(&g, []int{3, 9, 2}, bag.Partitions(3))))
	fmt.Println(v)
	// Output: 9
}

func ExampleMean() {
	var g graph.Graph
	v, _ := sched.Compute(ctx, bag.Mean(bag.Range(&g, 1, 5)))
	fmt.Println(v)
	// Output: 2.5
}

func ExampleVar() {
	var g graph.Graph
	b := bag.FromSlice(&g, []int{2, 4, 4, 4, 5, 5, 7, 9}, bag.Partitions(3))
	population, _ := sched.Compute(ctx, bag.Var(b, 0))
	sample, _ := sched.Compute(ctx, bag.Var(b, 1))
	fmt.Printf("%.4f %.4f\n", population, sample)
	// Output: 4.0000 4.5714
}

func ExampleStd() {
	var g graph.Graph
	b := bag.FromSlice(&g, []int{2, 4, 4, 4, 5, 5, 7, 9})
	v, _ := sched.Compute(ctx, bag.Std(b, 0))
	fmt.Println(v)
	// Output: 2
}

func ExampleAny() {
	var g graph.Graph
	found, _ := sched.Compute(ctx, bag.Any(bag.Range(&g, 0, 1_000_000), func(x int) bool { return x*x == 144 }))
	fmt.Println(found)
	// Output: true
}

func ExampleAll() {
	var g graph.Graph
	ok, _ := sched.Compute(ctx, bag.All(bag.FromSlice(&g, []string{"go", "gopher"}), func(s string) bool {
		return strings.HasPrefix(s, "go")
	}))
	fmt.Println(ok)
	// Output: true
}

// FoldBy aggregates by key: here, total sales per region.
func ExampleFoldBy() {
	type sale struct {
		region string
		amount int
	}
	var g graph.Graph
	sales := bag.FromSlice(&g, []sale{{"north", 10}, {"south", 5}, {"north", 7}, {"east", 1}}, bag.Partitions(2))
	byRegion := bag.FoldBy(sales,
		func(s sale) string { return s.region },
		0,
		func(total int, s sale) int { return total + s.amount },
		func(a, b int) int { return a + b })
	m, _ := sched.Compute(ctx, byRegion)
	fmt.Println(m)
	// Output: map[east:1 north:17 south:5]
}

func ExampleFrequencies() {
	var g graph.Graph
	digits := bag.Map(bag.Range(&g, 0, 100), func(x int) int { return x % 3 })
	m, _ := sched.Compute(ctx, bag.Frequencies(digits))
	fmt.Println(m)
	// Output: map[0:34 1:33 2:33]
}

func ExampleGroupBy() {
	var g graph.Graph
	words := bag.FromSlice(&g, []string{"go", "bag", "map", "tree", "sum"}, bag.Partitions(2))
	m, _ := sched.Compute(ctx, bag.GroupBy(words, func(s string) int { return len(s) }))
	fmt.Println(m)
	// Output: map[2:[go] 3:[bag map sum] 4:[tree]]
}

func ExampleDistinct() {
	var g graph.Graph
	b := bag.FromSlice(&g, []string{"b", "a", "b", "c", "a"}, bag.Partitions(2))
	xs, _ := bag.ToSlice(ctx, bag.Distinct(b))
	fmt.Println(xs)
	// Output: [b a c]
}

func ExampleTopK() {
	type city struct {
		name string
		pop  int
	}
	var g graph.Graph
	cities := bag.FromSlice(&g, []city{{"Lyon", 522}, {"Paris", 2103}, {"Nice", 342}, {"Marseille", 873}})
	top, _ := sched.Compute(ctx, bag.TopK(cities, 2, func(a, b city) int { return cmp.Compare(a.pop, b.pop) }))
	fmt.Println(top)
	// Output: [{Paris 2103} {Marseille 873}]
}

func ExampleTake() {
	var g graph.Graph
	b := bag.Filter(bag.Range(&g, 0, 1<<40, bag.Partitions(1000)), func(x int) bool { return x%3 == 0 })
	xs, _ := bag.ToSlice(ctx, bag.Take(b, 5)) // reads one partition of the 1000
	fmt.Println(xs)
	// Output: [0 3 6 9 12]
}

func ExampleZip() {
	var g graph.Graph
	nums := bag.Range(&g, 1, 4)
	squares := bag.Map(nums, func(x int) int { return x * x })
	pairs, _ := bag.ToSlice(ctx, bag.Zip(nums, squares))
	for _, p := range pairs {
		fmt.Println(p.First, p.Second)
	}
	// Output:
	// 1 1
	// 2 4
	// 3 9
}

func ExampleConcat() {
	var g graph.Graph
	b := bag.Concat(bag.Range(&g, 0, 3), bag.Range(&g, 10, 12))
	xs, _ := bag.ToSlice(ctx, b)
	fmt.Println(xs, b.NumPartitions())
	// Output: [0 1 2 10 11] 5
}

func ExampleRepartition() {
	var g graph.Graph
	b := bag.Repartition(bag.Range(&g, 0, 10, bag.Partitions(5)), 2)
	for _, p := range b.ToDelayed() {
		xs, _ := sched.Compute(ctx, p)
		fmt.Println(xs)
	}
	// Output:
	// [0 1 2 3]
	// [4 5 6 7 8 9]
}

// Collect makes the whole bag a value of a larger graph.
func ExampleCollect() {
	var g graph.Graph
	all := bag.Collect(bag.Range(&g, 0, 5, bag.Partitions(2)))
	last := graph.Call(&g, "last", func(xs []int) int { return xs[len(xs)-1] }, all)
	v, _ := sched.Compute(ctx, last)
	fmt.Println(v)
	// Output: 4
}

func ExampleToSlice() {
	var g graph.Graph
	xs, err := bag.ToSlice(ctx, bag.Range(&g, 0, 5), sched.Workers(1))
	fmt.Println(xs, err)
	// Output: [0 1 2 3 4] <nil>
}

func ExampleIter() {
	var g graph.Graph
	b := bag.Map(bag.Range(&g, 0, 100, bag.Partitions(4)), func(x int) int { return x * 10 })
	for x, err := range bag.Iter(ctx, b) {
		if err != nil {
			fmt.Println(err)
			break
		}
		if x > 30 {
			break // stops the run
		}
		fmt.Print(x, " ")
	}
	fmt.Println()
	// Output: 0 10 20 30
}

func ExampleBag_ToDelayed() {
	var g graph.Graph
	b := bag.Filter(bag.Range(&g, 0, 12, bag.Partitions(3)), func(x int) bool { return x%2 == 0 })
	parts := b.ToDelayed() // []graph.Delayed[[]int]
	sizes := make([]graph.Delayed[int], len(parts))
	for i, p := range parts {
		sizes[i] = graph.Call(&g, "len", func(xs []int) int { return len(xs) }, p)
	}
	ns, _ := sched.ComputeAll(ctx, sizes)
	fmt.Println(ns)
	// Output: [2 2 2]
}

func ExampleBag_Err() {
	var g graph.Graph
	b := bag.Take(bag.Range(&g, 0, 10), -1)
	fmt.Println(b.Err())
	_, err := bag.ToSlice(ctx, bag.Map(b, strconv.Itoa)) // carried along
	fmt.Println(errors.Is(err, bag.ErrInvalid))
	// Output:
	// bag: invalid argument: take: k = -1 < 0
	// true
}

func ExampleBag_NumPartitions() {
	var g graph.Graph
	fmt.Println(bag.Range(&g, 0, 1_000_000).NumPartitions())
	fmt.Println(bag.FromSeq(&g, slicesValues([]int{1, 2})).NumPartitions())
	// Output:
	// 128
	// -1
}

func ExampleBag_Graph() {
	var g graph.Graph
	b := bag.Range(&g, 0, 3)
	fmt.Println(b.Graph() == &g)
	// Output: true
}

func ExamplePartitionError() {
	var g graph.Graph
	b := bag.Map(bag.Range(&g, 0, 10, bag.Partitions(2)), func(x int) int { return 10 / (x - 7) })
	_, err := bag.ToSlice(ctx, b)
	var pe *bag.PartitionError
	if errors.As(err, &pe) {
		fmt.Println(pe.Stage, pe.Partition)
	}
	var panicked *sched.PanicError
	fmt.Println(errors.As(err, &panicked), panicked.Value)
	// Output:
	// map 1
	// true runtime error: integer divide by zero
}

func ExamplePartitions() {
	var g graph.Graph
	fmt.Println(bag.FromSlice(&g, make([]int, 10), bag.Partitions(4)).NumPartitions())
	// Output: 4
}

func ExamplePartitionSize() {
	var g graph.Graph
	fmt.Println(bag.Range(&g, 0, 10, bag.PartitionSize(4)).NumPartitions())
	// Output: 3
}

func ExampleBlockSize() {
	dir, _ := os.MkdirTemp("", "bag")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "big.txt")
	os.WriteFile(path, []byte(strings.Repeat("a line of text\n", 100)), 0o666) // 1500 bytes

	var g graph.Graph
	lines := bag.ReadText(&g, []string{path}, bag.BlockSize(400))
	n, _ := sched.Compute(ctx, bag.Count(lines))
	fmt.Println(lines.NumPartitions(), n)
	// Output: 4 100
}

func ExampleMaxLineSize() {
	dir, _ := os.MkdirTemp("", "bag")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "data.txt")
	os.WriteFile(path, []byte("short\n"+strings.Repeat("x", 5000)+"\n"), 0o666)

	var g graph.Graph
	_, err := bag.ToSlice(ctx, bag.ReadText(&g, []string{path}, bag.MaxLineSize(1000)))
	fmt.Println(errors.Is(err, bag.ErrLineTooLong), strings.Contains(err.Error(), "data.txt: line 2 (byte 6)"))
	// Output: true true
}

func ExampleSplitEvery() {
	var g graph.Graph
	sum := bag.Sum(bag.Range(&g, 0, 64, bag.Partitions(16)), bag.SplitEvery(2))
	v, _ := sched.Compute(ctx, sum)
	fmt.Println(v, g.Len(), "nodes") // 16 leaves and a binary tree of 15
	// Output: 2016 31 nodes
}

func slicesValues[T any](xs []T) iter.Seq[T] {
	return func(yield func(T) bool) {
		for _, x := range xs {
			if !yield(x) {
				return
			}
		}
	}
}
