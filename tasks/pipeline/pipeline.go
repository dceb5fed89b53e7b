package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

var (
	// ErrParam is matched (errors.Is) by every error about a parameter: an
	// unknown flag, a value that does not parse, a size out of range. A
	// command line that causes one is a usage mistake, not a failed run.
	ErrParam = errors.New("pipeline: invalid parameter")
	// ErrUnknown is matched by the error of a name no pipeline has
	// (an *UnknownError).
	ErrUnknown = errors.New("pipeline: unknown pipeline")
)

// UnknownError reports a pipeline name that is not registered, with the
// names that are. It matches ErrUnknown.
type UnknownError struct {
	Name  string
	Known []string
}

func (e *UnknownError) Error() string {
	return fmt.Sprintf("unknown pipeline %q (there are: %s)", e.Name, strings.Join(e.Known, ", "))
}

// Is makes errors.Is(err, ErrUnknown) true for every UnknownError.
func (e *UnknownError) Is(target error) bool { return target == ErrUnknown }

// ParamError reports a bad parameter, naming its flag. It matches ErrParam.
type ParamError struct {
	Flag string // the flag's name without dashes; "" when no single flag is to blame
	Err  error
}

func (e *ParamError) Error() string {
	if e.Flag == "" {
		return e.Err.Error()
	}
	return "--" + e.Flag + ": " + e.Err.Error()
}

func (e *ParamError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrParam) true for every ParamError.
func (e *ParamError) Is(target error) bool { return target == ErrParam }

// paramErrorf makes a ParamError about flag with a formatted reason.
func paramErrorf(flag, format string, args ...any) error {
	return &ParamError{Flag: flag, Err: fmt.Errorf(format, args...)}
}

// Pipeline is a workload known by name: the CLI lists it, draws its graph
// and runs it, and a remote worker will one day rebuild it from its name
// and its arguments (see Args). Nothing about a pipeline's identity is a
// pointer: the name and the parameters' values say everything.
type Pipeline struct {
	Name    string // lower-case, one word: "mandelbrot"
	Summary string // one line for listings
	// New returns a fresh set of the pipeline's parameters, at their
	// defaults. Each call returns a new value, so runs never share one.
	New func() Params
}

// Params are one pipeline's parameters, a plain struct of values. Flags
// binds them to command-line flags, which is also how they are written out
// and read back (Args, Pipeline.Parse).
type Params interface {
	// Flags registers one flag per parameter on fs, bound to the receiver,
	// with its current value as the default.
	Flags(fs *pflag.FlagSet)
	// Build checks the parameters and lays the pipeline out in g (a new
	// graph when g is nil). A bad parameter is reported as a *ParamError;
	// other errors (a missing input file) are the world's, not the
	// command line's.
	Build(g *graph.Graph) (*Job, error)
}

// orNew returns g, or a new graph when g is nil.
func orNew(g *graph.Graph) *graph.Graph {
	if g == nil {
		return new(graph.Graph)
	}
	return g
}

// Job is a pipeline laid out in a graph and ready to run. Building one
// computes nothing and writes nothing; Run does both.
type Job struct {
	Pipeline string
	Graph    *graph.Graph
	// Targets are what Run computes: a picture of the job (package
	// graph/dot) limited to them shows exactly the tasks a run needs.
	Targets []graph.Node
	// run computes the targets with the scheduler options and turns their
	// values into a report, writing the pipeline's output files.
	run func(ctx context.Context, opts []sched.Option) (Report, error)
}

// Run computes the job with the given scheduler options (sched.Workers,
// sched.WithHooks, …) and writes its output files, if it has any. Output
// files are written to a temporary file next to their destination and
// renamed into place once complete, so a failed or cancelled run leaves
// nothing behind. The files are created before anything is computed, so an
// unwritable destination fails the run at once.
func (j *Job) Run(ctx context.Context, opts ...sched.Option) (Report, error) {
	if j == nil || j.run == nil {
		return Report{}, fmt.Errorf("%w: the job was not built", sched.ErrNoTarget)
	}
	r, err := j.run(ctx, opts)
	r.Pipeline, r.Tasks = j.Pipeline, j.Tasks()
	return r, err
}

