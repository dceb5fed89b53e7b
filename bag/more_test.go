package bag_test

import (
	"cmp"
	"context"
	"errors"
	"iter"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"

	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// Property tests of the stages of #17 against plain serial computations:
// random inputs (empty and one-element ones included), random partition
// counts, one and three workers.

func drawInts(t *rapid.T, name string) []int {
	return rapid.SliceOfN(rapid.IntRange(-30, 30), 0, 300).Draw(t, name)
}

// workersOf runs check with one and with three workers.
func workersOf(t *rapid.T, check func(w int)) {
	for _, w := range []int{1, 3} {
		check(w)
	}
}

func compute[T any](t *rapid.T, d graph.Delayed[T], w int) T {
	v, err := sched.Compute(ctx, d, sched.Workers(w))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func collect[T any](t *rapid.T, b bag.Bag[T], w int) []T {
	xs, err := bag.ToSlice(ctx, b, sched.Workers(w))
	if err != nil {
		t.Fatal(err)
	}
	return xs
}

func TestFlattenProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xss := rapid.SliceOfN(rapid.SliceOfN(rapid.Int(), 0, 1200), 0, 12).Draw(t, "xss")
		p := rapid.IntRange(1, 8).Draw(t, "p")
		var want []int
		for _, xs := range xss {
			want = append(want, xs...)
		}
		workersOf(t, func(w int) {
			var g graph.Graph
			got := collect(t, bag.Flatten(bag.FromSlice(&g, xss, bag.Partitions(p))), w)
			if !equalOrEmpty(got, want) {
				t.Fatalf("got %d elements, want %d", len(got), len(want))
			}
		})
	})
}

func TestMap2UnzipProductProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xs := drawInts(t, "xs")
		ys := drawInts(t, "ys")
		p := rapid.IntRange(1, 8).Draw(t, "p")
		small := ys[:min(len(ys), 20)]
		workersOf(t, func(w int) {
			var g graph.Graph
			a := bag.FromSlice(&g, xs, bag.Partitions(p))
			b := bag.Map(a, affine)
			got := collect(t, bag.Map2(a, b, func(x, y int) int { return x*100 + y }), w)
			want := refMap(xs, func(x int) int { return x*100 + affine(x) })
			if !equalOrEmpty(got, want) {
				t.Fatal("map2", got, want)
			}
			firsts, seconds := bag.Unzip(bag.Zip(a, b))
			both := graph.Call2(&g, "both", func(f, s []int) [2][]int { return [2][]int{f, s} }, bag.Collect(firsts), bag.Collect(seconds))
			fs := compute(t, both, w)
			if !equalOrEmpty(fs[0], xs) || !equalOrEmpty(fs[1], refMap(xs, affine)) {
				t.Fatal("unzip", fs)
			}
			prod := collect(t, bag.Product(bag.FromSlice(&g, xs[:min(len(xs), 20)], bag.Partitions(p)), bag.FromSlice(&g, small)), w)
			var wantProd []bag.Pair[int, int]
			for _, x := range xs[:min(len(xs), 20)] {
				for _, y := range small {
					wantProd = append(wantProd, bag.Pair[int, int]{First: x, Second: y})
				}
			}
			if len(prod) != len(wantProd) || (len(prod) > 0 && !slices.Equal(prod, wantProd)) {
				t.Fatal("product", len(prod), len(wantProd))
			}
		})
	})
}

func TestPluckOrDistinctByProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xs := drawInts(t, "xs")
		p := rapid.IntRange(1, 8).Draw(t, "p")
		ms := make([]map[string]int, len(xs))
		for i, x := range xs {
			ms[i] = map[string]int{}
			if x%2 == 0 {
				ms[i]["v"] = x
			}
		}
		workersOf(t, func(w int) {
			var g graph.Graph
			got := collect(t, bag.PluckOr(bag.FromSlice(&g, ms, bag.Partitions(p)), "v", -99), w)
			want := refMap(xs, func(x int) int {
				if x%2 == 0 {
					return x
				}
				return -99
			})
			if !equalOrEmpty(got, want) {
				t.Fatal("pluck-or", got, want)
			}
			key := func(x int) int { return (x%7 + 7) % 7 }
			got = collect(t, bag.DistinctBy(bag.FromSlice(&g, xs, bag.Partitions(p)), key), w)
			seen := map[int]bool{}
			want = nil
			for _, x := range xs {
				if !seen[key(x)] {
					seen[key(x)] = true
					want = append(want, x)
				}
			}
			if !equalOrEmpty(got, want) {
				t.Fatal("distinct-by", got, want)
			}
		})
	})
}

func refByCount(xs []int, k int) []bag.Pair[int, int] {
	m := map[int]int{}
	for _, x := range xs {
		m[x]++
	}
	var ps []bag.Pair[int, int]
	for _, v := range slices.Sorted(maps.Keys(m)) {
		ps = append(ps, bag.Pair[int, int]{First: v, Second: m[v]})
	}
	slices.SortStableFunc(ps, func(a, b bag.Pair[int, int]) int { return cmp.Compare(b.Second, a.Second) })
	if k >= 0 && k < len(ps) {
		ps = ps[:k]
	}
	return ps
}

func TestGroupedResultsChainProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xs := drawInts(t, "xs")
		p := rapid.IntRange(1, 8).Draw(t, "p")
		k := rapid.IntRange(0, 10).Draw(t, "k")
		workersOf(t, func(w int) {
			var g graph.Graph
			b := bag.FromSlice(&g, xs, bag.Partitions(p))
			if got, want := compute(t, bag.MostCommon(b, k), w), refByCount(xs, k); !slices.Equal(got, want) {
				t.Fatal("most-common", got, want)
			}
			if got, want := compute(t, bag.SortedFrequencies(b), w), refByCount(xs, -1); !slices.Equal(got, want) {
				t.Fatal("sorted-frequencies", got, want)
			}
			// A grouped result keeps flowing: the sums by key as a bag,
			// then the keys of the largest sums.
			sums := bag.FoldBy(b, func(x int) int { return (x%5 + 5) % 5 }, 0, add, addInts)
			top := bag.TopK(bag.Items(sums), 2, func(a, b bag.Pair[int, int]) int { return cmp.Compare(a.Second, b.Second) })
			ref := map[int]int{}
			for _, x := range xs {
				ref[(x%5+5)%5] += x
			}
			var items []bag.Pair[int, int]
			for _, key := range slices.Sorted(maps.Keys(ref)) {
				items = append(items, bag.Pair[int, int]{First: key, Second: ref[key]})
			}
			if got := collect(t, bag.Items(sums), w); !slices.Equal(got, items) {
				t.Fatal("items", got, items)
			}
			wantTop := slices.Clone(items)
			slices.SortStableFunc(wantTop, func(a, b bag.Pair[int, int]) int { return cmp.Compare(b.Second, a.Second) })
			if got := compute(t, top, w); !slices.Equal(got, wantTop[:min(2, len(wantTop))]) {
				t.Fatal("top of items", got, wantTop)
			}
		})
	})
}

func TestAccumulateProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xs := drawInts(t, "xs")
		p := rapid.IntRange(1, 8).Draw(t, "p")
		var want []int
		acc := 5
		for _, x := range xs {
			acc = acc*3 - x // not associative: the order must be kept
			want = append(want, acc)
		}
		workersOf(t, func(w int) {
			var g graph.Graph
			b := bag.Accumulate(bag.Filter(bag.FromSlice(&g, xs, bag.Partitions(p)), func(int) bool { return true }), 5,
				func(a, x int) int { return a*3 - x })
			if got := collect(t, b, w); !equalOrEmpty(got, want) {
				t.Fatal(got, want)
			}
			if b.NumPartitions() != p {
				t.Fatal(b.NumPartitions())
			}
		})
	})
}

func TestWithArgumentsProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xs := drawInts(t, "xs")
		ys := rapid.SliceOfN(rapid.IntRange(-5, 5), 0, 20).Draw(t, "ys")
		p := rapid.IntRange(1, 8).Draw(t, "p")
		k := rapid.IntRange(0, 50).Draw(t, "take")
		workersOf(t, func(w int) {
			var g graph.Graph
			b := bag.FromSlice(&g, xs, bag.Partitions(p))
			total := bag.Sum(b)
			centred := bag.MapWith(b, total, func(x, s int) int { return x*len(xs) - s })
			above := bag.FilterWith(centred, bag.Count(b), func(x, n int) bool { return x > n })
			got := collect(t, bag.Take(above, k), w)
			s := sumInts(xs)
			want := refFilter(refMap(xs, func(x int) int { return x*len(xs) - s }), func(x int) bool { return x > len(xs) })
			if !equalOrEmpty(got, want[:min(k, len(want))]) {
				t.Fatal("map-with, filter-with, take", got, want)
			}
			joined := collect(t, bag.Join(b, graph.Value(&g, "ys", ys), func(x int) int { return x % 5 }, func(y int) int { return y }), w)
			var wantJoin []bag.Pair[int, int]
			for _, x := range xs {
				for _, y := range ys {
					if x%5 == y {
						wantJoin = append(wantJoin, bag.Pair[int, int]{First: x, Second: y})
					}
				}
			}
			if len(joined) != len(wantJoin) || (len(joined) > 0 && !slices.Equal(joined, wantJoin)) {
				t.Fatal("join", joined, wantJoin)
			}
			rep := collect(t, bag.FlatMapWith(b, graph.Value(&g, "n", 2), func(x, n int) iter.Seq[int] {
				return slices.Values(slices.Repeat([]int{x}, n))
			}), w)
			if len(rep) != 2*len(xs) {
				t.Fatal("flat-map-with", len(rep))
			}
		})
	})
}

// TestFailingArgument: a delayed argument that fails fails the stages that
// use it, with an error naming its task; they never run.
func TestFailingArgument(t *testing.T) {
	for _, w := range []int{1, 2} {
		var g graph.Graph
		th := graph.Source(&g, "threshold", func(context.Context) (int, error) { return 0, errBoom })
		var ran atomic.Bool
		b := bag.FilterWith(bag.Range(&g, 0, 100), th, func(x, t int) bool { ran.Store(true); return x > t })
		_, err := sched.Compute(ctx, bag.Sum(b), sched.Workers(w))
		var te *sched.TaskError
		if !errors.Is(err, errBoom) || !errors.As(err, &te) || te.Name != "threshold" {
			t.Fatalf("%d workers: %v", w, err)
		}
		if ran.Load() {
			t.Fatal("a stage ran without its argument")
		}
	}
	var g, other graph.Graph
	b := bag.Range(&g, 0, 10)
	if err := bag.MapWith(b, graph.Value(&other, "x", 1), func(x, y int) int { return x }).Err(); !errors.Is(err, graph.ErrForeignHandle) {
		t.Fatal(err)
	}
	if err := bag.FilterWith(b, graph.Delayed[int]{}, func(x, y int) bool { return true }).Err(); !errors.Is(err, graph.ErrZeroHandle) {
		t.Fatal(err)
	}
}

// refSample draws what RandomSample and Sample draw, partition by
// partition, with FromSlice's bounds for p partitions.
func refSample(xs []int, p int, seed uint64, prob float64, k int) (bernoulli, bottomK []int) {
	type cand struct {
		key  uint64
		part int
		i    int
	}
	var cs []cand
	n := len(xs)
	for i := range p {
		lo, hi := i*n/p, (i+1)*n/p
		r := rand.New(rand.NewPCG(seed, uint64(i)))
		r2 := rand.New(rand.NewPCG(seed, uint64(i)))
		for j, x := range xs[lo:hi] {
			if r.Float64() < prob {
				bernoulli = append(bernoulli, x)
			}
			cs = append(cs, cand{r2.Uint64(), i, lo + j})
		}
	}
	slices.SortFunc(cs, func(a, b cand) int { return cmp.Compare(a.key, b.key) })
	cs = cs[:min(k, len(cs))]
	slices.SortFunc(cs, func(a, b cand) int { return cmp.Compare(a.i, b.i) })
	for _, c := range cs {
		bottomK = append(bottomK, xs[c.i])
	}
	return bernoulli, bottomK
}

func TestSamplingProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xs := drawInts(t, "xs")
		p := rapid.IntRange(1, 8).Draw(t, "p")
		k := rapid.IntRange(0, 40).Draw(t, "k")
		prob := rapid.Float64Range(0, 1).Draw(t, "prob")
		seed := rapid.Uint64().Draw(t, "seed")
		wantB, wantK := refSample(xs, p, seed, prob, k)
		workersOf(t, func(w int) {
			var g graph.Graph
			b := bag.FromSlice(&g, xs, bag.Partitions(p))
			if got := collect(t, bag.RandomSample(b, prob, seed), w); !equalOrEmpty(got, wantB) {
				t.Fatal("random-sample", got, wantB)
			}
			if got := compute(t, bag.Sample(b, k, seed), w); !equalOrEmpty(got, wantK) {
				t.Fatal("sample", got, wantK)
			}
		})
	})
	var g graph.Graph
	if err := bag.RandomSample(bag.Range(&g, 0, 3), 1.5, 1).Err(); !errors.Is(err, bag.ErrInvalid) {
		t.Fatal(err)
	}
}

// TestPersist: a persisted bag's stages do not run again for the
// pipelines built on it.
func TestPersist(t *testing.T) {
	var g graph.Graph
	var calls atomic.Int64
	b := bag.Map(bag.Range(&g, 0, 1000, bag.Partitions(7)), func(x int) int { calls.Add(1); return x * 2 })
	kept, err := bag.Persist(ctx, b, sched.Workers(2))
	if err != nil || calls.Load() != 1000 {
		t.Fatal(err, calls.Load())
	}
	for range 2 {
		if s, err := sched.Compute(ctx, bag.Sum(kept)); err != nil || s != 999*1000 {
			t.Fatal(s, err)
		}
		if xs, err := bag.ToSlice(ctx, bag.Filter(kept, func(x int) bool { return x < 10 })); err != nil || !slices.Equal(xs, []int{0, 2, 4, 6, 8}) {
			t.Fatal(xs, err)
		}
	}
	if calls.Load() != 1000 {
		t.Fatalf("the map ran %d times", calls.Load())
	}
	if kept.NumPartitions() != 7 {
		t.Fatal(kept.NumPartitions())
	}
}

// TestChoicesProperty: draws with replacement are the reference's (indices
// from a generator seeded by the seed alone), whatever the partitioning
// and the workers.
func TestChoicesProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xs := drawInts(t, "xs")
		p := rapid.IntRange(1, 8).Draw(t, "p")
		k := rapid.IntRange(0, 40).Draw(t, "k")
		seed := rapid.Uint64().Draw(t, "seed")
		var want []int
		if len(xs) > 0 {
			r := rand.New(rand.NewPCG(seed, math.MaxUint64))
			for range k {
				want = append(want, xs[r.IntN(len(xs))])
			}
		}
		workersOf(t, func(w int) {
			var g graph.Graph
			b := bag.Filter(bag.FromSlice(&g, xs, bag.Partitions(p)), func(int) bool { return true })
			got, err := sched.Compute(ctx, bag.Choices(b, k, seed), sched.Workers(w))
			if len(xs) == 0 && k > 0 {
				if !errors.Is(err, bag.ErrEmpty) {
					t.Fatal(err)
				}
				return
			}
			if err != nil || !equalOrEmpty(got, want) {
				t.Fatal(got, want, err)
			}
		})
	})
}
