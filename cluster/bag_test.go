package cluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// bagParams lay out bagGraph: a Remote bag of N integers in Parts
// partitions; element Fail, when in range, makes its partition fail.
type bagParams struct {
	N, Parts, Fail int
	Seed           uint64
}

var errElement = errors.New("element refused")

// bagGraph computes several results from one Remote bag whose parsed
// stage is shared (so a task's result carries kept partitions), with a
// shuffle, a delayed argument, a chain and a join among them.
func bagGraph(p bagParams) (*graph.Graph, []graph.Delayed[any]) {
	g := &graph.Graph{}
	xs := make([]int, p.N)
	for i := range xs {
		xs[i] = i
	}
	parsed := bag.MapErr(bag.FromSlice(g, xs, bag.Partitions(p.Parts), bag.Remote()), func(x int) (string, error) {
		if x == p.Fail {
			return "", errElement
		}
		return fmt.Sprintf("w%d", x%13), nil
	})
	lengths := bag.Map(parsed, func(s string) int { return len(s) })
	targets := []graph.Delayed[any]{
		boxed(bag.Frequencies(parsed)),
		boxed(bag.Sum(lengths)),
		boxed(bag.Mean(lengths)),
		boxed(bag.Collect(bag.Groups(lengths, func(n int) int { return n }, bag.SplitOut(2)))),
		boxed(bag.Collect(bag.Take(bag.MapWith(lengths, bag.Max(lengths), func(n, top int) int { return top - n }), 4))),
		boxed(bag.Count(bag.JoinBag(parsed, lengths, func(s string) int { return len(s) }, func(n int) int { return n }))),
		boxed(bag.Sample(parsed, 3, p.Seed)),
	}
	return g, targets
}

func boxed[T any](d graph.Delayed[T]) graph.Delayed[any] {
	return graph.Call(d.Graph(), "box", func(v T) any { return v }, d)
}

func registerBagJob() {
	must(Register(&testJobs, "bag", func(p bagParams) (*graph.Graph, error) {
		g, _ := bagGraph(p)
		return g, nil
	}))
}

// A Remote bag runs on worker processes, its partitions' values crossing
// as CBOR, and gives the values and the failures of a run in one process.
func TestBagOnCluster(t *testing.T) {
	c, _ := testCluster(t, 2)
	ctx := guard(t)
	rapid.Check(t, func(rt *rapid.T) {
		p := bagParams{
			N: rapid.IntRange(1, 400).Draw(rt, "n"), Parts: rapid.IntRange(1, 6).Draw(rt, "parts"),
			Fail: rapid.IntRange(-1, 800).Draw(rt, "fail"), Seed: rapid.Uint64().Draw(rt, "seed"),
		}
		_, ref := bagGraph(p)
		want, wantErr := sched.ComputeAll(ctx, ref, sched.Workers(1))
		j, err := c.Job("bag", p)
		if err != nil {
			rt.Fatal(err)
		}
		_, tasks := bagGraph(p)
		got, gotErr := sched.ComputeAll(ctx, tasks, sched.WithExecutor(j))
		if (gotErr == nil) != (wantErr == nil) {
			rt.Fatalf("error %v, want %v", gotErr, wantErr)
		}
		if wantErr != nil {
			if !strings.Contains(gotErr.Error(), errElement.Error()) || !strings.Contains(gotErr.Error(), " on ") {
				rt.Fatalf("error %v: want the element's error, from a worker", gotErr)
			}
			return
		}
		if !reflect.DeepEqual(got, want) {
			rt.Fatalf("values %v, want %v", got, want)
		}
	})
}

// writeParams lay out writeGraph: N integers in Parts partitions of a
// Remote bag, written as text files part-*.txt into Dir; element Fail,
// when in range, makes its partition fail.
type writeParams struct {
	N, Parts, Fail int
	Dir            string
}

func writeGraph(p writeParams) (*graph.Graph, graph.Delayed[[]string]) {
	g := &graph.Graph{}
	lines := bag.MapErr(bag.Range(g, 0, p.N, bag.Partitions(p.Parts), bag.Remote()), func(x int) (string, error) {
		if x == p.Fail {
			return "", errElement
		}
		return fmt.Sprint(x), nil
	})
	return g, bag.WriteText(lines, filepath.Join(p.Dir, "part-*.txt"))
}

func registerWriteJob() {
	must(Register(&testJobs, "bagwrite", func(p writeParams) (*graph.Graph, error) {
		g, _ := writeGraph(p)
		return g, nil
	}))
}

// A Remote bag's partitions written as text on worker processes: each
// worker writes its partition's temporary file beside the target, and the
// coordinator's commit renames them all into place, leaving no temporary
// file behind. A write whose partition fails leaves nothing: the files
// that other partitions finished on the workers are removed as the run
// ends.
func TestWriteTextOnCluster(t *testing.T) {
	c, _ := testCluster(t, 2)
	bad := writeParams{N: 400, Parts: 4, Fail: 399, Dir: t.TempDir()}
	j, err := c.Job("bagwrite", bad)
	if err != nil {
		t.Fatal(err)
	}
	_, d := writeGraph(bad)
	if _, err := sched.Compute(guard(t), d, sched.WithExecutor(j), sched.KeepGoing()); !errors.Is(err, errElement) && !strings.Contains(fmt.Sprint(err), errElement.Error()) {
		t.Fatalf("error %v, want the element's", err)
	}
	if entries, _ := os.ReadDir(bad.Dir); len(entries) != 0 {
		t.Fatalf("a failed write left %d entries, want none", len(entries))
	}
	p := writeParams{N: 50, Parts: 4, Fail: -1, Dir: t.TempDir()}
	if j, err = c.Job("bagwrite", p); err != nil {
		t.Fatal(err)
	}
	_, d = writeGraph(p)
	paths, err := sched.Compute(guard(t), d, sched.WithExecutor(j))
	if err != nil || len(paths) != p.Parts {
		t.Fatalf("paths %v, %v; want %d files", paths, err, p.Parts)
	}
	var got []string
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Fields(string(data))...)
	}
	if len(got) != p.N || got[0] != "0" || got[p.N-1] != fmt.Sprint(p.N-1) {
		t.Fatalf("the files hold %v", got)
	}
	if entries, _ := os.ReadDir(p.Dir); len(entries) != p.Parts {
		t.Fatalf("the directory holds %d entries, want the %d files and no temporary one", len(entries), p.Parts)
	}
}
