package bag_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

func ExampleMapWith() {
	var g graph.Graph
	b := bag.FromSlice(&g, []float64{1, 2, 3, 6})
	centred := bag.MapWith(b, bag.Mean(b), func(x, mean float64) float64 { return x - mean })
	xs, _ := bag.ToSlice(ctx, centred)
	fmt.Println(xs)
	// Output: [-2 -1 0 3]
}

func ExampleFilterWith() {
	var g graph.Graph
	b := bag.Range(&g, 0, 10)
	above := bag.FilterWith(b, bag.Mean(b), func(x int, mean float64) bool { return float64(x) > mean })
	xs, _ := bag.ToSlice(ctx, above)
	fmt.Println(xs)
	// Output: [5 6 7 8 9]
}

func ExampleFlatMapWith() {
	var g graph.Graph
	times := graph.Value(&g, "times", 2)
	b := bag.FlatMapWith(bag.FromSlice(&g, []string{"a", "b"}), times, func(s string, n int) iter.Seq[string] {
		return slices.Values(slices.Repeat([]string{s}, n))
	})
	xs, _ := bag.ToSlice(ctx, b)
	fmt.Println(xs)
	// Output: [a a b b]
}

func ExampleJoin() {
	type person struct {
		name string
		city int
	}
	var g graph.Graph
	people := bag.FromSlice(&g, []person{{"ann", 1}, {"bob", 2}, {"cy", 1}, {"dee", 3}})
	cities := graph.Value(&g, "cities", []bag.Pair[int, string]{{First: 1, Second: "Oslo"}, {First: 2, Second: "Rome"}})
	joined := bag.Join(people, cities, func(p person) int { return p.city }, func(c bag.Pair[int, string]) int { return c.First })
	pairs, _ := bag.ToSlice(ctx, joined)
	for _, p := range pairs {
		fmt.Println(p.First.name, p.Second.Second)
	}
	// Output:
	// ann Oslo
	// bob Rome
	// cy Oslo
}

func ExampleFlatten() {
	var g graph.Graph
	b := bag.Flatten(bag.FromSlice(&g, [][]int{{1, 2}, {}, {3}}))
	xs, _ := bag.ToSlice(ctx, b)
	fmt.Println(xs)
	// Output: [1 2 3]
}

func ExampleMap2() {
	var g graph.Graph
	a := bag.Range(&g, 0, 4)
	b := bag.Map(a, func(x int) int { return x * 10 })
	xs, _ := bag.ToSlice(ctx, bag.Map2(a, b, func(x, y int) int { return x + y }))
	fmt.Println(xs)
	// Output: [0 11 22 33]
}

func ExampleUnzip() {
	var g graph.Graph
	pairs := bag.FromSlice(&g, []bag.Pair[string, int]{{First: "a", Second: 1}, {First: "b", Second: 2}})
	names, counts := bag.Unzip(pairs)
	ns, _ := bag.ToSlice(ctx, names)
	total, _ := sched.Compute(ctx, bag.Sum(counts))
	fmt.Println(ns, total)
	// Output: [a b] 3
}

func ExampleProduct() {
	var g graph.Graph
	p := bag.Product(bag.FromSlice(&g, []string{"x", "y"}), bag.Range(&g, 1, 3))
	pairs, _ := bag.ToSlice(ctx, p)
	fmt.Println(pairs)
	// Output: [{x 1} {x 2} {y 1} {y 2}]
}

func ExamplePluckOr() {
	var g graph.Graph
	records := bag.FromSlice(&g, []map[string]int{{"age": 31}, {}, {"age": 45}})
	ages, _ := bag.ToSlice(ctx, bag.PluckOr(records, "age", -1))
	fmt.Println(ages)
	// Output: [31 -1 45]
}

func ExampleDistinctBy() {
	var g graph.Graph
	words := bag.FromSlice(&g, []string{"apple", "avocado", "banana", "blueberry", "cherry"})
	firsts, _ := bag.ToSlice(ctx, bag.DistinctBy(words, func(w string) byte { return w[0] }))
	fmt.Println(firsts)
	// Output: [apple banana cherry]
}

func ExampleSortedFrequencies() {
	var g graph.Graph
	words := bag.FromSlice(&g, strings.Fields("b a c b a b"))
	fs, _ := sched.Compute(ctx, bag.SortedFrequencies(words))
	fmt.Println(fs)
	// Output: [{b 3} {a 2} {c 1}]
}

