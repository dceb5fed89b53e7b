package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/graph/dot"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
	"github.com/seed001e6470/taskgraph/sched/diag/gantt"
	"github.com/seed001e6470/taskgraph/tasks/pipeline"
)

// forceProgress draws the progress bar even when standard error is not a
// terminal; tests set it to see the bar in a buffer.
var forceProgress = false

// MaxWorkers bounds --workers. A worker is a goroutine with a deque of its
// own; beyond the cores, more only help tasks that wait, and ten million
// of them took 3.6 GB before any task ran.
const MaxWorkers = 1024

// MaxRetries bounds --retries: a task that fails a hundred times will not
// succeed on the hundred-and-first.
const MaxRetries = 100

// runFlags are the flags every pipeline of "taskgraph run" shares: how
// the scheduler runs it, and the instruments of package sched/diag that
// watch a run. Instruments are scheduler hooks, and a run with hooks
// reads the clock for every task, so each is attached only when asked
// for.
type runFlags struct {
	workers   int
	keepGoing bool
	limits    []string // NAME=N
	retries   int
	timeout   time.Duration

	progress, summary, quiet, asJSON bool
	log, logFormat                   string
	// Files written after the run from what the instruments measured.
	dot, profile, trace, gantt string
}

func (f *runFlags) register(fs *pflag.FlagSet) {
	fs.IntVar(&f.workers, "workers", 0, "goroutines running tasks (0: one per core; 1: the serial reference order)")
	fs.BoolVar(&f.keepGoing, "keep-going", false, "after a task fails, run every task that does not depend on it, and report every error (one line each)")
	fs.StringArrayVar(&f.limits, "limit", nil, "NAME=N: at most N of the pipeline's tasks holding resource NAME at once; each takes one unit (repeatable)")
	fs.IntVar(&f.retries, "retries", 0, "try a failing task this many more times (tasks that take a context)")
	fs.DurationVar(&f.timeout, "timeout", 0, "stop a task attempt that runs longer than this, such as 30s (tasks that take a context; 0: none)")
	fs.BoolVar(&f.progress, "progress", false, "draw a progress bar on standard error (when it is a terminal)")
	fs.BoolVar(&f.summary, "summary", false, "print where the time went after the report: workers, stages, critical path, slowest tasks")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "print nothing but errors")
	fs.BoolVar(&f.asJSON, "json", false, "print the run's report as one JSON document on standard output, for scripts")
	fs.StringVar(&f.log, "log", "", `log every task's start and end through log/slog to this file ("-": standard error)`)
	fs.StringVar(&f.logFormat, "log-format", "text", "text or json")
	fs.StringVar(&f.dot, "dot", "", "write the graph as Graphviz DOT to this file, coloured by task time (by state after a failure)")
	fs.StringVar(&f.profile, "profile", "", "write the run's profile (every task, per-worker figures, critical path) as JSON to this file")
	fs.StringVar(&f.trace, "trace", "", "write a Chrome trace of the run to this file (open it in ui.perfetto.dev)")
	fs.StringVar(&f.gantt, "gantt", "", "draw a Gantt chart of the run, one row per worker, to this .png or .svg file")
}

// completions registers the shell completion of the run flags on cmd.
func (f *runFlags) completions(cmd *cobra.Command) {
	completeWith(cmd, "log-format", []string{"text", "json"})
	completeFiles(cmd, "gantt", gantt.Formats...)
	completeFiles(cmd, "profile", "json")
	completeFiles(cmd, "trace", "json")
	completeFiles(cmd, "dot", "dot", "gv")
}

func paramErr(flag, format string, args ...any) error {
	return &pipeline.ParamError{Flag: flag, Err: fmt.Errorf(format, args...)}
}

