package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/mandelbrot"
	"github.com/seed001e6470/taskgraph/tasks/pipeline"
)

func ExampleAll() {
	for _, p := range pipeline.All() {
		fmt.Println(p.Name)
	}
	// Output:
	// generators
	// mandelbrot
	// pi
	// wordcount
}

func ExampleLookup() {
	p, err := pipeline.Lookup("pi")
	fmt.Println(p.Name, "-", p.Summary, err)
	_, err = pipeline.Lookup("pie")
	fmt.Println(err)
	fmt.Println(errors.Is(err, pipeline.ErrUnknown))
	// Output:
	// pi - Monte-Carlo estimate of π in independently seeded chunks, with its standard error <nil>
	// unknown pipeline "pie" (there are: generators, mandelbrot, pi, wordcount)
	// true
}

// From a command line to a report: parse, build, run.
func ExamplePipeline_Parse() {
	p, _ := pipeline.Lookup("pi")
	params, err := p.Parse([]string{"--samples=1e6", "--chunks", "8"})
	if err != nil {
		panic(err)
	}
	job, err := params.Build(new(graph.Graph)) // nothing runs yet
	if err != nil {
		panic(err)
	}
	r, err := job.Run(context.Background(), sched.Workers(2))
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Tasks, "tasks;", r.Lines[0]) // Lines[1] has the speed, which varies
	// Output:
	// 9 tasks; pi ≈ 3.14019200 ± 0.00164316 (standard error; 0.9 standard errors from π)
}

// Mistakes on the command line match ErrParam and name their flag.
func ExamplePipeline_Parse_mistakes() {
	p, _ := pipeline.Lookup("mandelbrot")
	_, err := p.Parse([]string{"--centre=0"})
	fmt.Println(err, errors.Is(err, pipeline.ErrParam))
	_, err = p.Parse([]string{"--center=i"})
	fmt.Println(err)
	params, _ := p.Parse([]string{"--max-iter=0"}) // parses, but is out of range
	_, err = params.Build(new(graph.Graph))
	fmt.Println(err, errors.Is(err, pipeline.ErrParam))
	// Output:
	// unknown flag: --centre true
	// invalid argument "i" for "--center" flag: not a complex number like -1.1195+0.2718i
	// --max-iter: must be at least 1 (got 0) true
}

// A run is identified by its pipeline's name and Args of its parameters:
// plain strings that Parse reads back.
func ExampleArgs() {
	params := pipeline.DefaultPi()
	params.Samples = 5_000
	fmt.Println(pipeline.Args(&params))
	p, _ := pipeline.Lookup("pi")
	back, _ := p.Parse(pipeline.Args(&params))
	fmt.Println(*back.(*pipeline.Pi) == params)
	// Output:
	// [--chunks=100 --samples=5000 --seed=1]
	// true
}

// The parameter structs can be filled in from Go directly.
func ExamplePi() {
	params := pipeline.Pi{Samples: 1_000_000, Chunks: 10, Seed: 7}
	job, err := params.Build(new(graph.Graph))
	if err != nil {
		panic(err)
	}
	r, err := job.Run(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Lines[0])
	// Output:
	// pi ≈ 3.14063200 ± 0.00164285 (standard error; 0.6 standard errors from π)
}

func ExampleDefaultPi() {
	fmt.Printf("%+v\n", pipeline.DefaultPi())
	// Output:
	// {Samples:100000000 Chunks:100 Seed:1}
}

// A small Mandelbrot view, written to a PNG: the file appears only once it
// is complete.
func ExampleMandelbrot() {
	dir, _ := os.MkdirTemp("", "mandelbrot")
	defer os.RemoveAll(dir)

	params := pipeline.DefaultMandelbrot()
	params.View.Width, params.View.Height = 64, 48
	params.Tiles = 12
	params.Out = filepath.Join(dir, "small.png")
	job, err := params.Build(new(graph.Graph))
	if err != nil {
		panic(err)
	}
	r, err := job.Run(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Lines[0])
	fmt.Println(r.Lines[1])
	fmt.Println(r.Value.(mandelbrot.Result).Image.Rect, len(r.Files), "file")
	// Output:
	// mandelbrot 64×48, max-iter 1024, centre -1.1195+0.2718i, extent 0.005+0.005i, 12 tiles
	// sum of pixel values 222021
	// 0,0+64x48 1 file
}

func ExampleDefaultMandelbrot() {
	p := pipeline.DefaultMandelbrot()
	fmt.Println(p.View.Width, p.View.Height, p.View.MaxIter, p.Tiles, p.Out)
	// Output:
	// 512 512 1024 256 mandelbrot.png
}

