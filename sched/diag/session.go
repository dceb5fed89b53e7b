package diag

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/seed001e6470/taskgraph/sched"
)

// Options choose the diagnostics of a run, one field per command-line
// flag (taskgraph run --progress --profile prof.json …). The zero value
// asks for none.
type Options struct {
	// Progress draws a progress bar on ProgressTo when it is a terminal;
	// ForceProgress draws it on anything.
	Progress, ForceProgress bool
	// ProgressTo is where the bar goes; nil means os.Stderr.
	ProgressTo io.Writer
	// Description is shown before the bar; "" means "tasks".
	Description string
	// Log logs the run's events (see Log); nil means no logging.
	Log *slog.Logger
	// Summary receives the summary table after the run (see
	// Profiler.Summary); nil means none.
	Summary io.Writer
	// Paths to write after the run; "" means none. Profile gets the
	// profile as JSON (Profiler.WriteJSON), Trace a Chrome trace
	// (Profiler.WriteTrace).
	Profile, Trace string
	// Outputs are more files to write from the profile after the run,
	// such as a Gantt chart (package sched/diag/gantt's Output) or a
	// picture of the graph coloured by what the run measured.
	Outputs []Output
	// SampleEvery is the resources' sampling interval; 0 means
	// DefaultSampleEvery, a negative value no sampling.
	SampleEvery time.Duration
}

// An Output is a file a Session writes after the run from what its
// profiler measured. Write is given the run's error too, so that a
// picture can show where a failed run failed.
type Output struct {
	Path  string
	Write func(w io.Writer, p *Profiler, runErr error) error
}

// Session is the diagnostics of one run as Options asked for them: hooks
// to attach before the run, files to write after it.
//
//	s, err := diag.New(opts)                    // an unwritable output fails here
//	v, err := sched.Compute(ctx, d, sched.WithHooks(s.Hooks()))
//	err = errors.Join(err, s.Close(err))
//
// Every output file is created by New, under a temporary name, before
// anything runs, so that one that cannot be written is found at once;
// Close fills them in and renames them into place, Abort removes them.
// A file appears whole or not at all (see OutputFile), whatever happens.
type Session struct {
	o       Options
	prof    *Profiler
	hooks   sched.Hooks
	outs    []Output
	files   []*OutputFile
	started atomic.Bool // a run began: there is something to write
	written []string
}

// New prepares the diagnostics o asks for and creates their files. A
// profiler is only made when an output needs one. When a file cannot be
// created, the others are removed and the error names it.
func New(o Options) (*Session, error) {
	s := &Session{o: o}
	if o.Profile != "" {
		s.outs = append(s.outs, Output{o.Profile, func(w io.Writer, p *Profiler, _ error) error { return p.WriteJSON(w) }})
	}
	if o.Trace != "" {
		s.outs = append(s.outs, Output{o.Trace, func(w io.Writer, p *Profiler, _ error) error { return p.WriteTrace(w) }})
	}
	s.outs = append(s.outs, o.Outputs...)
	for _, out := range s.outs {
		f, err := CreateOutput(out.Path)
		if err != nil {
			s.Abort()
			return nil, err
		}
		s.files = append(s.files, f)
	}
	s.hooks = Combine(s.makeHooks()...)
	return s, nil
}

func (s *Session) makeHooks() []sched.Hooks {
	o := s.o
	hs := []sched.Hooks{{RunStart: func(sched.RunInfo) { s.started.Store(true) }}}
	if o.Progress || o.ForceProgress {
		w := o.ProgressTo
		if w == nil {
			w = os.Stderr
		}
		hs = append(hs, Progress(w, ProgressOptions{Force: o.ForceProgress, Description: o.Description}))
	}
	if o.Log != nil {
		hs = append(hs, Log(o.Log))
	}
	if o.Summary != nil || len(s.outs) > 0 {
		every := o.SampleEvery
		if every == 0 {
			every = DefaultSampleEvery
		}
		s.prof = NewProfiler(SampleEvery(every))
		hs = append(hs, s.prof.Hooks())
	}
	return hs
}

// Hooks returns the hooks to attach to the run (sched.WithHooks).
func (s *Session) Hooks() sched.Hooks { return s.hooks }

// Profiler returns the session's profiler, or nil when no output needs
// one.
func (s *Session) Profiler() *Profiler { return s.prof }

// Close writes the outputs once the run has returned runErr (a failed
// run's profile shows where it failed). It writes all it can and returns
// every error, each naming its file. When no run began (the scheduler
// refused the graph), there is nothing to show: the files are removed.
// Close and Abort may be called more than once; the first call counts.
func (s *Session) Close(runErr error) error {
	if !s.started.Load() {
		s.Abort()
		return nil
	}
	var errs []error
	if s.o.Summary != nil && s.prof != nil {
		errs = append(errs, s.prof.Summary(s.o.Summary))
	}
	for k, out := range s.outs {
		f := s.files[k]
		if f == nil {
			continue
		}
		s.files[k] = nil
		if err := out.Write(f, s.prof, runErr); err != nil {
			f.Abort()
			errs = append(errs, fmt.Errorf("cannot write %s: %w", out.Path, err))
			continue
		}
		if err := f.Commit(); err != nil {
			errs = append(errs, err)
			continue
		}
		s.written = append(s.written, out.Path)
	}
	return errors.Join(errs...)
}

// Abort removes the files not written yet, for a run whose diagnostics
// are not wanted (one interrupted by Ctrl-C).
func (s *Session) Abort() {
	for k, f := range s.files {
		f.Abort()
		s.files[k] = nil
	}
}

// Written lists the files Close wrote, in the order of the options.
func (s *Session) Written() []string { return s.written }

// Combine makes one Hooks of several, called in the order given; a
// callback none of them sets stays nil, so that the run skips it.
func Combine(hs ...sched.Hooks) sched.Hooks {
	var out sched.Hooks
	var rs, ss []func(sched.RunInfo)
	var ts, ds []func(sched.TaskEvent)
	var es []func(sched.RunStats)
	for _, h := range hs {
		rs = appendNotNil(rs, h.RunStart)
		ts = appendNotNil(ts, h.TaskStart)
		ds = appendNotNil(ds, h.TaskDone)
		es = appendNotNil(es, h.RunDone)
		ss = appendNotNil(ss, h.SubRunStart)
	}
	out.RunStart = chainOf(rs)
	out.TaskStart = chainOf(ts)
	out.TaskDone = chainOf(ds)
	out.RunDone = chainOf(es)
	out.SubRunStart = chainOf(ss)
	return out
}

func appendNotNil[F any](fs []func(F), f func(F)) []func(F) {
	if f == nil {
		return fs
	}
	return append(fs, f)
}

// chainOf calls fs in order; a single callback is returned as it is.
func chainOf[F any](fs []func(F)) func(F) {
	switch len(fs) {
	case 0:
		return nil
	case 1:
		return fs[0]
	}
	return func(v F) {
		for _, f := range fs {
			f(v)
		}
	}
}
