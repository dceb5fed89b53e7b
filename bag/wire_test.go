package bag_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/codec"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// wireExecutor runs hand-offs as a cluster worker does: on a graph of its
// own, made again by build, with every argument and the result encoded
// and decoded by package codec. Nothing the two graphs hold in memory is
// shared, so a value that cannot travel, or a task that depends on
// something of the coordinator's graph other than its arguments, fails
// here as it would on a real worker.
type wireExecutor struct {
	build  func() *graph.Graph
	wg     sync.WaitGroup
	handed atomic.Int64
}

func (e *wireExecutor) Submit(ctx context.Context, h sched.Handoff, done func(sched.Report)) {
	e.handed.Add(1)
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		done(sched.Report{Err: e.run(ctx, h), Worker: "wire/1"})
	}()
}

func cellType(t graph.Task) reflect.Type { return reflect.TypeOf(t.Result()).Elem() }

func (e *wireExecutor) run(ctx context.Context, h sched.Handoff) error {
	x, rx := graph.ExecutableOf(h.Graph), graph.ExecutableOf(e.build())
	// The run adds its targets' boxes after building: the rebuilt graph
	// is the built one, so it must hold the task (and its arguments,
	// which come before it).
	if h.ID >= rx.Len() || rx.Name(h.ID) != x.Name(h.ID) {
		return fmt.Errorf("the rebuilt graph has no task %s", h.Name)
	}
	deps, args := x.Deps(h.ID), h.Task.Args()
	var ids []int32
	var vals []any
	for i, d := range deps {
		if x.Kind(int(d)) == graph.KindValue || slices.Contains(ids, d) {
			continue // constants stay: the rebuilt graph has them
		}
		ids, vals = append(ids, d), append(vals, args[i])
	}
	ids = append(ids, int32(h.ID))
	copies := rx.Copy(ids)
	for k, v := range vals {
		data, err := codec.MarshalCell(cellType(x.Task(int(ids[k]))), v)
		if err != nil {
			return fmt.Errorf("argument %s: %w", x.Key(int(ids[k])), err)
		}
		if err := codec.UnmarshalCell(data, copies[k].Result()); err != nil {
			return fmt.Errorf("argument %s: %w", x.Key(int(ids[k])), err)
		}
	}
	node := copies[len(copies)-1]
	if err := node.Run(ctx); err != nil {
		return err
	}
	data, err := codec.MarshalCell(cellType(h.Task), node.Value())
	if err != nil {
		return fmt.Errorf("result of %s: %w", h.Name, err)
	}
	return codec.UnmarshalCell(data, h.Task.Result())
}

// A Remote bag's tasks run on graphs made again elsewhere, their values
// encoded on the way, and give the serial results: every value a
// partition task makes can travel (its type is registered by the bag),
// and shared stages are found by what travels, not by pointers.
func TestRemoteOverTheWire(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 200).Draw(t, "n")
		xs := make([]int, n)
		for i := range xs {
			xs[i] = i
		}
		parts := rapid.IntRange(1, 7).Draw(t, "parts")
		source := rapid.SampledFrom(slices.Sorted(maps.Keys(remoteSources))).Draw(t, "source")
		build := func(g *graph.Graph) (func(context.Context, ...sched.Option) (remoteResults, error), error) {
			return buildRemote(g, xs, parts, source, bag.Remote())
		}
		var g graph.Graph
		run, err := build(&g)
		if err != nil {
			t.Fatal(err)
		}
		exec := &wireExecutor{build: func() *graph.Graph {
			var rg graph.Graph
			build(&rg)
			return &rg
		}}
		w := rapid.SampledFrom([]int{1, 3}).Draw(t, "workers")
		got, err := run(context.Background(), sched.Workers(w), sched.WithExecutor(exec))
		exec.wg.Wait()
		if err != nil {
			t.Fatalf("workers %d: %v", w, err)
		}
		sameRemote(t, fmt.Sprintf("workers %d, over the wire", w), got, refRemote(xs))
		// Take(seq, 0) has no partition to hand over.
		if exec.handed.Load() == 0 && remoteSources[source](&graph.Graph{}, xs, parts).NumPartitions() > 0 {
			t.Fatal("nothing was handed to the executor")
		}
	})
}

func mod(k int) func(int) int { return func(x int) int { return x % k } }

