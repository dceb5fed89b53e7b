package diag_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/graph/dot"
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
	const n = 100_000
	d := wide(n)
	cases := []struct {
		name  string
		hooks func() sched.Hooks
	}{
		{"none", nil},
		{"progress-off", func() sched.Hooks { return diag.Progress(io.Discard, diag.ProgressOptions{}) }},
		// The floor of any hooks: the scheduler's own work for a run
		// with hooks (clock reads, events), with a callback that does
		// nothing.
		{"empty-hook", func() sched.Hooks { return sched.Hooks{TaskDone: func(sched.TaskEvent) {}} }},
		{"profiler", func() sched.Hooks { return diag.NewProfiler().Hooks() }},
		{"profiler-nosample", func() sched.Hooks { return diag.NewProfiler(diag.SampleEvery(0)).Hooks() }},
		{"progress", func() sched.Hooks {
			return diag.Progress(io.Discard, diag.ProgressOptions{Force: true})
		}},
		{"dot", func() sched.Hooks { return diag.Dot(new(dot.Recorder)) }},
		{"log-info", func() sched.Hooks {
			return diag.Log(slog.New(slog.NewTextHandler(io.Discard, nil)))
		}},
	}
	for _, workers := range []int{1, 0} {
		for _, c := range cases {
			name := fmt.Sprintf("workers=%d/%s", workers, c.name)
			if workers == 0 {
				name = fmt.Sprintf("workers=max/%s", c.name)
			}
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				var elapsed time.Duration
				for b.Loop() {
					opts := []sched.Option{sched.Workers(workers)}
					if c.hooks != nil {
						// A fresh profiler per run, as a user would have;
						// making it is part of the cost.
						opts = append(opts, sched.WithHooks(c.hooks()))
					}
					start := time.Now()
					if _, err := sched.Compute(context.Background(), d, opts...); err != nil {
						b.Fatal(err)
					}
					elapsed += time.Since(start)
				}
				b.ReportMetric(float64(elapsed.Nanoseconds())/float64(b.N)/(n+1), "ns/task")
			})
		}
	}
}
