package diag_test

import (
	"io"
	"log/slog"
	"testing"

	"github.com/seed001e6470/taskgraph/graph/dot"
	"github.com/seed001e6470/taskgraph/internal/hookbench"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
)

// BenchmarkOverhead states what diagnostics cost per task, on a wide
// graph of 100,000 tiny tasks and a join (the worst case: the tasks do
// nothing, so the hooks are all there is):
//
//	go test ./sched/diag -run '^$' -bench Overhead -count 6
//
// "none" is a run without hooks; "progress-off" is Progress on
// something that is not a terminal, which must cost the same, since it
// returns empty hooks; "empty-hook" is the scheduler's price for calling
// hooks at all, which every other case pays too.
func BenchmarkOverhead(b *testing.B) {
	hookbench.Overhead(b, []hookbench.Case{
		{Name: "none"},
		{Name: "progress-off", Hooks: func() sched.Hooks { return diag.Progress(io.Discard, diag.ProgressOptions{}) }},
		// The floor of any hooks: the scheduler's own work for a run
		// with hooks (clock reads, events), with a callback that does
		// nothing.
		{Name: "empty-hook", Hooks: func() sched.Hooks { return sched.Hooks{TaskDone: func(sched.TaskEvent) {}} }},
		{Name: "profiler", Hooks: func() sched.Hooks { return diag.NewProfiler().Hooks() }},
		{Name: "profiler-nosample", Hooks: func() sched.Hooks { return diag.NewProfiler(diag.SampleEvery(0)).Hooks() }},
		{Name: "progress", Hooks: func() sched.Hooks {
			return diag.Progress(io.Discard, diag.ProgressOptions{Force: true})
		}},
		{Name: "dot", Hooks: func() sched.Hooks { return diag.Dot(new(dot.Recorder)) }},
		{Name: "log-info", Hooks: func() sched.Hooks {
			return diag.Log(slog.New(slog.NewTextHandler(io.Discard, nil)))
		}},
	})
}
