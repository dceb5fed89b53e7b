package sched_test

import (
	"context"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

func TestSmoke(t *testing.T) {
	var g graph.Graph
	a := graph.Value(&g, "a", 20)
	b := graph.Call(&g, "double", func(x int) int { return 2 * x }, a)
	c := graph.Call2(&g, "add", func(x, y int) int { return x + y }, a, b)
	for _, w := range []int{1, 2, 8} {
		v, err := sched.Compute(context.Background(), c, sched.Workers(w))
		if v != 60 || err != nil {
			t.Fatal(v, err)
		}
	}
}
