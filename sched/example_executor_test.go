package sched_test

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// elsewhere is the smallest Executor: it runs each hand-off on a goroutine
// of its own and reports where. A real one (package cluster) sends
// h.Task.Args() to another process and decodes the answer into
// h.Task.Result().
type elsewhere struct{ wg sync.WaitGroup }

func (e *elsewhere) Submit(ctx context.Context, h sched.Handoff, done func(sched.Report)) {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		done(sched.Report{Err: h.Task.Run(ctx), Worker: "goroutine/1"})
	}()
}

// Tasks marked graph.Remote go to the run's executor; the rest run on its
// own workers, and one graph mixes both.
func ExampleWithExecutor() {
	var g graph.Graph
	x := graph.Value(&g, "x", 20)
	far := graph.Call(&g, "far", func(v int) int { return v + 1 }, x, graph.Remote())
	near := graph.Call(&g, "near", func(v int) int { return 2 * v }, far)

	exec := &elsewhere{}
	v, err := sched.Compute(context.Background(), near, sched.WithExecutor(exec))
	exec.wg.Wait()
	fmt.Println(v, err)
	// Output: 42 <nil>
}

// Compute2 computes two values of different types in one run.
func ExampleCompute2() {
	var g graph.Graph
	words := graph.Value(&g, "words", []string{"to", "be", "or", "not"})
	n := graph.Call(&g, "count", func(ws []string) int { return len(ws) }, words)
	first := graph.Call(&g, "first", func(ws []string) string { return ws[0] }, words)
	count, word, err := sched.Compute2(context.Background(), n, first)
	fmt.Println(count, word, err)
	// Output: 4 to <nil>
}

// Compute3 computes three values of different types in one run.
func ExampleCompute3() {
	var g graph.Graph
	x := graph.Value(&g, "x", 3)
	sq := graph.Call(&g, "sq", func(v int) int { return v * v }, x)
	half := graph.Call(&g, "half", func(v int) float64 { return float64(v) / 2 }, x)
	odd := graph.Call(&g, "odd", func(v int) bool { return v%2 == 1 }, x)
	a, b, c, err := sched.Compute3(context.Background(), sq, half, odd)
	fmt.Println(a, b, c, err)
	// Output: 9 1.5 true <nil>
}

// With KeepGoing, the error of a run that did not compute every target
// is a *PartialError that says, target by target, which ones have no
// value and why.
func ExamplePartialError() {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	ok := graph.Call(&g, "ok", func(v int) int { return v + 1 }, x)
	bad := graph.CallCtx(&g, "bad", func(context.Context, int) (int, error) { return 0, errors.New("disk full") }, x)
	vs, err := sched.ComputeAll(context.Background(), []graph.Delayed[int]{ok, bad}, sched.KeepGoing())
	var pe *sched.PartialError
	if errors.As(err, &pe) {
		for k, v := range vs {
			fmt.Println(k, v, pe.Failed(k), pe.Targets[k])
		}
	}
	// Output:
	// 0 2 false <nil>
	// 1 0 true task bad#2: disk full
}

// A hook that panics stops the run; the panic is the run's error.
func ExampleHookError() {
	var g graph.Graph
	d := graph.Call(&g, "t", func(v int) int { return v }, graph.Value(&g, "x", 1))
	buggy := sched.Hooks{TaskDone: func(sched.TaskEvent) { panic("oops") }}
	_, err := sched.Compute(context.Background(), d, sched.WithHooks(buggy))
	var he *sched.HookError
	fmt.Println(errors.As(err, &he), he.Value)
	// Output: true oops
}

// AtRunEnd settles what tasks leave for the run to settle (files to
// rename into place or remove), before Compute returns.
func ExampleAtRunEnd() {
	var g graph.Graph
	var log []string
	step := graph.CallCtx(&g, "step", func(ctx context.Context, v int) (int, error) {
		sched.AtRunEnd(ctx, func(err error) { log = append(log, fmt.Sprint("run ended: ", err)) })
		return v + 1, nil
	}, graph.Value(&g, "x", 1))
	v, err := sched.Compute(context.Background(), step, sched.Workers(1))
	log = append(log, fmt.Sprint("Compute returned ", v, err))
	fmt.Println(log)
	fmt.Println(sched.AtRunEnd(context.Background(), func(error) {})) // not in a task
	// Output:
	// [run ended: <nil> Compute returned 2 <nil>]
	// false
}
