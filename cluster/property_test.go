package cluster

import (
	"errors"
	"slices"
	"testing"

	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/sched"
)

// Random graphs with remote tasks, some failing, in keep-going mode: the
// same values and the same failed tasks as the one-worker local reference.
func TestRandomGraphs(t *testing.T) {
	c, _ := testCluster(t, 2)
	ctx := guard(t)
	rapid.Check(t, func(rt *rapid.T) {
		p := randomParams{Seed: rapid.Int64().Draw(rt, "seed"), N: rapid.IntRange(1, 60).Draw(rt, "n")}
		_, ref := randomGraph(p, false)
		want, wantErr := sched.ComputeAll(ctx, ref, sched.Workers(1), sched.KeepGoing())
		j, err := c.Job("random", p)
		if err != nil {
			rt.Fatal(err)
		}
		_, tasks := randomGraph(p, true)
		got, gotErr := sched.ComputeAll(ctx, tasks, sched.WithExecutor(j), sched.KeepGoing())
		if !slices.Equal(got, want) {
			rt.Fatalf("values %v, want %v", got, want)
		}
		if g, w := failed(gotErr), failed(wantErr); !slices.Equal(g, w) {
			rt.Fatalf("failed tasks %v, want %v (errors: %v / %v)", g, w, gotErr, wantErr)
		}
	})
}

// failed lists the IDs of the tasks an error names, sorted.
func failed(err error) []int {
	var ids []int
	var walk func(error)
	walk = func(e error) {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
			return
		}
		var te *sched.TaskError
		if errors.As(e, &te) && !errors.Is(te, sched.ErrSkipped) {
			ids = append(ids, te.ID)
		}
	}
	walk(err)
	slices.Sort(ids)
	return ids
}
