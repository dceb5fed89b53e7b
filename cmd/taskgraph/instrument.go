package main

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/seed001e6470/taskgraph/graph/dot"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
	"github.com/seed001e6470/taskgraph/tasks/pipeline"
)

// forceProgress draws the progress bar even when standard error is not a
// terminal; tests set it to see the bar in a buffer.
var forceProgress = false

// runFlags are the flags every pipeline of "taskgraph run" shares: how
// many workers, and the instruments of package sched/diag that watch a
// run. Instruments are scheduler hooks, and a run with hooks reads the
// clock for every task, so each is attached only when asked for.
type runFlags struct {
	workers  int
	progress bool
	summary  bool
	// Files written after the run from what the instruments measured.
	dot, profile, trace, gantt string

	outputs []string       // the files written, for the report
	prof    *diag.Profiler // for --summary, once the run is over
}

func (f *runFlags) register(fs *pflag.FlagSet) {
	fs.IntVar(&f.workers, "workers", 0, "goroutines running tasks (0: one per core; 1: the serial reference order)")
	fs.BoolVar(&f.progress, "progress", false, "draw a progress bar on standard error (when it is a terminal)")
	fs.BoolVar(&f.summary, "summary", false, "print where the time went after the report: workers, stages, critical path, slowest tasks")
	fs.StringVar(&f.dot, "dot", "", "write the graph as Graphviz DOT to this file, coloured by task time")
	fs.StringVar(&f.profile, "profile", "", "write the run's profile (every task, per-worker figures, critical path) as JSON to this file")
	fs.StringVar(&f.trace, "trace", "", "write a Chrome trace of the run to this file (open it in ui.perfetto.dev)")
	fs.StringVar(&f.gantt, "gantt", "", "draw a Gantt chart of the run, one row per worker, to this .png or .svg file")
}

func (f *runFlags) check() error {
	if f.workers < 0 {
		return &pipeline.ParamError{Flag: "workers", Err: fmt.Errorf("must not be negative (got %d)", f.workers)}
	}
	if f.gantt != "" && !slices.Contains([]string{"png", "svg"}, diag.FormatOf(f.gantt)) {
		return &pipeline.ParamError{Flag: "gantt", Err: fmt.Errorf("cannot tell the format of %q: end it in .png or .svg", f.gantt)}
	}
	return nil
}

func (f *runFlags) effectiveWorkers() int {
	if f.workers > 0 {
		return f.workers
	}
	return runtime.GOMAXPROCS(0) // what the scheduler does with 0
}

func (f *runFlags) written() []string { return f.outputs }

// writeSummary prints the profiler's tables when --summary asked for them.
func (f *runFlags) writeSummary(w io.Writer) error {
	if f.prof == nil {
		return nil
	}
	fmt.Fprintln(w)
	return f.prof.Summary(w)
}

// output is a file an instrument fills in after the run.
type output struct {
	path  string
	file  *pipeline.OutputFile
	write func(w io.Writer, runErr error) error
}

