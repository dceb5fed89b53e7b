package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/pipeline"
)

// squares is a pipeline of the tests' own: the sum of the first N squares,
// a task each.
type squares struct {
	N    int
	Name string
	Odd  bool
}

func (p *squares) Flags(fs *pflag.FlagSet) {
	fs.IntVar(&p.N, "n", p.N, "how many squares")
	fs.StringVar(&p.Name, "label", p.Name, "a label")
	fs.BoolVar(&p.Odd, "odd", p.Odd, "odd numbers only")
}

func (p *squares) Build(g *graph.Graph, opts ...graph.Option) (*pipeline.Job, error) {
	if p.N < 1 {
		return nil, &pipeline.ParamError{Flag: "n", Err: fmt.Errorf("must be at least 1 (got %d)", p.N)}
	}
	if g == nil {
		g = new(graph.Graph)
	}
	parts := make([]graph.Delayed[int], p.N)
	for i := range parts {
		x := i + 1
		if p.Odd {
			x = 2*i + 1
		}
		parts[i] = graph.Source(g, "square", func(context.Context) (int, error) { return x * x, nil }, opts...)
	}
	sum := graph.CallSlice(g, "sum", func(_ context.Context, xs []int) (int, error) {
		t := 0
		for _, x := range xs {
			t += x
		}
		return t, nil
	}, parts)
	return pipeline.NewJob("squares-test", g, sum, func(v int, r *pipeline.Report) error {
		r.Lines = append(r.Lines, fmt.Sprintf("sum %d", v))
		r.Result = v
		return nil
	}), nil
}

var squaresPipeline = pipeline.Pipeline{
	Name:    "squares-test",
	Summary: "the tests' own pipeline",
	New:     func() pipeline.Params { return &squares{N: 3} },
}

// register adds the tests' pipeline for the length of a test.
func register(t *testing.T) {
	t.Helper()
	if err := pipeline.Register(squaresPipeline); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pipeline.Unregister(squaresPipeline.Name) })
}

// A registered pipeline is listed (in order), looked up, parsed, built
// and run like a built-in one.
func TestRegistered(t *testing.T) {
	register(t)
	var names []string
	for _, p := range pipeline.All() {
		names = append(names, p.Name)
	}
	if strings.Join(names, " ") != "generators mandelbrot pi squares-test wordcount" {
		t.Fatalf("All() = %q", names)
	}
	p, err := pipeline.Lookup("squares-test")
	if err != nil {
		t.Fatal(err)
	}
	params, err := p.Parse([]string{"--n=4"})
	if err != nil {
		t.Fatal(err)
	}
	job, err := params.Build(nil, graph.Retries(1))
	if err != nil {
		t.Fatal(err)
	}
	r, err := job.Run(context.Background(), sched.Workers(2))
	if err != nil || r.Lines[0] != "sum 30" || r.Result != 30 || r.Tasks != 5 || r.Pipeline != "squares-test" {
		t.Fatalf("report %+v, %v", r, err)
	}
}

// Register refuses what cannot be a subcommand, a name taken, and a
// pipeline without parameters, and adds nothing then.
func TestRegisterRefuses(t *testing.T) {
	register(t)
	before := len(pipeline.All())
	for _, p := range []pipeline.Pipeline{
		squaresPipeline,
		{Name: "pi", New: squaresPipeline.New},
		{Name: "", New: squaresPipeline.New},
		{Name: "Upper", New: squaresPipeline.New},
		{Name: "9lives", New: squaresPipeline.New},
		{Name: "two words", New: squaresPipeline.New},
		{Name: "no-new"},
		{Name: "nil-params", New: func() pipeline.Params { return nil }},
	} {
		if err := pipeline.Register(p); !errors.Is(err, pipeline.ErrRegister) {
			t.Errorf("Register(%q): %v, want ErrRegister", p.Name, err)
		}
	}
	if after := len(pipeline.All()); after != before {
		t.Errorf("%d pipelines after refusals, %d before", after, before)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustRegister of a taken name did not panic")
		}
	}()
	pipeline.MustRegister(squaresPipeline)
}

// Parse(Args(ps)) gives ps back for any values of a registered
// pipeline's parameters.
func TestRegisteredArgsRoundTrip(t *testing.T) {
	register(t)
	p, _ := pipeline.Lookup("squares-test")
	rapid.Check(t, func(t *rapid.T) {
		ps := &squares{
			N:    rapid.Int().Draw(t, "n"),
			Name: rapid.String().Draw(t, "label"),
			Odd:  rapid.Bool().Draw(t, "odd"),
		}
		back, err := p.Parse(pipeline.Args(ps))
		if err != nil || !reflect.DeepEqual(back, ps) {
			t.Fatalf("Args %q parse back to %+v, %v", pipeline.Args(ps), back, err)
		}
	})
}

// NewJob without a report function still runs.
func TestNewJobNilReport(t *testing.T) {
	var g graph.Graph
	d := graph.Value(&g, "x", 7)
	r, err := pipeline.NewJob("x", &g, d, nil).Run(context.Background())
	if err != nil || r.Value != 7 {
		t.Fatalf("%+v %v", r, err)
	}
}

// A program's own pipeline, registered before it serves the command line
// (package cmd/taskgraph/cli), is then listed and run as the built-in
// ones are.
func ExampleRegister() {
	err := pipeline.Register(pipeline.Pipeline{
		Name:    "squares",
		Summary: "the sum of the first n squares",
		New:     func() pipeline.Params { return &squares{N: 10} },
	})
	fmt.Println(err)
	p, _ := pipeline.Lookup("squares")
	params, _ := p.Parse([]string{"--n=3"})
	job, _ := params.Build(nil)
	r, err := job.Run(context.Background())
	fmt.Print(r)
	fmt.Println(err)
	fmt.Println(pipeline.Register(pipeline.Pipeline{Name: "squares", New: p.New}))
	// Output:
	// <nil>
	// sum 14
	// <nil>
	// pipeline: cannot register: a pipeline called "squares" is registered already
}

// NewJob is how a pipeline's Build hands back its graph: the target, and
// what to report of its value.
func ExampleNewJob() {
	var g graph.Graph
	a := graph.Value(&g, "a", 20)
	d := graph.Call(&g, "double", func(x int) int { return 2 * x }, a)
	job := pipeline.NewJob("double", &g, d, func(v int, r *pipeline.Report) error {
		r.Lines = append(r.Lines, fmt.Sprint("twice 20 is ", v))
		r.Result = map[string]int{"twice": v}
		return nil
	})
	r, err := job.Run(context.Background())
	fmt.Print(r)
	fmt.Println(r.Result, r.Tasks, err)
	// Output:
	// twice 20 is 40
	// map[twice:40] 1 <nil>
}

// Enums lists the values of a flag that takes a few, for completion.
func ExampleEnums() {
	p, _ := pipeline.Lookup("generators")
	if e, ok := p.New().(pipeline.Enums); ok {
		fmt.Println(e.Enums()["seq"])
	}
	// Output:
	// [even fibonacci integers]
}
