package pi_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.uber.org/goleak"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/pi"
)

// Build's tests run graphs on the scheduler's goroutines: none may outlive
// them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The graph's estimate is the serial Run's, bit for bit, whatever the
// number of workers.
func TestBuildMatchesRun(t *testing.T) {
	for _, c := range []struct{ samples, chunks int }{{1, 1}, {1000, 1}, {1000, 7}, {100_003, 64}, {5, 5}} {
		hits, err := pi.Run(42, c.samples, c.chunks)
		if err != nil {
			t.Fatal(err)
		}
		want, se, _ := pi.Estimate(hits, c.samples)
		for _, w := range []int{1, 2, 8} {
			var g graph.Graph
			d, err := pi.Build(&g, 42, c.samples, c.chunks)
			if err != nil {
				t.Fatal(err)
			}
			r, err := sched.Compute(context.Background(), d, sched.Workers(w))
			if err != nil {
				t.Fatal(err)
			}
			if r.Hits != hits || r.Pi != want || r.StdErr != se || r.Samples != c.samples || r.Chunks != c.chunks {
				t.Fatalf("%+v, %d workers: %+v, want %d hits", c, w, r, hits)
			}
			if g.Len() != c.chunks+1 {
				t.Fatalf("%+v: %d nodes", c, g.Len())
			}
		}
	}
}

// Different seeds draw different points.
func TestBuildSeeds(t *testing.T) {
	est := func(seed uint64) int {
		var g graph.Graph
		d, _ := pi.Build(&g, seed, 10_000, 4)
		r, err := sched.Compute(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		return r.Hits
	}
	if est(1) == est(2) && est(2) == est(3) {
		t.Fatal("three seeds gave the same number of hits")
	}
}

func TestBuildRejects(t *testing.T) {
	for _, c := range []struct{ samples, chunks int }{{0, 1}, {-5, 1}, {10, 0}, {10, -1}, {3, 4}} {
		var g graph.Graph
		if _, err := pi.Build(&g, 1, c.samples, c.chunks); !errors.Is(err, pi.ErrArgument) {
			t.Errorf("%+v: %v", c, err)
		}
		if g.Len() != 0 {
			t.Errorf("%+v: a rejected build added %d nodes", c, g.Len())
		}
	}
}

func TestBuildCancelled(t *testing.T) {
	var g graph.Graph
	d, _ := pi.Build(&g, 1, 1000, 10)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := sched.Compute(ctx, d, sched.Workers(2)); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}

// calc_pi_split(10**6, 8) as a graph: eight "chunk" tasks and an
// "estimate". Any number of workers prints the same.
func ExampleBuild() {
	var g graph.Graph
	est, err := pi.Build(&g, 2023, 1_000_000, 8)
	if err != nil {
		panic(err)
	}
	r, err := sched.Compute(context.Background(), est, sched.Workers(2))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d tasks: pi ≈ %.4f ± %.4f from %d hits\n", g.Len(), r.Pi, r.StdErr, r.Hits)
	// Output:
	// 9 tasks: pi ≈ 3.1459 ± 0.0016 from 786470 hits
}
