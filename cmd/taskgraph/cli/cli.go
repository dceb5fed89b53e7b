// Package cli is the taskgraph command line as a library: the commands
// that list, draw and run the registered pipelines (package
// tasks/pipeline), so that a program of one's own serves the built-in
// pipelines and its own with the same commands and flags. The whole
// main.go of such a program:
//
//	package main
//
//	import (
//		"github.com/seed001e6470/taskgraph/cmd/taskgraph/cli"
//		"github.com/seed001e6470/taskgraph/tasks/pipeline"
//	)
//
//	func main() {
//		pipeline.MustRegister(pipeline.Pipeline{
//			Name:    "squares",
//			Summary: "the sum of the first n squares, a task per square",
//			New:     func() pipeline.Params { return &Squares{N: 10} },
//		})
//		cli.Main()
//	}
//
// (examples/mycli is that program, with its Squares.)
//
// # Commands
//
//	taskgraph list [--json]                     the pipelines, one line each
//	taskgraph run PIPELINE [flags]              run it and print its report
//	taskgraph dot PIPELINE [-o graph.svg]       draw its graph (nothing runs)
//	taskgraph config [flags]                    the settings in force and where each came from
//	taskgraph completion bash|zsh|fish|powershell
//	taskgraph version
//
// A program adds commands of its own with AddCommand (in an init
// function, say); they appear beside these in every root NewRoot makes.
//
// # Exit status and errors
//
// The exit status is 0 on success, 2 for a mistake on the command line
// (an unknown pipeline or flag, a size out of range: a [UsageError] or a
// pipeline.ErrParam), 1 when the run itself fails (a missing input file,
// an unwritable output, a failed task), and 128+n when signal n
// interrupted it (130 for Ctrl-C). The reason is one line on standard
// error; a --keep-going run prints one line per failed task. Output files
// appear complete or not at all.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
	"github.com/seed001e6470/taskgraph/tasks/pipeline"
)

// Exit statuses.
const (
	ExitOK      = 0
	ExitFailure = 1 // the run failed
	ExitUsage   = 2 // the command line is wrong
)

// Main runs the command line of the process (os.Args) and exits with its
// status. The first SIGINT (Ctrl-C) or SIGTERM cancels the run: the
// scheduler stops queued work at once, the kernels notice within a few
// thousand iterations, output files are removed. A second one exits at
// once, still removing the temporary files of every output.
//
// The commands are named after the program (filepath.Base(os.Args[0])):
// "mycli run squares", in messages, help and shell completion.
func Main() {
	serveIfWorker() // a local cluster's worker process (run --local-cluster) serves here
	ctx, stop := interruptible(context.Background())
	code := run(ctx, filepath.Base(os.Args[0]), os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Run executes the command line args, writing results to stdout and the
// reason for a failure to stderr, and returns the exit status. It is Main
// without the process around it, so tests call it directly.
// The commands are named "taskgraph".
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return run(ctx, "taskgraph", args, stdout, stderr)
}

func run(ctx context.Context, name string, args []string, stdout, stderr io.Writer) int {
	root := NewRoot(stdout, stderr)
	root.Use = name
	root.SetArgs(dashboardArgs(args))
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	path := root.Name()
	if cmd != nil {
		path = cmd.CommandPath()
	}
	if se := (*signalError)(nil); errors.As(context.Cause(ctx), &se) {
		fmt.Fprintf(stderr, "%s: %v\n", path, se)
		return signalStatus(se.sig)
	}
	// One line per error: a keep-going run joins one per failed task.
	for _, line := range errorLines(err) {
		fmt.Fprintf(stderr, "%s: %s\n", path, line)
	}
	if isUsage(err) {
		return ExitUsage
	}
	return ExitFailure
}

// errorLines describes err in lines: one per error joined in it (a
// keep-going run's failed tasks, sorted: workers finish them in any
// order), each on one line, and the tasks skipped because a dependency
// failed counted in a last line rather than listed.
func errorLines(err error) []string {
	var lines []string
	skipped := 0
	for _, e := range flatten(err) {
		if errors.Is(e, sched.ErrSkipped) {
			skipped++
			continue
		}
		lines = append(lines, strings.ReplaceAll(e.Error(), "\n", "; "))
	}
	slices.Sort(lines)
	switch {
	case skipped == 1:
		lines = append(lines, "1 task skipped: a task it depends on failed")
	case skipped > 1:
		lines = append(lines, fmt.Sprintf("%d tasks skipped: a task they depend on failed", skipped))
	}
	return lines
}

// flatten returns the errors joined in err (errors.Join), or err alone.
func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		if len(out) > 0 {
			return out
		}
	}
	return []error{err}
}

// UsageError marks a mistake on the command line: Run exits with
// ExitUsage for it. Commands added with AddCommand return one (Usagef)
// for a bad argument or flag value.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef makes a UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{fmt.Errorf(format, args...)}
}

func isUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u) || errors.Is(err, pipeline.ErrParam) || errors.Is(err, pipeline.ErrUnknown)
}

// interruptible returns a context that the first SIGINT or SIGTERM
// cancels, with a *signalError as its cause. A second signal exits at
// once, after removing the temporary files of every output
// (diag.RemoveTemporaries): for a task that does not notice cancellation,
// such as one blocked opening a FIFO. stop releases the signals and waits
// for the goroutine that watches them.
func interruptible(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case s := <-sigs:
			cancel(&signalError{s})
		case <-done:
			return
		}
		select {
		case s := <-sigs:
			diag.RemoveTemporaries()
			fmt.Fprintf(os.Stderr, "taskgraph: %v again: exiting at once\n", &signalError{s})
			os.Exit(signalStatus(s))
		case <-done:
		}
	})
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		wg.Wait()
		cancel(nil)
	}
}

// signalError is the cause of a run cancelled by a signal.
type signalError struct{ sig os.Signal }

func (e *signalError) Error() string {
	name := e.sig.String()
	switch e.sig {
	case syscall.SIGINT:
		name = "SIGINT"
	case syscall.SIGTERM:
		name = "SIGTERM"
	}
	return "interrupted (" + name + ")"
}

// interrupted tells whether ctx was cancelled by a signal.
func interrupted(ctx context.Context) bool {
	var se *signalError
	return errors.As(context.Cause(ctx), &se)
}

// signalStatus is the exit status of a process ended by sig, as a shell
// reports one killed by it: 128 + the signal's number (130 for SIGINT).
func signalStatus(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return ExitFailure
}