func ExampleMostCommon() {
	var g graph.Graph
	words := bag.FromSlice(&g, strings.Fields("the cat and the hat and the bat"))
	top, _ := sched.Compute(ctx, bag.MostCommon(words, 2))
	fmt.Println(top)
	// Output: [{the 3} {and 2}]
}

func ExampleItems() {
	var g graph.Graph
	sales := bag.FromSlice(&g, []bag.Pair[string, int]{{First: "north", Second: 10}, {First: "south", Second: 5}, {First: "north", Second: 7}})
	byRegion := bag.FoldBy(sales, func(s bag.Pair[string, int]) string { return s.First }, 0,
		func(a int, s bag.Pair[string, int]) int { return a + s.Second }, func(a, b int) int { return a + b })
	// The grouped result as a bag keeps flowing: its best entry.
	best := bag.TopK(bag.Items(byRegion), 1, func(a, b bag.Pair[string, int]) int { return cmp.Compare(a.Second, b.Second) })
	v, _ := sched.Compute(ctx, best)
	fmt.Println(v)
	// Output: [{north 17}]
}

func ExampleAccumulate() {
	var g graph.Graph
	running := bag.Accumulate(bag.Range(&g, 1, 6, bag.Partitions(2)), 0, func(a, x int) int { return a + x })
	xs, _ := bag.ToSlice(ctx, running)
	fmt.Println(xs)
	// Output: [1 3 6 10 15]
}

func ExamplePersist() {
	var g graph.Graph
	parsed := bag.Map(bag.FromSlice(&g, []string{"1", "22", "333"}), func(s string) int { return len(s) })
	kept, err := bag.Persist(ctx, parsed) // parsed once, here
	if err != nil {
		panic(err)
	}
	sum, _ := sched.Compute(ctx, bag.Sum(kept))
	max, _ := sched.Compute(ctx, bag.Max(kept))
	fmt.Println(sum, max)
	// Output: 6 3
}

func ExampleRandomSample() {
	var g graph.Graph
	b := bag.Range(&g, 0, 1000, bag.Partitions(4))
	one, _ := bag.ToSlice(ctx, bag.RandomSample(b, 0.1, 42), sched.Workers(1))
	two, _ := bag.ToSlice(ctx, bag.RandomSample(b, 0.1, 42), sched.Workers(2))
	fmt.Println(slices.Equal(one, two), len(one) > 50 && len(one) < 150)
	// Output: true true
}

func ExampleSample() {
	var g graph.Graph
	b := bag.Range(&g, 0, 100)
	s, _ := sched.Compute(ctx, bag.Sample(b, 5, 7))
	again, _ := sched.Compute(ctx, bag.Sample(b, 5, 7), sched.Workers(1))
	fmt.Println(len(s), slices.IsSorted(s), slices.Equal(s, again))
	// Output: 5 true true
}

func ExampleReadJSON() {
	dir, _ := os.MkdirTemp("", "bag")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "people.jsonl")
	os.WriteFile(path, []byte(`{"name":"ann","age":31}
{"name":"bob","age":45}
`), 0o666)

	type person struct {
		Name string `json:"name"`
		Age  int    `json:"age"`
	}
	var g graph.Graph
	people := bag.ReadJSON[person](&g, []string{path})
	ages := bag.Map(people, func(p person) int { return p.Age })
	mean, _ := sched.Compute(ctx, bag.Mean(ages))
	fmt.Println(mean)

	os.WriteFile(path, []byte("{\"name\":\"ann\",\"age\":31}\n{oops}\n"), 0o666)
	_, err := bag.ToSlice(ctx, bag.ReadJSON[person](&g, []string{path}))
	fmt.Println(strings.Contains(err.Error(), "people.jsonl: line 2 (byte 24)"))
	// Output:
	// 38
	// true
}

func ExampleReadLines() {
	dir, _ := os.MkdirTemp("", "bag")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "a.txt")
	os.WriteFile(path, []byte("one\ntwo\nthree\n"), 0o666)

	var g graph.Graph
	lines, _ := bag.ToSlice(ctx, bag.ReadLines(&g, []string{path}))
	for _, l := range lines {
		n, _ := bag.LineNumber(l.Path, l.Offset)
		fmt.Println(filepath.Base(l.Path), n, l.Offset, l.Text)
	}
	// Output:
	// a.txt 1 0 one
	// a.txt 2 4 two
	// a.txt 3 8 three
}

