package bag_test

import (
	"cmp"
	"errors"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
)

// Map3 and MapN against the loop over positions, from a bag and stages
// of it (so the bags line up), with random partitionings.
func TestMap3MapNProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xs := drawInts(t, "xs")
		p := rapid.IntRange(1, 8).Draw(t, "p")
		k := rapid.IntRange(1, 5).Draw(t, "k") // bags for MapN
		f3 := func(a, b, c int) int { return a*10000 + b*100 + c }
		want3, wantN := []int{}, []int{}
		for _, x := range xs {
			want3 = append(want3, f3(x, affine(x), -x))
			s := 0
			for j := range k {
				s = s*7 + x + j
			}
			wantN = append(wantN, s)
		}
		workersOf(t, func(w int) {
			var g graph.Graph
			a := bag.FromSlice(&g, xs, bag.Partitions(p))
			got := collect(t, bag.Map3(a, bag.Map(a, affine), bag.Map(a, negate), f3), w)
			if !equalOrEmpty(got, want3) {
				t.Fatal("map3", got, want3)
			}
			bags := make([]bag.Bag[int], k)
			for j := range bags {
				bags[j] = bag.Map(a, func(x int) int { return x + j })
			}
			gotN := collect(t, bag.MapN(bags, func(args []int) int {
				s := 0
				for _, v := range args {
					s = s*7 + v
				}
				return s
			}), w)
			if !equalOrEmpty(gotN, wantN) {
				t.Fatal("map-n", gotN, wantN)
			}
		})
	})
}

func TestMap3MapNMismatch(t *testing.T) {
	var g, h graph.Graph
	a := bag.Range(&g, 0, 10, bag.Partitions(2))
	b := bag.Range(&g, 0, 10, bag.Partitions(3))
	c := bag.Range(&g, 0, 11, bag.Partitions(2))
	add3 := func(x, y, z int) int { return x + y + z }
	if err := bag.Map3(a, b, a, add3).Err(); !errors.Is(err, bag.ErrMismatch) {
		t.Fatal("partition counts:", err)
	}
	if err := bag.Map3(a, a, bag.Range(&h, 0, 10, bag.Partitions(2)), add3).Err(); !errors.Is(err, bag.ErrMismatch) {
		t.Fatal("graphs:", err)
	}
	if _, err := bag.ToSlice(ctx, bag.MapN([]bag.Bag[int]{a, c}, func(v []int) int { return v[0] })); !errors.Is(err, bag.ErrMismatch) {
		t.Fatal("lengths:", err)
	}
	if err := bag.Map3[int, int, int, int](a, a, a, nil).Err(); !errors.Is(err, graph.ErrNilFunc) {
		t.Fatal("nil f:", err)
	}
	if err := bag.MapN[int, int](nil, nil).Err(); !errors.Is(err, graph.ErrNilFunc) {
		t.Fatal("nil f, no bags:", err)
	}
	if got, err := bag.ToSlice(ctx, bag.MapN(nil, func([]int) int { return 1 })); err != nil || len(got) != 0 {
		t.Fatal("no bags:", got, err)
	}
}

// PluckAt and PluckAtOr against indexing, on slices of random lengths.
func TestPluckAtProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xss := rapid.SliceOfN(rapid.SliceOfN(rapid.IntRange(-9, 9), 0, 4), 0, 200).Draw(t, "xss")
		p := rapid.IntRange(1, 8).Draw(t, "p")
		i := rapid.IntRange(0, 4).Draw(t, "i")
		wantOr, short := []int{}, false
		for _, xs := range xss {
			if i < len(xs) {
				wantOr = append(wantOr, xs[i])
			} else {
				wantOr = append(wantOr, 99)
				short = true
			}
		}
		workersOf(t, func(w int) {
			var g graph.Graph
			b := bag.FromSlice(&g, xss, bag.Partitions(p))
			if got := collect(t, bag.PluckAtOr(b, i, 99), w); !equalOrEmpty(got, wantOr) {
				t.Fatal("pluck-at-or", got, wantOr)
			}
			got, err := bag.ToSlice(ctx, bag.PluckAt(b, i))
			switch {
			case short && !errors.Is(err, bag.ErrIndex):
				t.Fatal("a short slice:", err)
			case !short && (err != nil || !equalOrEmpty(got, wantOr)):
				t.Fatal("pluck-at", got, wantOr, err)
			}
		})
	})
	var g graph.Graph
	if err := bag.PluckAt(bag.FromSlice(&g, [][]int{{1}}), -1).Err(); !errors.Is(err, bag.ErrInvalid) {
		t.Fatal(err)
	}
}

// JoinBag against the nested loop over both inputs: the same pairs, and
// the same order with any number of workers.
func TestJoinBagProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xs := drawInts(t, "xs")
		ys := rapid.SliceOfN(rapid.IntRange(-30, 30), 0, 100).Draw(t, "ys")
		p := rapid.IntRange(1, 8).Draw(t, "p")
		q := rapid.IntRange(1, 8).Draw(t, "q")
		out := rapid.IntRange(0, 6).Draw(t, "split-out")
		key := func(x int) int { return x % 7 }
		otherKey := func(y int) int { return (y + 1) % 7 }
		want := []bag.Pair[int, int]{}
		for _, x := range xs {
			for _, y := range ys {
				if key(x) == otherKey(y) {
					want = append(want, bag.Pair[int, int]{First: x, Second: y})
				}
			}
		}
		byPair := func(a, b bag.Pair[int, int]) int {
			return cmp.Or(cmp.Compare(a.First, b.First), cmp.Compare(a.Second, b.Second))
		}
		slices.SortFunc(want, byPair)
		var first []bag.Pair[int, int]
		workersOf(t, func(w int) {
			var g graph.Graph
			var opts []bag.Option
			if out > 0 {
				opts = append(opts, bag.SplitOut(out))
			}
			got := collect(t, bag.JoinBag(bag.FromSlice(&g, xs, bag.Partitions(p)), bag.FromSlice(&g, ys, bag.Partitions(q)), key, otherKey, opts...), w)
			if first == nil {
				first = got
			} else if !slices.Equal(got, first) {
				t.Fatal("the order depends on the workers")
			}
			got = slices.Clone(got)
			slices.SortFunc(got, byPair)
			if len(got) != len(want) || (len(got) > 0 && !slices.Equal(got, want)) {
				t.Fatal("join", got, want)
			}
		})
	})
}

func TestJoinBagMistakes(t *testing.T) {
	var g, h graph.Graph
	a := bag.Range(&g, 0, 10)
	id := func(x int) int { return x }
	if err := bag.JoinBag(a, bag.Range(&h, 0, 3), id, id).Err(); !errors.Is(err, bag.ErrMismatch) {
		t.Fatal("graphs:", err)
	}
	if err := bag.JoinBag(a, a, nil, id).Err(); !errors.Is(err, graph.ErrNilFunc) {
		t.Fatal("nil key:", err)
	}
	if err := bag.JoinBag(a, a, id, id, bag.SplitOut(0)).Err(); !errors.Is(err, bag.ErrInvalid) {
		t.Fatal("split-out:", err)
	}
}