// Tiles of a given size instead of a number of tiles.
func ExampleSize() {
	params := pipeline.DefaultMandelbrot()
	params.TileSize = pipeline.Size{W: 100, H: 512}
	params.Out = ""
	job, _ := params.Build(new(graph.Graph))
	fmt.Println(params.TileSize, "tiles:", job.Tasks(), "tasks")
	// Output:
	// 100x512 tiles: 14 tasks
}

func ExampleGenerators() {
	params := pipeline.Generators{N: 10, Seq: "fibonacci"}
	job, _ := params.Build(new(graph.Graph))
	r, err := job.Run(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Print(r)
	// Output:
	// the first 10 values of fibonacci, an infinite generator, in 10 partitions
	// count 10, sum 143, min 1, max 55
	// first values, numbered by the printer coroutine:
	// 1 1
	// 2 1
	// 3 2
	// 4 3
	// 5 5
}

func ExampleDefaultGenerators() {
	fmt.Printf("%+v\n", pipeline.DefaultGenerators())
	// Output:
	// {N:1000000 Seq:even}
}

func ExampleWordCount() {
	dir, _ := os.MkdirTemp("", "wordcount")
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("It was the best of times,\nit was the worst of times.\n"), 0o644)

	params := pipeline.WordCount{Input: []string{filepath.Join(dir, "*.txt")}, Top: 3}
	job, err := params.Build(new(graph.Graph))
	if err != nil {
		panic(err)
	}
	r, err := job.Run(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Print(r)
	// Output:
	// 12 words, 7 different; the 3 most frequent:
	//   1  it  2
	//   2  of  2
	//   3  the 2
}

// Without input files there is nothing to count.
func ExampleDefaultWordCount() {
	params := pipeline.DefaultWordCount()
	_, err := params.Build(new(graph.Graph))
	fmt.Println(err)
	// Output:
	// --input: required: the text files to count the words of
}

func ExampleParamError() {
	params := pipeline.Pi{Samples: 10, Chunks: 20}
	_, err := params.Build(new(graph.Graph))
	var pe *pipeline.ParamError
	if errors.As(err, &pe) {
		fmt.Println(pe.Flag, "-", pe.Err)
	}
	// Output:
	// chunks - 20 chunks for 10 samples would leave some empty
}

func ExampleUnknownError() {
	_, err := pipeline.Lookup("fractal")
	var ue *pipeline.UnknownError
	if errors.As(err, &ue) {
		fmt.Println(ue.Name, ue.Known)
	}
	// Output:
	// fractal [generators mandelbrot pi wordcount]
}

// The report of a run prints as its summary lines.
func ExampleReport_String() {
	r := pipeline.Report{Lines: []string{"first fact", "second fact"}}
	fmt.Print(r)
	// Output:
	// first fact
	// second fact
}

// Job.Run with scheduler options: any number of workers gives the same
// result.
func ExampleJob_Run() {
	params := pipeline.Pi{Samples: 200_000, Chunks: 16, Seed: 3}
	for _, w := range []int{1, 2} {
		job, _ := params.Build(new(graph.Graph))
		r, err := job.Run(context.Background(), sched.Workers(w))
		if err != nil {
			panic(err)
		}
		fmt.Println(w, "worker(s):", r.Lines[0])
	}
	// Output:
	// 1 worker(s): pi ≈ 3.14396000 ± 0.00366835 (standard error; 0.6 standard errors from π)
	// 2 worker(s): pi ≈ 3.14396000 ± 0.00366835 (standard error; 0.6 standard errors from π)
}

// Flags binds the parameters to a pflag.FlagSet, as the taskgraph command
// does for each pipeline's subcommand.
func ExampleMandelbrot_Flags() {
	params := pipeline.DefaultMandelbrot()
	fs := pflag.NewFlagSet("mandelbrot", pflag.ContinueOnError)
	params.Flags(fs)
	if err := fs.Parse([]string{"--width=800", "--center=-0.75+0.1i", "--tile-size=64"}); err != nil {
		panic(err)
	}
	fmt.Println(params.View.Width, params.View.Center, params.TileSize)
	fs.VisitAll(func(f *pflag.Flag) { fmt.Print(f.Name, " ") })
	fmt.Println()
	// Output:
	// 800 (-0.75+0.1i) 64x64
	// center extent figure height max-iter out tile-size tiles width
}

// An output file appears whole or not at all: it is written under a
// temporary name and renamed into place by Commit.
func ExampleCreateOutput() {
	dir, _ := os.MkdirTemp("", "out")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "result.txt")

	f, err := pipeline.CreateOutput(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Abort() // no-op once committed
	fmt.Fprintln(f, "pi ≈ 3.1416")
	if _, err := os.Stat(path); os.IsNotExist(err) {
		fmt.Println("not there before Commit")
	}
	if err := f.Commit(); err != nil {
		fmt.Println(err)
		return
	}
	b, _ := os.ReadFile(path)
	fmt.Print(string(b))
	// Output:
	// not there before Commit
	// pi ≈ 3.1416
}
