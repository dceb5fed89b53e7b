package bag_test

import (
	"cmp"
	"context"
	"errors"
	"iter"
	"maps"
	"math"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"

	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// The property tests build a random bag (source, partitioning, stages),
// compute everything the package offers from it with one and with three
// workers, and compare each result with a plain serial computation over a
// slice.

// A stage is applied both to a bag and to the reference slice.
type stageDef struct {
	name string
	bag  func(bag.Bag[int]) bag.Bag[int]
	ref  func([]int) []int
}

func refMap(xs []int, f func(int) int) []int {
	out := []int{}
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

func refFilter(xs []int, keep func(int) bool) []int {
	out := []int{}
	for _, x := range xs {
		if keep(x) {
			out = append(out, x)
		}
	}
	return out
}

func affine(x int) int           { return 3*x + 1 }
func notThird(x int) bool        { return x%3 != 0 }
func fifth(x int) bool           { return x%5 == 0 }
func expand(x int) iter.Seq[int] { return slices.Values(expandRef(x)) }
func expandRef(x int) []int {
	switch {
	case x%7 == 0:
		return nil
	case x%4 == 0:
		return []int{x, x + 1}
	}
	return []int{x}
}

// mirror yields each element and, for even ones, its negation.
func mirror(in iter.Seq[int]) iter.Seq[int] {
	return func(yield func(int) bool) {
		for v := range in {
			if !yield(v) {
				return
			}
			if v%2 == 0 && !yield(-v) {
				return
			}
		}
	}
}

// oddsDoubled is a MapBlocks kernel: odd elements, doubled.
func oddsDoubled(dst, src []int) []int {
	for _, x := range src {
		if x%2 != 0 {
			dst = append(dst, 2*x)
		}
	}
	return dst
}

var stages = []stageDef{
	{"map", func(b bag.Bag[int]) bag.Bag[int] { return bag.Map(b, affine) },
		func(xs []int) []int { return refMap(xs, affine) }},
	{"map-err", func(b bag.Bag[int]) bag.Bag[int] {
		return bag.MapErr(b, func(x int) (int, error) { return x - 1, nil })
	}, func(xs []int) []int { return refMap(xs, func(x int) int { return x - 1 }) }},
	{"filter", func(b bag.Bag[int]) bag.Bag[int] { return bag.Filter(b, notThird) },
		func(xs []int) []int { return refFilter(xs, notThird) }},
	{"remove", func(b bag.Bag[int]) bag.Bag[int] { return bag.Remove(b, fifth) },
		func(xs []int) []int { return refFilter(xs, func(x int) bool { return !fifth(x) }) }},
	{"flat-map", func(b bag.Bag[int]) bag.Bag[int] { return bag.FlatMap(b, expand) },
		func(xs []int) []int {
			out := []int{}
			for _, x := range xs {
				out = append(out, expandRef(x)...)
			}
			return out
		}},
	{"map-partitions", func(b bag.Bag[int]) bag.Bag[int] { return bag.MapPartitions(b, mirror) },
		func(xs []int) []int { return slices.Collect(mirror(slices.Values(xs))) }},
	{"map-blocks", func(b bag.Bag[int]) bag.Bag[int] { return bag.MapBlocks(b, oddsDoubled) },
		func(xs []int) []int { return oddsDoubled(nil, xs) }},
}

// source draws an input and makes a bag of it in one of the ways a bag can
// be made. A sequence source is bounded with Take before or after the
// stages (exact and streaming paths).
type source struct {
	xs    []int
	make  func(g *graph.Graph) bag.Bag[int]
	isSeq bool
	desc  string
}

func drawSource(t *rapid.T) source {
	base := rapid.SliceOfN(rapid.IntRange(-60, 60), 0, 40).Draw(t, "base")
	rep := rapid.IntRange(1, 40).Draw(t, "rep") // up to 1600 elements: several blocks
	var xs []int
	for range rep {
		xs = append(xs, base...)
	}
	switch kind := rapid.IntRange(0, 4).Draw(t, "source"); kind {
	case 0:
		p := rapid.IntRange(1, 25).Draw(t, "partitions") // often more than elements
		return source{xs, func(g *graph.Graph) bag.Bag[int] { return bag.FromSlice(g, xs, bag.Partitions(p)) }, false, "slice/parts"}
	case 1:
		s := rapid.IntRange(1, 700).Draw(t, "size")
		return source{xs, func(g *graph.Graph) bag.Bag[int] { return bag.FromSlice(g, xs, bag.PartitionSize(s)) }, false, "slice/size"}
	case 2:
		lo := rapid.IntRange(-500, 500).Draw(t, "lo")
		n := rapid.IntRange(0, 1500).Draw(t, "n")
		p := rapid.IntRange(1, 12).Draw(t, "partitions")
		r := make([]int, n)
		for i := range r {
			r[i] = lo + i
		}
		return source{r, func(g *graph.Graph) bag.Bag[int] { return bag.Range(g, lo, lo+n, bag.Partitions(p)) }, false, "range"}
	case 3:
		cuts := rapid.SliceOfN(rapid.IntRange(0, len(xs)), 0, 8).Draw(t, "cuts")
		slices.Sort(cuts)
		return source{xs, func(g *graph.Graph) bag.Bag[int] {
			var ds []graph.Delayed[[]int]
			prev := 0
			for _, c := range append(cuts, len(xs)) {
				ds = append(ds, graph.Value(g, "piece", xs[prev:c]))
				prev = c
			}
			return bag.FromDelayed(g, ds...)
		}, false, "delayed"}
	default:
		s := rapid.IntRange(1, 300).Draw(t, "size")
		return source{xs, func(g *graph.Graph) bag.Bag[int] {
			return bag.FromSeq(g, slices.Values(xs), bag.PartitionSize(s))
		}, true, "seq"}
	}
}

func TestProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		src := drawSource(t)
		codes := rapid.SliceOfN(rapid.IntRange(0, len(stages)-1), 0, 4).Draw(t, "stages")
		every := rapid.IntRange(2, 9).Draw(t, "splitEvery")

		var g graph.Graph
		b := src.make(&g)
		want := src.xs
		if src.isSeq {
			// Bound an endless extension of the input, before or after the
			// stages, to exercise both of Take's ways with sequences.
			if rapid.Bool().Draw(t, "takeFirst") {
				b = bag.Take(b, len(want))
			} else {
				for _, c := range codes {
					b = stages[c].bag(b)
					want = stages[c].ref(want)
				}
				codes = nil
				b = bag.Take(b, len(want))
			}
		}
		for _, c := range codes {
			b = stages[c].bag(b)
			want = stages[c].ref(want)
		}
		if err := b.Err(); err != nil {
			t.Fatal(err)
		}
		for _, w := range []int{1, 3} {
			checkAll(t, &g, b, want, every, w)
		}
	})
}