// Tasks is the number of tasks in the job's graph (Value leaves are data,
// not tasks).
func (j *Job) Tasks() int {
	n := 0
	for id := range j.Graph.Len() {
		if j.Graph.Kind(id) == graph.KindTask {
			n++
		}
	}
	return n
}

// Report is what a run found, for people to read and for programs to use.
type Report struct {
	Pipeline string
	Tasks    int           // tasks in the job's graph
	Elapsed  time.Duration // wall time of the computation, output files not included
	Lines    []string      // a short human summary, one fact per line
	Files    []string      // the output files written, in order
	Value    any           // the computed result, such as a mandelbrot.Result
}

// String returns the summary lines, each ending in a newline.
func (r Report) String() string {
	var b strings.Builder
	for _, l := range r.Lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// all lists the built-in pipelines, sorted by name.
var all = []Pipeline{
	{
		Name:    "generators",
		Summary: "the first n values of an infinite generator, as a bag: count, exact sum, first values",
		New:     func() Params { p := DefaultGenerators(); return &p },
	},
	{
		Name:    "mandelbrot",
		Summary: "the workshop's Mandelbrot view, computed in tiles and assembled into a PNG",
		New:     func() Params { p := DefaultMandelbrot(); return &p },
	},
	{
		Name:    "pi",
		Summary: "Monte-Carlo estimate of π in independently seeded chunks, with its standard error",
		New:     func() Params { p := DefaultPi(); return &p },
	},
	{
		Name:    "wordcount",
		Summary: "the most frequent words of text files: lines → bag → counts → top k",
		New:     func() Params { p := DefaultWordCount(); return &p },
	},
}

// All returns the built-in pipelines, sorted by name. The slice is a copy.
func All() []Pipeline {
	return append([]Pipeline(nil), all...)
}

// Lookup returns the pipeline with the given name, or an *UnknownError
// that lists the names there are.
func Lookup(name string) (Pipeline, error) {
	names := make([]string, len(all))
	for i, p := range all {
		if p.Name == name {
			return p, nil
		}
		names[i] = p.Name
	}
	return Pipeline{}, &UnknownError{Name: name, Known: names}
}

// Parse returns the pipeline's parameters set from command-line arguments:
// the defaults, overridden by flags such as "--samples=1e6". Mistakes
// (unknown flags, values that do not parse, stray arguments) are errors
// matching ErrParam; values out of range are found later, by Build.
func (p Pipeline) Parse(args []string) (Params, error) {
	if p.New == nil {
		return nil, &UnknownError{Name: p.Name} // the zero Pipeline, say
	}
	ps := p.New()
	fs := pflag.NewFlagSet(p.Name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard) // the error is returned; nothing is printed
	ps.Flags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, &ParamError{Err: err}
	}
	if fs.NArg() > 0 {
		return nil, &ParamError{Err: fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return ps, nil
}

// Args writes ps out as command-line arguments, one "--name=value" per
// parameter (one per element for a list), sorted by name: Parse(Args(ps))
// gives ps back. That pair is a pipeline run's serialisable identity.
func Args(ps Params) []string {
	fs := pflag.NewFlagSet("", pflag.ContinueOnError)
	ps.Flags(fs)
	var args []string
	fs.VisitAll(func(f *pflag.Flag) {
		if s, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range s.GetSlice() {
				args = append(args, "--"+f.Name+"="+v)
			}
			return
		}
		args = append(args, "--"+f.Name+"="+f.Value.String())
	})
	return args
}

// runTarget is the common shape of a job's run: prepare outputs, compute
// one target, then turn its value into a report with the finish step that
// prepare returned. prepare runs before the computation, so an output that
// cannot be written is found before any work is done; its cleanup (which
// may be nil) runs whatever happens, and removes what was not committed.
func runTarget[T any](d graph.Delayed[T], prepare func() (finish func(T, *Report) error, cleanup func(), err error)) func(context.Context, []sched.Option) (Report, error) {
	return func(ctx context.Context, opts []sched.Option) (Report, error) {
		finish, cleanup, err := prepare()
		if cleanup != nil {
			defer cleanup()
		}
		if err != nil {
			return Report{}, err
		}
		start := time.Now()
		v, err := sched.Compute(ctx, d, opts...)
		r := Report{Elapsed: time.Since(start), Value: v}
		if err != nil {
			return r, err
		}
		return r, finish(v, &r)
	}
}