func (f *runFlags) check() error {
	switch {
	case f.workers < 0:
		return paramErr("workers", "must not be negative (got %d)", f.workers)
	case f.workers > MaxWorkers:
		return paramErr("workers", "at most %d (got %d)", MaxWorkers, f.workers)
	case f.retries < 0:
		return paramErr("retries", "must not be negative (got %d)", f.retries)
	case f.retries > MaxRetries:
		return paramErr("retries", "at most %d (got %d)", MaxRetries, f.retries)
	case f.timeout < 0:
		return paramErr("timeout", "must not be negative (got %v)", f.timeout)
	case f.logFormat != "text" && f.logFormat != "json":
		return paramErr("log-format", "%q is not one of text, json", f.logFormat)
	case f.quiet && f.asJSON:
		return Usagef("--quiet and --json: choose one")
	}
	if f.gantt != "" && !slices.Contains(gantt.Formats, diag.FormatOf(f.gantt)) {
		return paramErr("gantt", "cannot tell the format of %q: end it in .png or .svg", f.gantt)
	}
	_, err := f.parseLimits()
	return err
}

// parseLimits reads the --limit flags: NAME=N, N a whole number ≥ 1.
func (f *runFlags) parseLimits() (map[string]int64, error) {
	limits := map[string]int64{}
	for _, l := range f.limits {
		name, n, ok := strings.Cut(l, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, paramErr("limit", "%q is not NAME=N, such as cpu=2", l)
		}
		v, err := strconv.ParseInt(strings.TrimSpace(n), 10, 64)
		if err != nil || v < 1 {
			return nil, paramErr("limit", "%q: N must be a whole number of at least 1", l)
		}
		if _, dup := limits[name]; dup {
			return nil, paramErr("limit", "%q is limited twice", name)
		}
		limits[name] = v
	}
	return limits, nil
}

// taskOptions are the options the flags ask of every task that can
// honour them (see pipeline.Params.Build).
func (f *runFlags) taskOptions() []graph.Option {
	var opts []graph.Option
	if f.retries > 0 {
		opts = append(opts, graph.Retries(f.retries))
	}
	if f.timeout > 0 {
		opts = append(opts, graph.Timeout(f.timeout))
	}
	limits, _ := f.parseLimits()
	for _, name := range sortedKeys(limits) {
		opts = append(opts, graph.Uses(name, 1))
	}
	return opts
}