// checkAll compares every kind of result of b with the serial reference.
func checkAll(t *rapid.T, g *graph.Graph, b bag.Bag[int], want []int, every, workers int) {
	ctx := context.Background()
	run := []sched.Option{sched.Workers(workers)}
	opt := bag.SplitEvery(every)
	fail := func(what string, got, want any, err error) {
		t.Helper()
		t.Fatalf("%s with %d workers: got %v, want %v (err %v)", what, workers, got, want, err)
	}
	compute := func(d graph.Delayed[int]) (int, error) { return sched.Compute(ctx, d, run...) }

	got, err := bag.ToSlice(ctx, b, run...)
	if err != nil || !slices.Equal(got, want) {
		fail("ToSlice", got, want, err)
	}
	var it []int
	for v, err := range bag.Iter(ctx, b, run...) {
		if err != nil {
			fail("Iter", it, want, err)
		}
		it = append(it, v)
	}
	if !slices.Equal(it, want) {
		fail("Iter", it, want, nil)
	}

	sum := 0
	for _, x := range want {
		sum += x
	}
	if v, err := compute(bag.Sum(b, opt)); v != sum || err != nil {
		fail("Sum", v, sum, err)
	}
	if v, err := compute(bag.Count(b, opt)); v != len(want) || err != nil {
		fail("Count", v, len(want), err)
	}
	if v, err := compute(bag.Fold(b, 0, func(a, x int) int { return a + x }, func(a, b int) int { return a + b }, opt)); v != sum || err != nil {
		fail("Fold", v, sum, err)
	}
	sumBlocks := func(acc int, blk []int) int {
		for _, x := range blk {
			acc += x
		}
		return acc
	}
	if v, err := compute(bag.FoldBlocks(b, 0, sumBlocks, func(a, b int) int { return a + b }, opt)); v != sum || err != nil {
		fail("FoldBlocks", v, sum, err)
	}
	// A fold whose combine does not commute: any reordering shows.
	text := ""
	for _, x := range want {
		text += "," + strconv.Itoa(x)
	}
	s, err := sched.Compute(ctx, bag.Fold(b, "", func(a string, x int) string { return a + "," + strconv.Itoa(x) },
		func(a, b string) string { return a + b }, opt), run...)
	if s != text || err != nil {
		fail("Fold(concat)", s, text, err)
	}

	last, err := compute(bag.Reduce(b, func(_, b int) int { return b }, opt))
	lo, errLo := compute(bag.Min(b, opt))
	hi, errHi := compute(bag.Max(b, opt))
	if len(want) == 0 {
		for _, e := range []error{err, errLo, errHi} {
			if !errors.Is(e, bag.ErrEmpty) {
				fail("Reduce/Min/Max of nothing", e, bag.ErrEmpty, e)
			}
		}
	} else {
		if last != want[len(want)-1] || err != nil {
			fail("Reduce(last)", last, want[len(want)-1], err)
		}
		if lo != slices.Min(want) || errLo != nil {
			fail("Min", lo, slices.Min(want), errLo)
		}
		if hi != slices.Max(want) || errHi != nil {
			fail("Max", hi, slices.Max(want), errHi)
		}
	}

	mean, errMean := sched.Compute(ctx, bag.Mean(b, opt), run...)
	variance, errVar := sched.Compute(ctx, bag.Var(b, 1, opt), run...)
	if len(want) == 0 {
		if !errors.Is(errMean, bag.ErrEmpty) {
			fail("Mean of nothing", errMean, bag.ErrEmpty, errMean)
		}
	} else {
		m := float64(sum) / float64(len(want))
		if math.Abs(mean-m) > 1e-9*(1+math.Abs(m)) || errMean != nil {
			fail("Mean", mean, m, errMean)
		}
		if len(want) > 1 {
			ss := 0.0
			for _, x := range want {
				ss += (float64(x) - m) * (float64(x) - m)
			}
			v := ss / float64(len(want)-1)
			if math.Abs(variance-v) > 1e-6*(1+v) || errVar != nil {
				fail("Var", variance, v, errVar)
			}
		} else if !errors.Is(errVar, bag.ErrEmpty) {
			fail("Var of one", errVar, bag.ErrEmpty, errVar)
		}
	}

	big := func(x int) bool { return x > 100 }
	anyBig, err1 := sched.Compute(ctx, bag.Any(b, big, opt), run...)
	allBig, err2 := sched.Compute(ctx, bag.All(b, big, opt), run...)
	if anyBig != slices.ContainsFunc(want, big) || err1 != nil {
		fail("Any", anyBig, !anyBig, err1)
	}
	if allBig != !slices.ContainsFunc(want, func(x int) bool { return !big(x) }) || err2 != nil {
		fail("All", allBig, !allBig, err2)
	}

	freq := map[int]int{}
	byKey := map[int]int{}
	groups := map[int][]int{}
	var distinct []int
	for _, x := range want {
		if freq[x] == 0 {
			distinct = append(distinct, x)
		}
		freq[x]++
		byKey[x%7] += x
		groups[x%5] = append(groups[x%5], x)
	}
	if m, err := sched.Compute(ctx, bag.Frequencies(b, opt), run...); !maps.Equal(m, freq) || err != nil {
		fail("Frequencies", m, freq, err)
	}
	mod7 := func(x int) int { return x % 7 }
	if m, err := sched.Compute(ctx, bag.FoldBy(b, mod7, 0, func(a, x int) int { return a + x }, func(a, b int) int { return a + b }, opt), run...); !maps.Equal(m, byKey) || err != nil {
		fail("FoldBy", m, byKey, err)
	}
	gb, err := sched.Compute(ctx, bag.GroupBy(b, func(x int) int { return x % 5 }, opt), run...)
	if err != nil || !maps.EqualFunc(gb, groups, slices.Equal) {
		fail("GroupBy", gb, groups, err)
	}
	if d, err := bag.ToSlice(ctx, bag.Distinct(b, opt), run...); err != nil || !slices.Equal(d, distinct) {
		fail("Distinct", d, distinct, err)
	}
	k := int(uint(sum) % 11) // some k from 0 to 10
	byLastDigit := func(a, b int) int { return cmp.Compare(mod10(a), mod10(b)) }
	top := slices.Clone(want)
	slices.SortStableFunc(top, func(a, b int) int { return -byLastDigit(a, b) })
	top = top[:min(k, len(top))]
	if tk, err := sched.Compute(ctx, bag.TopK(b, k, byLastDigit, opt), run...); err != nil || !slices.Equal(tk, top) {
		fail("TopK", tk, top, err)
	}

	n := int(uint(sum) % uint(len(want)+3))
	if tk, err := bag.ToSlice(ctx, bag.Take(b, n), run...); err != nil || !slices.Equal(tk, want[:min(n, len(want))]) {
		fail("Take", tk, want[:min(n, len(want))], err)
	}
	r := 1 + int(uint(sum)%13)
	if rp, err := bag.ToSlice(ctx, bag.Repartition(b, r), run...); err != nil || !slices.Equal(rp, want) {
		fail("Repartition", rp, want, err)
	}
	z, err := bag.ToSlice(ctx, bag.Zip(b, bag.Map(b, func(x int) int { return -x })), run...)
	if err != nil || len(z) != len(want) {
		fail("Zip", z, want, err)
	}
	for i, p := range z {
		if p.First != want[i] || p.Second != -want[i] {
			fail("Zip", z, want, nil)
		}
	}
	if c, err := bag.ToSlice(ctx, bag.Concat(b, bag.Take(b, 3), b), run...); err != nil ||
		!slices.Equal(c, slices.Concat(want, want[:min(3, len(want))], want)) {
		fail("Concat", c, "want+want[:3]+want", err)
	}
	var parts []int
	for _, p := range b.ToDelayed() {
		xs, err := sched.Compute(ctx, p, run...)
		if err != nil {
			fail("Partitions", xs, want, err)
		}
		parts = append(parts, xs...)
	}
	if !slices.Equal(parts, want) {
		fail("Partitions", parts, want, nil)
	}
}

