package diag

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
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
	// Log logs the run's events (see Log); nil means no logging.
	Log *slog.Logger
	// Summary receives the summary table after the run (see
	// Profiler.Summary); nil means none.
	Summary io.Writer
	// Paths to write after the run; "" means none. Profile gets the
	// profile as JSON (Profiler.WriteJSON), Trace a Chrome trace
	// (Profiler.WriteTrace), Gantt a chart whose format the extension
	// names, .png or .svg (Profiler.WriteGantt).
	Profile, Trace, Gantt string
	// SampleEvery is the resources' sampling interval; 0 means
	// DefaultSampleEvery, a negative value no sampling.
	SampleEvery time.Duration
}

// Session is the diagnostics of one run as Options asked for them: hooks
// to attach before the run, outputs to write after it.
//
//	s := diag.New(opts)
//	v, err := sched.Compute(ctx, d, sched.WithHooks(s.Hooks()))
//	err = errors.Join(err, s.Close())
type Session struct {
	o     Options
	prof  *Profiler
	hooks sched.Hooks
}

// New prepares the diagnostics o asks for. A profiler is only made when
// an output needs one.
func New(o Options) *Session {
	s := &Session{o: o}
	var hs []sched.Hooks
	if o.Progress || o.ForceProgress {
		w := o.ProgressTo
		if w == nil {
			w = os.Stderr
		}
		hs = append(hs, Progress(w, ProgressOptions{Force: o.ForceProgress}))
	}
	if o.Log != nil {
		hs = append(hs, Log(o.Log))
	}
	if o.Summary != nil || o.Profile != "" || o.Trace != "" || o.Gantt != "" {
		every := o.SampleEvery
		if every == 0 {
			every = DefaultSampleEvery
		}
		s.prof = NewProfiler(SampleEvery(every))
		hs = append(hs, s.prof.Hooks())
	}
	s.hooks = Combine(hs...)
	return s
}

// Hooks returns the hooks to attach to the run (sched.WithHooks).
func (s *Session) Hooks() sched.Hooks { return s.hooks }

// Profiler returns the session's profiler, or nil when no output needs
// one.
func (s *Session) Profiler() *Profiler { return s.prof }

// Close writes the outputs the options asked for, once the run has
// returned. It writes all it can and returns every error.
func (s *Session) Close() error {
	if s.prof == nil {
		return nil
	}
	var errs []error
	if s.o.Summary != nil {
		errs = append(errs, s.prof.Summary(s.o.Summary))
	}
	if s.o.Profile != "" {
		errs = append(errs, WriteFile(s.o.Profile, s.prof.WriteJSON))
	}
	if s.o.Trace != "" {
		errs = append(errs, WriteFile(s.o.Trace, s.prof.WriteTrace))
	}
	if s.o.Gantt != "" {
		errs = append(errs, WriteFile(s.o.Gantt, func(w io.Writer) error {
			return s.prof.WriteGantt(w, FormatOf(s.o.Gantt))
		}))
	}
	return errors.Join(errs...)
}

// WriteFile creates the file at path and fills it with write, for any of
// the writers of this package:
//
//	err := diag.WriteFile("trace.json", p.WriteTrace)
func WriteFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	err = errors.Join(write(bw), bw.Flush(), f.Close())
	if err != nil {
		return fmt.Errorf("diag: writing %s: %w", path, err)
	}
	return nil
}

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
