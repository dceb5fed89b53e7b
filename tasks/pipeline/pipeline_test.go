package pipeline_test

import (
	"context"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/pipeline"
)

func lookup(t *testing.T, name string) pipeline.Pipeline {
	t.Helper()
	p, err := pipeline.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func parse(t *testing.T, name string, args ...string) pipeline.Params {
	t.Helper()
	ps, err := lookup(t, name).Parse(args)
	if err != nil {
		t.Fatalf("%s %q: %v", name, args, err)
	}
	return ps
}

// textFile writes a small text file and returns its name.
func textFile(t *testing.T) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "t.txt")
	if err := os.WriteFile(name, []byte("one two two three three three\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// Every pipeline's parameters survive Args and Parse, defaults or not:
// the name and the arguments are a run's whole identity.
func TestArgsRoundTrip(t *testing.T) {
	cases := map[string][][]string{
		"mandelbrot": {nil, {"--width=33", "--height=7", "--max-iter=5", "--center=(0.25-1e-3i)", "--extent=3", "--tile-size=8x3", "--out=", "--figure=f.svg"}},
		"pi":         {nil, {"--samples=1_000", "--chunks=1e2", "--seed=18446744073709551615"}},
		"generators": {nil, {"--n=7", "--seq=fibonacci"}},
		"wordcount":  {nil, {"--input=a,b.txt", "--input=*.md", "--top=2", "--partitions=3", "--block-size=64MiB", "--out=top.csv"}, {"--block-size=1e6", "--out=t.json"}},
	}
	for _, p := range pipeline.All() {
		for _, args := range cases[p.Name] {
			ps := parse(t, p.Name, args...)
			back, err := p.Parse(pipeline.Args(ps))
			if err != nil {
				t.Fatalf("%s: Parse(Args) = %v", p.Name, err)
			}
			if !reflect.DeepEqual(back, ps) {
				t.Fatalf("%s %q: Args %q parse back to %+v, want %+v", p.Name, args, pipeline.Args(ps), back, ps)
			}
		}
	}
}

// New returns fresh parameters: parsing into one set leaves the next alone.
func TestNewIsFresh(t *testing.T) {
	p := lookup(t, "wordcount")
	parse(t, "wordcount", "--input=x")
	if ps := p.New().(*pipeline.WordCount); len(ps.Input) != 0 {
		t.Fatalf("defaults changed by an earlier parse: %+v", ps)
	}
}

func TestLookupUnknown(t *testing.T) {
	for _, name := range []string{"", "Pi", "nosuch"} {
		if _, err := pipeline.Lookup(name); !errors.Is(err, pipeline.ErrUnknown) {
			t.Errorf("%q: %v", name, err)
		}
	}
	if _, err := (pipeline.Pipeline{}).Parse(nil); !errors.Is(err, pipeline.ErrUnknown) {
		t.Errorf("zero Pipeline: %v", err)
	}
}

// Mistakes found while parsing match ErrParam.
func TestParseMistakes(t *testing.T) {
	cases := []struct{ name, arg string }{
		{"mandelbrot", "--nosuch=1"},
		{"mandelbrot", "--center=abc"},
		{"mandelbrot", "--extent=1+"},
		{"mandelbrot", "--width=wide"},
		{"mandelbrot", "--tile-size=8y"},
		{"mandelbrot", "--tile-size=0"},
		{"mandelbrot", "--tile-size=0x4"},
		{"mandelbrot", "--tile-size=-8"},
		{"mandelbrot", "stray"},
		{"pi", "--samples=1.5"},
		{"pi", "--samples=1e30"},
		{"pi", "--samples=NaN"},
		{"pi", "--seed=-1"},
		{"generators", "--n="},
		{"wordcount", "--top=x"},
	}
	for _, c := range cases {
		_, err := lookup(t, c.name).Parse([]string{c.arg})
		if !errors.Is(err, pipeline.ErrParam) {
			t.Errorf("%s %s: %v", c.name, c.arg, err)
		}
	}
}

// Values out of range are found by Build, which names the flag and adds
// nothing to the graph.
func TestBuildMistakes(t *testing.T) {
	cases := []struct {
		name, arg, flag string
	}{
		{"mandelbrot", "--width=0", "width"},
		{"mandelbrot", "--height=-3", "height"},
		{"mandelbrot", "--max-iter=0", "max-iter"},
		{"mandelbrot", "--max-iter=-1", "max-iter"},
		{"mandelbrot", "--tiles=0", "tiles"},
		{"mandelbrot", "--tiles=1000003", "tiles"}, // a prime: no grid fits 512×512
		{"mandelbrot", "--figure=plot.bmp", "figure"},
		{"mandelbrot", "--center=Inf", ""},
		{"mandelbrot", "--extent=-1", ""},
		{"mandelbrot", "--width=100000", ""},
		{"pi", "--samples=0", "samples"},
		{"pi", "--chunks=0", "chunks"},
		{"pi", "--chunks=-2", "chunks"},
		{"pi", "--samples=10", "chunks"}, // 100 chunks for 10 samples
		{"generators", "--n=0", "n"},
		{"generators", "--n=-5", "n"},
		{"generators", "--seq=primes", "seq"},
		{"wordcount", "--top=0", "input"}, // --input is checked first
		{"wordcount", "--input=x.txt", ""},
	}
	for _, c := range cases {
		ps := parse(t, c.name, c.arg)
		var g graph.Graph
		_, err := ps.Build(&g)
		var pe *pipeline.ParamError
		if c.name == "wordcount" && c.flag == "" {
			// A missing input file is not a mistake in the flags.
			if err == nil || errors.Is(err, pipeline.ErrParam) {
				t.Errorf("%s %s: %v, want an error that is not ErrParam", c.name, c.arg, err)
			}
			continue
		}
		if !errors.As(err, &pe) || !errors.Is(err, pipeline.ErrParam) || pe.Flag != c.flag {
			t.Errorf("%s %s: %v, want a ParamError about %q", c.name, c.arg, err, c.flag)
			continue
		}
		if c.flag != "" && !strings.HasPrefix(err.Error(), "--"+c.flag+": ") {
			t.Errorf("%s %s: message %q does not start with the flag", c.name, c.arg, err)
		}
		if g.Len() != 0 {
			t.Errorf("%s %s: a rejected build added %d nodes", c.name, c.arg, g.Len())
		}
	}
	m := pipeline.DefaultMandelbrot()
	m.TileSize = pipeline.Size{W: 0, H: 4} // set from Go, not through the flag
	if _, err := m.Build(new(graph.Graph)); !errors.Is(err, pipeline.ErrParam) || !strings.HasPrefix(err.Error(), "--tile-size: ") {
		t.Errorf("Size{0, 4}: %v", err)
	}
	ps := parse(t, "wordcount", "--top=0", "--input="+textFile(t))
	if _, err := ps.Build(new(graph.Graph)); !errors.Is(err, pipeline.ErrParam) {
		t.Errorf("--top=0: %v", err)
	}
}

// Every pipeline runs with one and with several workers, and its value
// does not depend on how many.
func TestRunAnyWorkers(t *testing.T) {
	cases := map[string][]string{
		"mandelbrot": {"--width=40", "--height=30", "--tiles=6", "--out="},
		"pi":         {"--samples=20000", "--chunks=7"},
		"generators": {"--n=100000"},
		"wordcount":  {"--input=" + textFile(t), "--top=2"},
	}
	for _, p := range pipeline.All() {
		var first any
		for _, w := range []int{1, 2, 8} {
			job, err := parse(t, p.Name, cases[p.Name]...).Build(new(graph.Graph))
			if err != nil {
				t.Fatal(err)
			}
			r, err := job.Run(context.Background(), sched.Workers(w))
			if err != nil {
				t.Fatalf("%s, %d workers: %v", p.Name, w, err)
			}
			if r.Pipeline != p.Name || r.Tasks != job.Tasks() || len(r.Lines) == 0 || r.Value == nil {
				t.Fatalf("%s: report %+v", p.Name, r)
			}
			if first == nil {
				first = r.Value
			} else if !reflect.DeepEqual(r.Value, first) {
				t.Fatalf("%s: %d workers computed %+v, 1 worker %+v", p.Name, w, r.Value, first)
			}
		}
	}
}

// leftovers lists the files of dir, to check that no temporary file stays.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func smallMandelbrot(dir string) *pipeline.Mandelbrot {
	p := pipeline.DefaultMandelbrot()
	p.View.Width, p.View.Height, p.View.MaxIter = 48, 32, 200
	p.Tiles = 6
	p.Out = filepath.Join(dir, "m.png")
	p.Figure = filepath.Join(dir, "f.svg")
	return &p
}

func TestMandelbrotWritesFiles(t *testing.T) {
	dir := t.TempDir()
	p := smallMandelbrot(dir)
	job, err := p.Build(new(graph.Graph))
	if err != nil {
		t.Fatal(err)
	}
	r, err := job.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Files, []string{p.Out, p.Figure}) {
		t.Fatalf("files %q", r.Files)
	}
	if got := leftovers(t, dir); !reflect.DeepEqual(got, []string{"f.svg", "m.png"}) {
		t.Fatalf("directory holds %q", got)
	}
	f, err := os.Open(p.Out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width != 48 || cfg.Height != 32 {
		t.Fatalf("PNG %+v, %v", cfg, err)
	}
	if fi, _ := os.Stat(p.Out); fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode %v", fi.Mode())
	}
	if !strings.Contains(r.String(), "sum of pixel values ") {
		t.Fatalf("report %q", r)
	}
}