func mod10(x int) int { return ((x % 10) + 10) % 10 }

// TestTakeReadsOnlyWhatItNeeds: Take's tasks after the k-th element never
// run their partition's stages.
func TestTakeReadsOnlyWhatItNeeds(t *testing.T) {
	var g graph.Graph
	seen := make([]bool, 10)
	b := bag.Map(bag.Range(&g, 0, 1000, bag.Partitions(10)), func(x int) int {
		seen[x/100] = true
		return x
	})
	got, err := bag.ToSlice(context.Background(), bag.Take(b, 150), sched.Workers(2))
	if err != nil || len(got) != 150 || got[149] != 149 {
		t.Fatal(got, err)
	}
	if !seen[0] || !seen[1] || slices.Contains(seen[2:], true) {
		t.Fatalf("partitions read: %v", seen)
	}
}

// TestFilterReadsComputedMap: a Filter right after a Map runs in the map's
// loop, unless the mapped partitions are computed whole for another
// consumer: then it reads them, and the map runs once per element.
func TestFilterReadsComputedMap(t *testing.T) {
	var g graph.Graph
	var calls atomic.Int64
	mapped := bag.Map(bag.Range(&g, 0, 1000, bag.Partitions(4)), func(x int) int {
		calls.Add(1)
		return x * x
	})
	parts := graph.Gather(&g, "parts", mapped.ToDelayed())
	sum := bag.Sum(bag.Filter(mapped, even))
	both := graph.Call2(&g, "both", func(ps [][]int, s int) int { return len(ps) + s }, parts, sum)
	v, err := sched.Compute(context.Background(), both, sched.Workers(2))
	want := 4
	for i := 0; i < 1000; i += 2 {
		want += i * i
	}
	if err != nil || v != want {
		t.Fatal(v, want, err)
	}
	if n := calls.Load(); n != 1000 {
		t.Fatalf("the map ran %d times for 1000 elements", n)
	}
}

