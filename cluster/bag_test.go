package cluster

import (
	"errors"
	"fmt"
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