// taskFlags names the task-option flags given, for a message.
func (f *runFlags) taskFlags() string {
	var names []string
	if f.retries > 0 {
		names = append(names, "--retries")
	}
	if f.timeout > 0 {
		names = append(names, "--timeout")
	}
	if len(f.limits) > 0 {
		names = append(names, "--limit")
	}
	return strings.Join(names, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (f *runFlags) effectiveWorkers() int {
	if f.workers > 0 {
		return f.workers
	}
	return runtime.GOMAXPROCS(0) // what the scheduler does with 0
}

// runCmd is "taskgraph run": one subcommand per pipeline, and the flags
// they share (see runFlags).
func runCmd() *cobra.Command {
	var rf runFlags
	var dash dashFlags
	var cf clusterFlags
	cmd := pipelineParent("run", "Run a pipeline and print a report of what it computed")
	rf.register(cmd.PersistentFlags())
	dash.register(cmd)
	cf.register(cmd.PersistentFlags())
	rf.completions(cmd)
	pipelineCommands(cmd, func(p pipeline.Pipeline) string { return p.Summary },
		func(cmd *cobra.Command, p pipeline.Pipeline, params pipeline.Params) error {
			if err := applyEnv(cmd.Flags()); err != nil {
				return err
			}
			return runPipeline(cmd, p, params, &rf, &dash, &cf)
		})
	return cmd
}

// runPipeline builds the job, runs it with the flags' scheduler options
// and instruments, and prints the report.
func runPipeline(cmd *cobra.Command, p pipeline.Pipeline, params pipeline.Params, rf *runFlags, dash *dashFlags, cf *clusterFlags) error {
	if err := rf.check(); err != nil {
		return err
	}
	if err := cf.check(); err != nil {
		return err
	}
	topts := rf.taskOptions()
	if cf.asked() {
		// The tasks that take options are the pipeline's coarse work
		// (tiles, chunks): those go to the cluster.
		topts = append(topts, graph.Remote())
	}
	job, err := params.Build(new(graph.Graph), topts...)
	if err != nil {
		return err
	}
	if len(topts) > 0 && !graph.ExecutableOf(job.Graph).HasOptions() {
		if rf.taskFlags() != "" {
			// Never a silent no-op: say that nothing would honour them.
			return Usagef("%s: no task of pipeline %s takes task options, so nothing would honour them", rf.taskFlags(), p.Name)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "note: no task of pipeline %s can run in another process yet: it runs here\n", p.Name)
	}
	logger, closeLog, removeLog, err := rf.logger(cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer closeLog()
	var summary bytes.Buffer
	s, err := diag.New(rf.diagnostics(job, cmd.ErrOrStderr(), logger, &summary))
	if err != nil {
		closeLog()
		removeLog() // nothing ran: no log either
		return err
	}
	opts, finishDash, err := dash.attach(cmd, job, rf.schedOptions(s))
	if err != nil {
		s.Abort()
		closeLog()
		removeLog()
		return err
	}
	copts, closeCluster, err := cf.open(cmd.Context(), p.Name, params, job)
	if err != nil {
		s.Abort()
		finishDash(err)
		closeLog()
		removeLog()
		return err
	}
	defer closeCluster()
	opts = append(opts, copts...)
	report, err := job.Run(cmd.Context(), opts...)
	if interrupted(cmd.Context()) {
		s.Abort() // asked to stop: nothing more is written
		finishDash(err)
		return err
	}
	if cerr := errors.Join(s.Close(err), finishDash(err)); err == nil {
		err = cerr
	}
	report.Files = append(report.Files, s.Written()...)
	return rf.print(cmd.OutOrStdout(), cmd.ErrOrStderr(), p, params, report, summary.Bytes(), err)
}

// print writes the report as the flags ask: JSON whatever happened (with
// the errors), else text on success unless --quiet. It returns the run's
// error, for Run to print.
func (rf *runFlags) print(out, stderr io.Writer, p pipeline.Pipeline, params pipeline.Params, report pipeline.Report, summary []byte, err error) error {
	if rf.asJSON {
		if jerr := writeJSONReport(out, p, params, report, rf.effectiveWorkers(), err); jerr != nil && err == nil {
			err = jerr
		}
		if rf.summary {
			stderr.Write(summary) // stdout is the JSON's
		}
		return err
	}
	if err != nil || rf.quiet {
		return err
	}
	fmt.Fprint(out, report)
	fmt.Fprintf(out, "wall time %s, %s on %s\n", formatDuration(report.Elapsed), plural(report.Tasks, "task"), plural(rf.effectiveWorkers(), "worker"))
	for _, f := range report.Files {
		fmt.Fprintf(out, "wrote %s\n", f)
	}
	if rf.summary {
		fmt.Fprintln(out)
		out.Write(summary)
	}
	return nil
}

// schedOptions are the scheduler options of the flags, with the
// session's hooks.
func (f *runFlags) schedOptions(s *diag.Session) []sched.Option {
	opts := []sched.Option{sched.Workers(f.workers), sched.WithHooks(s.Hooks())}
	if f.keepGoing {
		opts = append(opts, sched.KeepGoing())
	}
	limits, _ := f.parseLimits()
	for _, name := range sortedKeys(limits) {
		opts = append(opts, sched.Limit(name, limits[name]))
	}
	return opts
}

// logger opens --log: a file is written as the run goes (it is what one
// reads when a run fails or hangs, so it is not held back until the end
// as the other outputs are). remove deletes the file if logger created
// it, never a file that was there before (a device, say).
func (f *runFlags) logger(stderr io.Writer) (l *slog.Logger, closeLog, remove func(), err error) {
	closeLog, remove = func() {}, func() {}
	if f.log == "" {
		return nil, closeLog, remove, nil
	}
	w := stderr
	if f.log != "-" {
		_, statErr := os.Lstat(f.log)
		created := errors.Is(statErr, os.ErrNotExist)
		// Non-blocking, so that a FIFO nobody reads fails now instead of
		// hanging the run (on a regular file the flag does nothing).
		file, err := os.OpenFile(f.log, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscall.O_NONBLOCK, 0o644)
		if errors.Is(err, syscall.ENXIO) {
			err = diag.ErrNoReader
		}
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, nil, nil, fmt.Errorf("cannot write %s: %w", f.log, err)
		}
		w, closeLog = file, func() { file.Close() }
		if created {
			remove = func() { os.Remove(f.log) }
		}
	}
	// Every task's start and end are Debug events (diag.Log).
	ho := &slog.HandlerOptions{Level: slog.LevelDebug}
	if f.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, ho)), closeLog, remove, nil
	}
	return slog.New(slog.NewTextHandler(w, ho)), closeLog, remove, nil
}