// TestEdgeCases: empty bags, empty partitions, a single element, more
// partitions than elements, and the zero Bag.
func TestEdgeCases(t *testing.T) {
	ctx := context.Background()
	var g graph.Graph
	empty := bag.FromSlice(&g, []int(nil))
	if empty.NumPartitions() != 0 {
		t.Fatal(empty.NumPartitions())
	}
	if v, err := sched.Compute(ctx, bag.Sum(empty)); v != 0 || err != nil {
		t.Fatal(v, err)
	}
	if xs, err := bag.ToSlice(ctx, bag.Repartition(empty, 3)); len(xs) != 0 || err != nil {
		t.Fatal(xs, err)
	}
	one := bag.FromSlice(&g, []int{42}, bag.Partitions(5))
	if v, err := sched.Compute(ctx, bag.Max(one)); v != 42 || err != nil {
		t.Fatal(v, err)
	}
	if v, err := sched.Compute(ctx, bag.Std(one, 0)); v != 0 || err != nil {
		t.Fatal(v, err)
	}
	var zero bag.Bag[int]
	if xs, err := bag.ToSlice(ctx, bag.Map(zero, affine)); xs != nil || err != nil {
		t.Fatal(xs, err)
	}
	for range bag.Iter(ctx, zero) {
		t.Fatal("the zero Bag has no elements")
	}
	if _, err := sched.Compute(ctx, bag.Sum(zero)); !errors.Is(err, sched.ErrNoTarget) {
		t.Fatal(err)
	}
	if n := bag.Range(&g, 5, 2).NumPartitions(); n != 0 {
		t.Fatal(n)
	}
}

// TestDefaultPartitions: the default rule (see options.go) gives small
// collections one partition per element, then at least 128 partitions, of
// at most 32Ki elements, at most 4096 of them.
func TestDefaultPartitions(t *testing.T) {
	var g graph.Graph
	for _, c := range []struct{ n, want int }{
		{0, 0}, {1, 1}, {50, 50}, {128, 128}, {129, 128}, {100_000, 128},
		{128 << 15, 128}, {128<<15 + 1, 129}, {10_000_000, 306},
		{4096 << 15, 4096}, {1 << 40, 4096},
	} {
		if got := bag.Range(&g, 0, c.n).NumPartitions(); got != c.want {
			t.Errorf("Range of %d: %d partitions, want %d", c.n, got, c.want)
		}
	}
	if got := bag.FromSlice(&g, make([]string, 50)).NumPartitions(); got != 50 {
		t.Errorf("FromSlice of 50: %d partitions, want 50", got)
	}
}
