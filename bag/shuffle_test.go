package bag_test

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// TestGroupsProperty: the shuffled groups are the serial map of slices;
// every key is in exactly one output partition; groups keep the input's
// order; the same with one and three workers.
func TestGroupsProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xs := drawInts(t, "xs")
		p := rapid.IntRange(1, 8).Draw(t, "p")
		out := rapid.IntRange(0, 6).Draw(t, "splitOut") // 0: the default
		mod := rapid.IntRange(1, 12).Draw(t, "keys")
		key := func(x int) int { return (x%mod + mod) % mod }
		want := map[int][]int{}
		sums := map[int]int{}
		for _, x := range xs {
			want[key(x)] = append(want[key(x)], x)
			sums[key(x)] += x
		}
		var opts []bag.Option
		if out > 0 {
			opts = append(opts, bag.SplitOut(out))
		}
		workersOf(t, func(w int) {
			var g graph.Graph
			b := bag.Filter(bag.FromSlice(&g, xs, bag.Partitions(p)), func(int) bool { return true })
			groups := bag.Groups(b, key, opts...)
			if n := groups.NumPartitions(); n != max(out, 0) && out > 0 || out == 0 && n != p {
				t.Fatal("partitions", n)
			}
			parts := compute(t, graph.Gather(&g, "parts", groups.ToDelayed()), w)
			got := map[int][]int{}
			for _, part := range parts {
				for _, gr := range part {
					if _, dup := got[gr.First]; dup {
						t.Fatal("key in two places", gr.First)
					}
					got[gr.First] = gr.Second
				}
				// Groups in order of first occurrence within the partition.
				firsts := []int{}
				for _, gr := range part {
					firsts = append(firsts, slices.Index(xs, gr.Second[0]))
				}
				if !slices.IsSorted(firsts) {
					t.Fatal("groups out of order", part)
				}
			}
			if !maps.EqualFunc(got, want, slices.Equal) {
				t.Fatal(got, want)
			}
			folded := collect(t, bag.FoldGroups(b, key, 0, add, addInts, opts...), w)
			gotSums := map[int]int{}
			for _, pr := range folded {
				gotSums[pr.First] = pr.Second
			}
			if len(folded) != len(sums) || !maps.Equal(gotSums, sums) {
				t.Fatal(folded, sums)
			}
		})
	})
}

// TestGroupsStringKeysAreStable: string keys land in the same partitions
// in every process (a hash of the bytes, not the runtime's seeded one).
func TestGroupsStringKeysAreStable(t *testing.T) {
	var g graph.Graph
	words := bag.FromSlice(&g, []string{"a", "b", "c", "d", "e", "f", "g", "h"})
	parts, err := sched.Compute(ctx, graph.Gather(&g, "parts", bag.Groups(words, func(s string) string { return s }, bag.SplitOut(3)).ToDelayed()))
	if err != nil {
		t.Fatal(err)
	}
	var layout []string
	for _, p := range parts {
		s := ""
		for _, gr := range p {
			s += gr.First
		}
		layout = append(layout, s)
	}
	// Recorded once: a change here moves keys between partitions.
	if want := []string{"bd", "agh", "cef"}; !slices.Equal(layout, want) {
		t.Fatalf("layout %q, recorded %q", layout, want)
	}
	empty := bag.Groups(bag.FromSlice[int](&g, nil), func(x int) int { return x })
	if xs, err := bag.ToSlice(ctx, empty); err != nil || len(xs) != 0 || empty.NumPartitions() != 1 {
		t.Fatal(xs, err, empty.NumPartitions())
	}
	if err := bag.Groups(words, func(s string) string { return s }, bag.SplitOut(0)).Err(); !errors.Is(err, bag.ErrInvalid) {
		t.Fatal(err)
	}
}