// diagnostics are the session options of the flags.
func (f *runFlags) diagnostics(job *pipeline.Job, stderr io.Writer, logger *slog.Logger, summary io.Writer) diag.Options {
	o := diag.Options{
		Progress:      f.progress && !f.quiet,
		ForceProgress: f.progress && !f.quiet && forceProgress,
		ProgressTo:    stderr,
		Description:   job.Pipeline,
		Log:           logger,
		Profile:       f.profile,
		Trace:         f.trace,
	}
	if f.summary {
		o.Summary = summary
	}
	if f.gantt != "" {
		o.Outputs = append(o.Outputs, gantt.Output(f.gantt))
	}
	if f.dot != "" {
		o.Outputs = append(o.Outputs, diag.Output{Path: f.dot, Write: func(w io.Writer, p *diag.Profiler, runErr error) error {
			// After a failure, what matters is where: colour by state.
			do := dot.Options{Color: dot.ByDuration, Stats: p.DotStats, Title: job.Pipeline, Targets: job.Targets}
			if runErr != nil {
				do.Color = dot.ByState
			}
			return dot.Write(w, job.Graph, &do)
		}})
	}
	return o
}

// jsonReport is what --json prints.
type jsonReport struct {
	Pipeline string   `json:"pipeline"`
	Args     []string `json:"args"` // with the name, the run's identity: pipeline.Parse reads them back
	OK       bool     `json:"ok"`
	Tasks    int      `json:"tasks"`
	Workers  int      `json:"workers"`
	Seconds  float64  `json:"elapsed_seconds"`
	Lines    []string `json:"lines"`
	Files    []string `json:"files"`
	Result   any      `json:"result,omitempty"`
	Errors   []string `json:"errors,omitempty"`
}

func writeJSONReport(w io.Writer, p pipeline.Pipeline, params pipeline.Params, r pipeline.Report, workers int, runErr error) error {
	doc := jsonReport{
		Pipeline: p.Name, Args: pipeline.Args(params), OK: runErr == nil, Tasks: r.Tasks, Workers: workers,
		Seconds: r.Elapsed.Seconds(), Lines: r.Lines, Files: r.Files, Result: r.Result,
	}
	if doc.Lines == nil {
		doc.Lines = []string{}
	}
	if doc.Files == nil {
		doc.Files = []string{}
	}
	if runErr != nil {
		doc.Result = nil
		doc.Errors = errorLines(runErr)
	}
	if math.IsNaN(doc.Seconds) || math.IsInf(doc.Seconds, 0) {
		doc.Seconds = 0
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// formatDuration prints milliseconds with three significant digits, the
// precision a wall time deserves.
func formatDuration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.3g ms", float64(d.Nanoseconds())/1e6)
	}
	return fmt.Sprintf("%.3g s", d.Seconds())
}
