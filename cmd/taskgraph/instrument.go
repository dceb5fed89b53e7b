package main

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync/atomic"

	"github.com/spf13/pflag"

	"github.com/seed001e6470/taskgraph/graph/dot"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/pipeline"
)

// runFlags are the flags every pipeline of "taskgraph run" shares: how
// many workers, and the instruments that watch a run. Instruments are
// scheduler hooks, and a run with hooks reads the clock for every task,
// so each is there only when asked for.
//
// The diagnostics of package sched/diag (--profile, --trace, --gantt)
// belong here: a field and a flag in register, an option and a finisher in
// instrument. Nothing else in the command needs to change.
type runFlags struct {
	workers  int
	progress bool
	dot      string

	outputs []string // files the instruments wrote, for the summary
}

func (f *runFlags) register(fs *pflag.FlagSet) {
	fs.IntVar(&f.workers, "workers", 0, "goroutines running tasks (0: one per core; 1: the serial reference order)")
	fs.BoolVar(&f.progress, "progress", false, "draw a progress bar on standard error for runs longer than a moment")
	fs.StringVar(&f.dot, "dot", "", "write the graph as Graphviz DOT to this file after the run, coloured by task time")
}

func (f *runFlags) check() error {
	if f.workers < 0 {
		return &pipeline.ParamError{Flag: "workers", Err: fmt.Errorf("must not be negative (got %d)", f.workers)}
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

// instrument turns the flags into scheduler options for job's run, and a
// finish step to call once with the run's error when the run is over
// (whatever happened), which stops the instruments and writes what they
// collected. Output files are created here, before the run, so an
// unwritable one is reported before any work is done.
func (f *runFlags) instrument(job *pipeline.Job, stderr io.Writer) (opts []sched.Option, finish func(runErr error) error, err error) {
	opts = []sched.Option{sched.Workers(f.workers)}
	var finishers []func(runErr error) error
	finish = func(runErr error) error {
		var errs []error
		for _, fn := range finishers {
			errs = append(errs, fn(runErr))
		}
		return errors.Join(errs...)
	}

	if f.dot != "" {
		out, err := createFile(f.dot)
		if err != nil {
			return nil, nil, err
		}
		var rec dot.Recorder
		var started atomic.Bool
		opts = append(opts, sched.WithHooks(sched.Hooks{
			RunStart: func(sched.RunInfo) { started.Store(true) },
			TaskDone: func(ev sched.TaskEvent) {
				if ev.Graph == job.Graph { // not the tasks of graphs that tasks build
					rec.Record(ev.ID, dot.Stats{State: dot.State(ev.State.String()), Duration: ev.Duration})
				}
			},
		}))
		finishers = append(finishers, func(runErr error) error {
			if !started.Load() {
				out.abort() // the run failed before it began: nothing to draw
				return nil
			}
			// After a failure, what matters is where: colour by state.
			o := dot.Options{Color: dot.ByDuration, Stats: rec.Stats, Title: job.Pipeline}
			if runErr != nil {
				o.Color = dot.ByState
			}
			if err := writeDOT(out, job, o); err != nil {
				out.abort()
				return err
			}
			if err := out.commit(); err != nil {
				return err
			}
			f.outputs = append(f.outputs, f.dot)
			return nil
		})
	}

	if f.progress {
		bar := newProgress(stderr, job.Graph)
		opts = append(opts, sched.WithHooks(bar.hooks()))
		finishers = append(finishers, func(error) error { bar.stop(); return nil })
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
