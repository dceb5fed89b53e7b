package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
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

// MaxTasks is the most tasks a built-in pipeline lays out: a task takes
// a few hundred bytes of graph, plan and result, so 2²² of them fit in
// about a gigabyte, and ten times more would not fit many machines. A
// count flag that would make more (--chunks, --tiles, --tile-size) is
// refused naming the flag and this limit, before anything is allocated.
const MaxTasks = 1 << 22

// paramErrorf makes a ParamError about flag with a formatted reason.
func paramErrorf(flag, format string, args ...any) error {
	return &ParamError{Flag: flag, Err: fmt.Errorf(format, args...)}
}

// Pipeline is a workload known by name: the CLI lists it, draws its graph
// and runs it, and a remote worker rebuilds it from its name and its
// arguments (see Args). Nothing about a pipeline's identity is a pointer:
// the name and the parameters' values say everything.
//
// A program adds its own with Register, before it serves the command
// line (see package cmd/taskgraph/cli), and they are then listed, drawn
// and run exactly as the built-in ones are.
type Pipeline struct {
	Name    string // lower case, letters, digits and '-', starting with a letter: "mandelbrot"
	Summary string // one line for listings
	// New returns a fresh set of the pipeline's parameters, at their
	// defaults. Each call returns a new value, so runs never share one.
	New func() Params
}

// Params are one pipeline's parameters, a plain struct of values. Flags
// binds them to command-line flags, which is also how they are written out
// and read back (Args, Pipeline.Parse).
//
// The contract a remote worker relies on: Build is deterministic, so that
// the same parameters lay out the same graph, node for node, on every
// machine (no map order, clock or directory-listing surprises).
type Params interface {
	// Flags registers one flag per parameter on fs, bound to the receiver,
	// with its current value as the default.
	Flags(fs *pflag.FlagSet)
	// Build checks the parameters and lays the pipeline out in g (a new
	// graph when g is nil). A bad parameter is reported as a *ParamError;
	// other errors (a missing input file) are the world's, not the
	// command line's.
	//
	// opts are the options a run asks of every task (graph.Retries,
	// graph.Timeout, graph.Uses: taskgraph run --retries, --timeout,
	// --limit). Build gives them to the tasks that can honour them, the
	// context-form ones (graph.Source, CallCtx, CallN …): a function
	// without a context cannot be stopped by a timeout. A pipeline may
	// ignore them; its help should say so.
	Build(g *graph.Graph, opts ...graph.Option) (*Job, error)
}

// Enums is what Params may implement to list the values a flag takes
// (Generators' --seq, say), for shell completion and help.
type Enums interface {
	Enums() map[string][]string
}

// remoteAsked tells whether opts let tasks run in another process
// (graph.Remote), for a pipeline whose tasks are bag stages: those take
// bag.Remote instead.
func remoteAsked(opts []graph.Option) bool {
	var o graph.Options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o.Remote
}

// orNew returns g, or a new graph when g is nil.
func orNew(g *graph.Graph) *graph.Graph {
	if g == nil {
		return new(graph.Graph)
	}
	return g
}

// Job is a pipeline laid out in a graph and ready to run. Building one
// computes nothing and writes nothing; Run does both. NewJob makes one.
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

// NewJob is the job of the pipeline called name that computes d, a node
// of g, and then calls report with its value, to fill in the report's
// Lines (what people read), Result (what scripts read: taskgraph run
// --json) and Files. report is not called when the computation fails.
//
//	return pipeline.NewJob("squares", g, sum, func(v int, r *pipeline.Report) error {
//		r.Lines = append(r.Lines, fmt.Sprintf("sum of squares %d", v))
//		r.Result = map[string]int{"sum": v}
//		return nil
//	}), nil
func NewJob[T any](name string, g *graph.Graph, d graph.Delayed[T], report func(v T, r *Report) error) *Job {
	if report == nil {
		report = func(T, *Report) error { return nil }
	}
	return &Job{Pipeline: name, Graph: g, Targets: []graph.Node{d}, run: runTarget(d, func() (func(T, *Report) error, func(), error) {
		return report, nil, nil
	})}
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
	// Result is the run's findings as plain data that encodes as JSON
	// (numbers, strings, maps, slices, structs of them): what taskgraph
	// run --json prints for scripts. Nil when the pipeline gives none.
	Result any
	Value  any // the computed result, such as a mandelbrot.Result
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

// builtins are the workshop's pipelines, sorted by name.
var builtins = []Pipeline{
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

// registry holds the built-in pipelines and those registered, sorted by
// name. Registering is for a program's start (an init function, or main
// before it serves the command line); reading is safe at any time.
var registry = struct {
	sync.RWMutex
	ps []Pipeline
}{ps: slices.Clone(builtins)}

// ErrRegister is matched by the error of a pipeline that cannot be
// registered: a name taken or malformed, no New function.
var ErrRegister = errors.New("pipeline: cannot register")

// Register adds p to the pipelines that All and Lookup know, and so to
// those the taskgraph command lists, draws and runs. The name must be
// new, and a word of lower-case letters, digits and '-' that starts with
// a letter (it becomes a subcommand); New must not be nil. New is called
// once here, to check that it gives parameters.
func Register(p Pipeline) error {
	if !validName(p.Name) {
		return fmt.Errorf("%w: name %q is not lower-case letters, digits and '-', starting with a letter", ErrRegister, p.Name)
	}
	if p.New == nil || p.New() == nil {
		return fmt.Errorf("%w: %s: New is nil or returns nil parameters", ErrRegister, p.Name)
	}
	registry.Lock()
	defer registry.Unlock()
	i, found := slices.BinarySearchFunc(registry.ps, p.Name, func(q Pipeline, name string) int { return strings.Compare(q.Name, name) })
	if found {
		return fmt.Errorf("%w: a pipeline called %q is registered already", ErrRegister, p.Name)
	}
	registry.ps = slices.Insert(registry.ps, i, p)
	return nil
}

// MustRegister is Register that panics on a mistake: for a program's
// start, where a clash of names is a bug to fix, not a condition to
// handle.
func MustRegister(p Pipeline) {
	if err := Register(p); err != nil {
		panic(err)
	}
}

func validName(name string) bool {
	if name == "" || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// All returns the pipelines, built-in and registered, sorted by name.
// The slice is a copy.
func All() []Pipeline {
	registry.RLock()
	defer registry.RUnlock()
	return slices.Clone(registry.ps)
}

// Lookup returns the pipeline with the given name, or an *UnknownError
// that lists the names there are.
func Lookup(name string) (Pipeline, error) {
	ps := All()
	names := make([]string, len(ps))
	for i, p := range ps {
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