func ExampleLineNumber() {
	dir, _ := os.MkdirTemp("", "bag")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "a.txt")
	os.WriteFile(path, []byte("one\ntwo\nthree\n"), 0o666)
	n, err := bag.LineNumber(path, 8)
	fmt.Println(n, err)
	// Output: 3 <nil>
}

func ExampleFilesPerPartition() {
	dir, _ := os.MkdirTemp("", "bag")
	defer os.RemoveAll(dir)
	for i := range 5 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.txt", i)), []byte("line\n"), 0o666)
	}
	var g graph.Graph
	lines := bag.ReadText(&g, []string{filepath.Join(dir, "*.txt")}, bag.FilesPerPartition(2))
	n, _ := sched.Compute(ctx, bag.Count(lines))
	fmt.Println(lines.NumPartitions(), n)
	// Output: 3 5
}

func ExampleGroups() {
	var g graph.Graph
	words := bag.FromSlice(&g, strings.Fields("apple bob avocado cherry banana"), bag.Partitions(2))
	groups := bag.Groups(words, func(w string) byte { return w[0] }, bag.SplitOut(2))
	all, _ := bag.ToSlice(ctx, groups)
	slices.SortFunc(all, func(a, b bag.Pair[byte, []string]) int { return cmp.Compare(a.First, b.First) })
	for _, gr := range all {
		fmt.Println(string(gr.First), gr.Second)
	}
	// Output:
	// a [apple avocado]
	// b [bob banana]
	// c [cherry]
}

func ExampleFoldGroups() {
	var g graph.Graph
	nums := bag.Range(&g, 0, 10)
	sums := bag.FoldGroups(nums, func(x int) int { return x % 3 }, 0,
		func(a, x int) int { return a + x }, func(a, b int) int { return a + b }, bag.SplitOut(2))
	pairs, _ := bag.ToSlice(ctx, sums)
	slices.SortFunc(pairs, func(a, b bag.Pair[int, int]) int { return cmp.Compare(a.First, b.First) })
	fmt.Println(pairs, sums.NumPartitions())
	// Output: [{0 18} {1 12} {2 15}] 2
}

func ExampleSplitOut() {
	var g graph.Graph
	groups := bag.Groups(bag.Range(&g, 0, 100), func(x int) int { return x % 10 }, bag.SplitOut(4))
	fmt.Println(groups.NumPartitions())
	// Output: 4
}

func ExampleWriteTextNamed() {
	dir, _ := os.MkdirTemp("", "bag")
	defer os.RemoveAll(dir)
	var g graph.Graph
	b := bag.Map(bag.Range(&g, 0, 4, bag.Partitions(2)), strconv.Itoa)
	files, err := sched.Compute(ctx, bag.WriteTextNamed(b, func(i int) string {
		return filepath.Join(dir, fmt.Sprintf("numbers-%c.txt", 'a'+i))
	}))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		fmt.Printf("%s %q\n", filepath.Base(f), data)
	}
	fmt.Println(err)
	// Output:
	// numbers-a.txt "0\n1\n"
	// numbers-b.txt "2\n3\n"
	// <nil>
}

func ExampleChoices() {
	var g graph.Graph
	b := bag.FromSlice(&g, []string{"a", "b", "c"})
	one, _ := sched.Compute(ctx, bag.Choices(b, 10, 1), sched.Workers(1))
	two, _ := sched.Compute(ctx, bag.Choices(bag.FromSlice(&g, []string{"a", "b", "c"}, bag.Partitions(1)), 10, 1), sched.Workers(2))
	fmt.Println(len(one), slices.Equal(one, two))
	// Output: 10 true
}

// elsewhere stands for a cluster (package cluster's Job): an executor
// that runs each task handed to it on a goroutine of its own.
type elsewhere struct {
	wg     sync.WaitGroup
	handed atomic.Int64
}

func (e *elsewhere) Submit(ctx context.Context, h sched.Handoff, done func(sched.Report)) {
	e.handed.Add(1)
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		done(sched.Report{Err: h.Task.Run(ctx), Worker: "elsewhere"})
	}()
}

// With Remote, the tasks that run a bag's partitions — here the range,
// the map and the sum's leaf, fused into one task per partition — are
// handed to the run's executor; the sum's combining task stays here.
func ExampleRemote() {
	var g graph.Graph
	nums := bag.Range(&g, 0, 1000, bag.Partitions(4), bag.Remote())
	sum := bag.Sum(bag.Map(nums, func(x int) int { return 2 * x }))

	exec := &elsewhere{}
	v, err := sched.Compute(context.Background(), sum, sched.WithExecutor(exec))
	exec.wg.Wait()
	fmt.Println(v, err, exec.handed.Load())
	// Output: 999000 <nil> 4
}

