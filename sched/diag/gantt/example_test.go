package gantt_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
	"github.com/seed001e6470/taskgraph/sched/diag/gantt"
)

func small() graph.Delayed[int] {
	var g graph.Graph
	sq := func(x int) int { return x * x }
	a := graph.Call(&g, "square", sq, graph.Value(&g, "a", 3))
	b := graph.Call(&g, "square", sq, graph.Value(&g, "b", 4))
	return graph.Call2(&g, "sum", func(x, y int) int { return x + y }, a, b)
}

func ExampleWrite() {
	p := diag.NewProfiler(diag.SampleEvery(0))
	_, _ = sched.Compute(context.Background(), small(), sched.Workers(2), sched.WithHooks(p.Hooks()))
	var buf bytes.Buffer
	err := gantt.Write(&buf, p, "png") // or "svg"
	cfg, _ := png.DecodeConfig(&buf)
	fmt.Println(err, cfg.Width)
	// Output:
	// <nil> 1152
}

// A chart written to a file, whole or not at all.
func ExampleWrite_file() {
	p := diag.NewProfiler(diag.SampleEvery(0))
	_, _ = sched.Compute(context.Background(), small(), sched.WithHooks(p.Hooks()))
	dir, _ := os.MkdirTemp("", "gantt")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "run.svg")
	err := diag.WriteFile(path, func(w io.Writer) error { return gantt.Write(w, p, diag.FormatOf(path)) })
	fmt.Println(err)
	// Output:
	// <nil>
}

// A Session writes the chart after the run, with its other outputs.
func ExampleOutput() {
	dir, _ := os.MkdirTemp("", "gantt")
	defer os.RemoveAll(dir)
	s, err := diag.New(diag.Options{Outputs: []diag.Output{gantt.Output(filepath.Join(dir, "run.png"))}})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = sched.Compute(context.Background(), small(), sched.WithHooks(s.Hooks()))
	fmt.Println(err, s.Close(err), len(s.Written()))
	// Output:
	// <nil> <nil> 1
}