// buildMore lays out the bag's other grouped, sampled and delayed-argument
// stages over a Remote bag of xs.
func buildMore(g *graph.Graph, xs []int, parts int, seed uint64) []graph.Delayed[any] {
	src := bag.FromSlice(g, xs, bag.Partitions(parts), bag.Remote())
	m := bag.Map(src, affine)
	byMax := bag.MapWith(src, bag.Max(src), func(x, top int) int { return top - x })
	return []graph.Delayed[any]{
		box(bag.Mean(m)),
		box(bag.Min(m)),
		box(bag.Max(m)),
		box(bag.Var(m, 0)),
		box(bag.Reduce(m, add)),
		box(bag.Any(m, notThird)),
		box(bag.Collect(bag.Distinct(bag.Map(src, mod(7))))),
		box(bag.Collect(bag.DistinctBy(m, mod(7)))),
		box(bag.FoldBy(m, mod(5), 0, add, add)),
		box(bag.Collect(bag.FoldGroups(m, mod(5), 0, add, add, bag.SplitOut(2)))),
		box(bag.GroupBy(m, mod(4))),
		box(bag.Choices(m, 5, seed)),
		box(bag.Sample(m, 3, seed)),
		box(bag.Collect(bag.RandomSample(m, 0.5, seed))),
		box(bag.Collect(byMax)),
		box(bag.Collect(bag.Take(byMax, 5))), // a chain whose tasks also wait for the argument
		box(bag.Collect(bag.FilterWith(src, bag.Mean(src), func(x int, mean float64) bool { return float64(x) < mean }))),
		box(bag.TopK(m, 3, func(a, b int) int { return a - b })),
		box(bag.MostCommon(bag.Map(src, mod(3)), 2)),
		box(bag.Collect(bag.Flatten(bag.Map(src, func(x int) []int { return []int{x, -x} })))),
		box(bag.Count(bag.Product(src, m))),
	}
}

// The other stages over a Remote bag give, over the wire, what they give
// in one process.
func TestRemoteMoreOverTheWire(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		xs := rapid.SliceOfN(rapid.IntRange(-50, 50), 1, 120).Draw(t, "xs")
		parts := rapid.IntRange(1, 6).Draw(t, "parts")
		seed := rapid.Uint64().Draw(t, "seed")
		var g graph.Graph
		targets := buildMore(&g, xs, parts, seed)
		want, err := sched.ComputeAll(context.Background(), targets, sched.Workers(1))
		if err != nil {
			t.Fatal(err)
		}
		exec := &wireExecutor{build: func() *graph.Graph {
			var rg graph.Graph
			buildMore(&rg, xs, parts, seed)
			return &rg
		}}
		w := rapid.SampledFrom([]int{1, 3}).Draw(t, "workers")
		got, err := sched.ComputeAll(context.Background(), targets, sched.Workers(w), sched.WithExecutor(exec))
		exec.wg.Wait()
		if err != nil {
			t.Fatalf("workers %d: %v", w, err)
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("target %d (%s): over the wire %v, in one process %v", i, graph.ExecutableOf(&g).Name(targets[i].ID()), got[i], want[i])
			}
		}
	})
}

// opaqueAcc cannot travel: its n would arrive as 0.
type opaqueAcc struct{ n int }

// A Remote bag whose accumulator cannot travel fails with an error naming
// the type and its field, never with a zero partial.
func TestRemoteValueCannotTravel(t *testing.T) {
	build := func(g *graph.Graph) graph.Delayed[opaqueAcc] {
		src := bag.Range(g, 0, 100, bag.Partitions(4), bag.Remote())
		return bag.Fold(src, opaqueAcc{}, func(a opaqueAcc, x int) opaqueAcc { return opaqueAcc{a.n + x} },
			func(a, b opaqueAcc) opaqueAcc { return opaqueAcc{a.n + b.n} })
	}
	var g graph.Graph
	d := build(&g)
	exec := &wireExecutor{build: func() *graph.Graph { var rg graph.Graph; build(&rg); return &rg }}
	_, err := sched.Compute(context.Background(), d, sched.WithExecutor(exec))
	exec.wg.Wait()
	var te *codec.TypeError
	if !errors.As(err, &te) || te.Path != ".n" || !strings.Contains(err.Error(), "opaqueAcc") {
		t.Fatalf("error %v, want a codec.TypeError naming opaqueAcc and .n", err)
	}
}

// WriteText over a Remote bag writes each partition where its task runs
// (a worker sharing the coordinator's filesystem) and the coordinator
// renames the files into place.
func TestRemoteWriteText(t *testing.T) {
	dir := t.TempDir()
	build := func(g *graph.Graph) graph.Delayed[[]string] {
		lines := bag.Map(bag.Range(g, 0, 40, bag.Partitions(3), bag.Remote()), func(x int) string { return fmt.Sprint(x) })
		return bag.WriteText(lines, filepath.Join(dir, "part-*.txt"))
	}
	var g graph.Graph
	d := build(&g)
	exec := &wireExecutor{build: func() *graph.Graph { var rg graph.Graph; build(&rg); return &rg }}
	paths, err := sched.Compute(context.Background(), d, sched.WithExecutor(exec))
	exec.wg.Wait()
	if err != nil || len(paths) != 3 {
		t.Fatalf("paths %v, %v", paths, err)
	}
	var got []string
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Fields(string(data))...)
	}
	if len(got) != 40 || got[0] != "0" || got[39] != "39" {
		t.Fatalf("the files hold %v", got)
	}
	if exec.handed.Load() != 3 {
		t.Fatalf("%d hand-offs, want one per partition", exec.handed.Load())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Fatalf("the directory holds %d entries, want the 3 files and no temporary one", len(entries))
	}
}