// instrument turns the flags into scheduler options for job's run, and a
// finish step to call once, with the run's error, when the run is over
// (whatever happened): it writes what the instruments measured. Output
// files are created here, before the run, so an unwritable one is
// reported before any work is done; each appears complete or not at all.
func (f *runFlags) instrument(job *pipeline.Job, stderr io.Writer) (opts []sched.Option, finish func(runErr error) error, err error) {
	opts = []sched.Option{sched.Workers(f.workers)}
	var hooks []sched.Hooks
	if f.progress {
		hooks = append(hooks, diag.Progress(stderr, diag.ProgressOptions{Force: forceProgress, Description: job.Pipeline}))
	}

	// One profiler serves every output that needs the run's timeline.
	var prof *diag.Profiler
	if f.summary || f.profile != "" || f.trace != "" || f.gantt != "" {
		prof = diag.NewProfiler()
		hooks = append(hooks, prof.Hooks())
	}
	var outs []*output
	add := func(path string, write func(io.Writer, error) error) {
		if path != "" {
			outs = append(outs, &output{path: path, write: write})
		}
	}
	add(f.profile, func(w io.Writer, _ error) error { return prof.WriteJSON(w) })
	add(f.trace, func(w io.Writer, _ error) error { return prof.WriteTrace(w) })
	add(f.gantt, func(w io.Writer, _ error) error { return prof.WriteGantt(w, diag.FormatOf(f.gantt)) })
	if f.dot != "" {
		stats := func(id int) (dot.Stats, bool) { return dot.Stats{}, false }
		if prof != nil {
			stats = prof.DotStats // measured anyway: nothing more per task
		} else {
			var rec dot.Recorder
			hooks = append(hooks, diag.Dot(&rec))
			stats = rec.Stats
		}
		add(f.dot, func(w io.Writer, runErr error) error {
			// After a failure, what matters is where: colour by state.
			o := dot.Options{Color: dot.ByDuration, Stats: stats, Title: job.Pipeline}
			if runErr != nil {
				o.Color = dot.ByState
			}
			return writeDOT(w, job, o)
		})
	}

	for _, o := range outs {
		if o.file, err = pipeline.CreateOutput(o.path); err != nil {
			for _, p := range outs {
				if p.file != nil {
					p.file.Abort()
				}
			}
			return nil, nil, err
		}
	}
	if len(hooks) > 0 {
		opts = append(opts, sched.WithHooks(diag.Combine(hooks...)))
	}

	var started bool
	opts = append(opts, sched.WithHooks(sched.Hooks{RunStart: func(sched.RunInfo) { started = true }}))
	finish = func(runErr error) error {
		var errs []error
		for _, o := range outs {
			if !started {
				o.file.Abort() // the run failed before it began: nothing to show
				continue
			}
			if err := o.write(o.file, runErr); err != nil {
				o.file.Abort()
				errs = append(errs, fmt.Errorf("cannot write %s: %w", o.path, err))
				continue
			}
			if err := o.file.Commit(); err != nil {
				errs = append(errs, err)
				continue
			}
			f.outputs = append(f.outputs, o.path)
		}
		if f.summary && started {
			f.prof = prof
		}
		return errors.Join(errs...)
	}
	return opts, finish, nil
}

// writeDOT draws the part of the job's graph that its run computes.
func writeDOT(w io.Writer, job *pipeline.Job, o dot.Options) error {
	o.Targets = job.Targets
	return dot.Write(w, job.Graph, &o)
}

// dotFlags are the flags of "taskgraph dot".
type dotFlags struct {
	view, direction, color string
}

func (f *dotFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.view, "view", "auto", "auto (collapse large graphs), expanded (a node per task) or collapsed (a node per stage)")
	fs.StringVar(&f.direction, "direction", "TB", "the way the picture flows: TB, LR, BT or RL")
	fs.StringVar(&f.color, "color", "plain", "plain, or order to colour tasks by the order a run follows")
}

func (f *dotFlags) options() (dot.Options, error) {
	var o dot.Options
	switch f.view {
	case "auto":
		o.View = dot.Auto
	case "expanded":
		o.View = dot.Expanded
	case "collapsed":
		o.View = dot.Collapsed
	default:
		return o, usagef("--view: %q is not one of auto, expanded, collapsed", f.view)
	}
	switch d := dot.Direction(strings.ToUpper(f.direction)); d {
	case dot.TopToBottom, dot.LeftToRight, dot.BottomToTop, dot.RightToLeft:
		o.Direction = d
	default:
		return o, usagef("--direction: %q is not one of TB, LR, BT, RL", f.direction)
	}
	switch f.color {
	case "plain":
	case "order":
		o.Color = dot.ByOrder
	default:
		return o, usagef("--color: %q is not one of plain, order", f.color)
	}
	return o, nil
}