// An output that cannot be written fails the run before anything is
// computed, and nothing is left behind.
func TestMandelbrotUnwritable(t *testing.T) {
	dir := t.TempDir()
	for name, mutate := range map[string]func(p *pipeline.Mandelbrot){
		"missing directory":        func(p *pipeline.Mandelbrot) { p.Out = filepath.Join(dir, "no", "m.png") },
		"out is a directory":       func(p *pipeline.Mandelbrot) { p.Out = dir },
		"figure missing directory": func(p *pipeline.Mandelbrot) { p.Figure = filepath.Join(dir, "no", "f.png") },
	} {
		p := smallMandelbrot(dir)
		mutate(p)
		job, err := p.Build(new(graph.Graph))
		if err != nil {
			t.Fatal(err)
		}
		r, err := job.Run(context.Background())
		if err == nil || errors.Is(err, pipeline.ErrParam) || !strings.Contains(err.Error(), "cannot write") {
			t.Fatalf("%s: %v", name, err)
		}
		if r.Elapsed != 0 {
			t.Fatalf("%s: the run computed for %v before failing", name, r.Elapsed)
		}
		if got := leftovers(t, dir); len(got) != 0 {
			t.Fatalf("%s: left %q", name, got)
		}
	}
}

// A cancelled run writes nothing either.
func TestMandelbrotCancelled(t *testing.T) {
	dir := t.TempDir()
	job, err := smallMandelbrot(dir).Build(new(graph.Graph))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := job.Run(ctx, sched.Workers(2)); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
	if got := leftovers(t, dir); len(got) != 0 {
		t.Fatalf("left %q", got)
	}
}

// A job copies its parameters: changing them after Build changes nothing.
func TestJobKeepsItsParameters(t *testing.T) {
	dir := t.TempDir()
	p := smallMandelbrot(dir)
	job, _ := p.Build(new(graph.Graph))
	p.Out = filepath.Join(dir, "other.png")
	if _, err := job.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "m.png")); err != nil {
		t.Fatal(err)
	}
}

// Build(nil) lays the pipeline out in a graph of its own.
func TestBuildNilGraph(t *testing.T) {
	for _, p := range pipeline.All() {
		ps := p.New()
		if w, ok := ps.(*pipeline.WordCount); ok {
			w.Input = []string{textFile(t)}
		}
		job, err := ps.Build(nil)
		if err != nil || job.Graph == nil || job.Tasks() == 0 {
			t.Fatalf("%s: %v", p.Name, err)
		}
	}
}

func TestZeroJob(t *testing.T) {
	var j *pipeline.Job
	if _, err := j.Run(context.Background()); !errors.Is(err, sched.ErrNoTarget) {
		t.Fatal(err)
	}
}
