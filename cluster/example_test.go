package cluster_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/seed001e6470/taskgraph/cluster"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// sumSquares is a job's graph: n remote tasks square 0…n-1, a local task
// adds them up. The coordinator and every worker build it the same way.
func sumSquares(n int) (*graph.Graph, graph.Delayed[int]) {
	g := &graph.Graph{}
	sq := make([]graph.Delayed[int], n)
	for i := range n {
		sq[i] = graph.Call(g, "square", func(x int) int { return x * x }, graph.Value(g, "x", i), graph.Remote())
	}
	return g, graph.CallSlice(g, "sum", func(_ context.Context, xs []int) (int, error) {
		s := 0
		for _, x := range xs {
			s += x
		}
		return s, nil
	}, sq)
}

// A program registers its jobs by name, in both roles: the coordinator
// and its workers.
func ExampleRegister() {
	var jobs cluster.Registry
	err := cluster.Register(&jobs, "sum-squares", func(n int) (*graph.Graph, error) {
		g, _ := sumSquares(n)
		return g, nil
	})
	fmt.Println(jobs.Names(), err)
	// Output: [sum-squares] <nil>
}

// A server, a worker and a coordinator, here all in one process: in real
// use the worker is `taskgraph worker --nats URL` on another machine, or
// a process that Open starts when its URL is empty.
func ExampleOpen() {
	ctx := context.Background()
	var jobs cluster.Registry
	cluster.Register(&jobs, "sum-squares", func(n int) (*graph.Graph, error) {
		g, _ := sumSquares(n)
		return g, nil
	})

	server, err := cluster.StartLocal(ctx, cluster.LocalOptions{NoWorkers: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer server.Close()
	wctx, stopWorker := context.WithCancel(ctx)
	var worker sync.WaitGroup
	worker.Go(func() { cluster.Serve(wctx, server.URL(), &jobs, cluster.WorkerOptions{}) })
	defer worker.Wait()
	defer stopWorker()

	c, err := cluster.Open(ctx, server.URL(), cluster.Options{Registry: &jobs})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	job, err := c.Job("sum-squares", 10)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, total := sumSquares(10)
	v, err := sched.Compute(ctx, total, sched.WithExecutor(job))
	fmt.Println(v, err)
	// Output: 285 <nil>
}

// WorkerMain goes first in main: in a process that StartLocal (or Open
// with an empty URL) started as a worker, it serves and exits; anywhere
// else it returns at once.
func ExampleWorkerMain() {
	var jobs cluster.Registry // filled by the program's init functions
	cluster.WorkerMain(&jobs)
	fmt.Println("not a worker: the program goes on")
	// Output: not a worker: the program goes on
}