// Map3 combines three bags that line up, element by element.
func ExampleMap3() {
	var g graph.Graph
	xs := bag.Range(&g, 1, 5, bag.Partitions(2))
	squares := bag.Map(xs, func(x int) int { return x * x })
	names := bag.FromSlice(&g, []string{"one", "two", "three", "four"}, bag.Partitions(2))
	lines := bag.Map3(xs, squares, names, func(x, sq int, name string) string {
		return fmt.Sprintf("%s (%d) squared is %d", name, x, sq)
	})
	out, err := bag.ToSlice(ctx, lines)
	fmt.Println(strings.Join(out, "; "), err)
	// Output: one (1) squared is 1; two (2) squared is 4; three (3) squared is 9; four (4) squared is 16 <nil>
}

// MapN combines any number of bags of one type: here the columns of a
// table, summed row by row.
func ExampleMapN() {
	var g graph.Graph
	cols := []bag.Bag[int]{
		bag.FromSlice(&g, []int{1, 2, 3}),
		bag.FromSlice(&g, []int{10, 20, 30}),
		bag.FromSlice(&g, []int{100, 200, 300}),
	}
	rows := bag.MapN(cols, func(row []int) int {
		s := 0
		for _, v := range row {
			s += v
		}
		return s
	})
	out, err := bag.ToSlice(ctx, rows)
	fmt.Println(out, err)
	// Output: [111 222 333] <nil>
}

// PluckAt takes an element by position from every slice.
func ExamplePluckAt() {
	var g graph.Graph
	rows := bag.FromSlice(&g, [][]string{{"alice", "42"}, {"bob", "7"}})
	names, err := bag.ToSlice(ctx, bag.PluckAt(rows, 0))
	fmt.Println(names, err)
	_, err = bag.ToSlice(ctx, bag.PluckAt(rows, 2))
	fmt.Println(errors.Is(err, bag.ErrIndex))
	// Output:
	// [alice bob] <nil>
	// true
}

// PluckAtOr gives a default where a slice is too short.
func ExamplePluckAtOr() {
	var g graph.Graph
	rows := bag.FromSlice(&g, [][]string{{"alice", "42"}, {"bob"}})
	ages, err := bag.ToSlice(ctx, bag.PluckAtOr(rows, 1, "?"))
	fmt.Println(ages, err)
	// Output: [42 ?] <nil>
}

// JoinBag joins two bags on a key, shuffling both: here orders with
// their customers.
func ExampleJoinBag() {
	type order struct {
		Customer string
		Amount   int
	}
	type customer struct {
		Name, City string
	}
	var g graph.Graph
	orders := bag.FromSlice(&g, []order{{"ann", 5}, {"bo", 7}, {"ann", 3}, {"cy", 1}})
	customers := bag.FromSlice(&g, []customer{{"ann", "Oslo"}, {"bo", "Rome"}})
	joined := bag.JoinBag(orders, customers,
		func(o order) string { return o.Customer }, func(c customer) string { return c.Name })
	lines := bag.Map(joined, func(p bag.Pair[order, customer]) string {
		return fmt.Sprintf("%s %d %s", p.First.Customer, p.First.Amount, p.Second.City)
	})
	out, err := bag.ToSlice(ctx, lines)
	slices.Sort(out) // the shuffle orders by key hash
	fmt.Println(strings.Join(out, ", "), err)
	// Output: ann 3 Oslo, ann 5 Oslo, bo 7 Rome <nil>
}

// A stage over the lines of a file that fails names the file and the line
// of the element.
func ExamplePartitionError_text() {
	dir, _ := os.MkdirTemp("", "bag")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ages.txt")
	os.WriteFile(path, []byte("31\n45\nforty\n27\n"), 0o666)

	var g graph.Graph
	ages := bag.MapErr(bag.ReadText(&g, []string{path}), strconv.Atoi)
	_, err := sched.Compute(ctx, bag.Sum(ages))
	var pe *bag.PartitionError
	if errors.As(err, &pe) {
		fmt.Println(pe.Stage, filepath.Base(pe.Path), pe.Line, pe.Offset)
	}
	// Output: map ages.txt 3 6
}
