// Command taskgraph lists, draws and runs the workshop's pipelines.
//
//	taskgraph list                              the pipelines, one line each
//	taskgraph run mandelbrot                    writes mandelbrot.png here
//	taskgraph run pi --samples 1e9 --workers 2  prints π ± its standard error
//	taskgraph run wordcount --input 'books/*.txt' --top 20
//	taskgraph run generators --seq fibonacci --n 50
//	taskgraph dot pi --chunks 8 | dot -Tsvg > pi.svg
//	taskgraph version
//
// Every run takes --workers N, and the diagnostics of package sched/diag:
// --progress (a bar on a terminal), --summary (where the time went),
// --profile FILE.json, --trace FILE.json (for ui.perfetto.dev), --gantt
// FILE.png|.svg and --dot FILE (the graph coloured by task time).
// "taskgraph run PIPELINE --help" lists the pipeline's own flags. The exit
// status is 0 on success, 2 for a mistake on the command line (an unknown
// pipeline or flag, a size out of range) and 1 when the run itself fails
// (a missing input file, an unwritable output); the reason is one line on
// standard error. Output files appear complete or not at all.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/seed001e6470/taskgraph/cluster"
	"github.com/seed001e6470/taskgraph/tasks/pipeline"
)

func main() {
	cluster.WorkerMain(jobs) // a local worker process (run --local-cluster) serves here
	// Ctrl-C cancels the run's context: the scheduler stops queued work at
	// once, and output files are removed instead of being left half done.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // the run failed
	exitUsage   = 2 // the command line is wrong
)

// run executes the command line args, writing results to stdout and the
// reason for a failure to stderr, and returns the exit status. It is main
// without the process around it, so tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	path := root.Name()
	if cmd != nil {
		path = cmd.CommandPath()
	}
	// One line: the command, then the reason. Errors joined from several
	// tasks (keep-going runs) are put on one line too.
	fmt.Fprintf(stderr, "%s: %s\n", path, strings.ReplaceAll(err.Error(), "\n", "; "))
	if isUsage(err) {
		return exitUsage
	}
	return exitFailure
}

// usageError marks a mistake on the command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

func isUsage(err error) bool {
	var u usageError
	return errors.As(err, &u) || errors.Is(err, pipeline.ErrParam) || errors.Is(err, pipeline.ErrUnknown)
}
