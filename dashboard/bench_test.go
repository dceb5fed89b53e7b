package dashboard_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/dashboard"
	"github.com/seed001e6470/taskgraph/internal/hookbench"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
)

// BenchmarkOverhead puts the dashboard's hooks beside sched/diag's
// BenchmarkOverhead cases, on the same graph (100,000 tiny tasks and a
// join: the hooks are all there is), so that their costs per task compare
// in one run:
//
//	go test ./dashboard -run '^$' -bench Overhead -count 5
//
// "dashboard" is what package dashboard adds by itself (frames included);
// "dashboard+profiler" is what taskgraph run --dashboard attaches, for the
// downloads and the critical path.
func BenchmarkOverhead(b *testing.B) {
	hookbench.Overhead(b, []hookbench.Case{
		{Name: "none"},
		{Name: "empty-hook", Hooks: func() sched.Hooks { return sched.Hooks{TaskDone: func(sched.TaskEvent) {}} }},
		// The scheduler's price for a TaskStart callback too, which the
		// dashboard needs (a worker's current task).
		{Name: "empty-hooks-start-done", Hooks: func() sched.Hooks {
			return sched.Hooks{TaskStart: func(sched.TaskEvent) {}, TaskDone: func(sched.TaskEvent) {}}
		}},
		{Name: "profiler", Hooks: func() sched.Hooks { return diag.NewProfiler().Hooks() }},
		{Name: "dashboard", Hooks: func() sched.Hooks { return dashboard.New(dashboard.Options{}).Hooks() }},
		{Name: "dashboard+profiler", Hooks: func() sched.Hooks {
			return dashboard.New(dashboard.Options{Profiler: diag.NewProfiler()}).Hooks()
		}},
	})
}

// BenchmarkPaired times a run with the profiler and one with the
// dashboard back to back in every iteration (taking turns going first),
// so that both see the same machine; it reports each one's cost per task
// and their ratio, the figure the dashboard's cost is held to:
//
//	go test ./dashboard -run '^$' -bench Paired -count 5
func BenchmarkPaired(b *testing.B) {
	const n = 100_000
	d := hookbench.Wide(n)
	for _, workers := range []int{1, 0} {
		name := fmt.Sprintf("workers=%d", workers)
		if workers == 0 {
			name = "workers=max"
		}
		b.Run(name, func(b *testing.B) {
			timed := func(h sched.Hooks) time.Duration {
				start := time.Now()
				if _, err := sched.Compute(context.Background(), d, sched.Workers(workers), sched.WithHooks(h)); err != nil {
					b.Fatal(err)
				}
				return time.Since(start)
			}
			var prof, dash time.Duration
			k := 0
			for b.Loop() {
				if k%2 == 0 {
					prof += timed(diag.NewProfiler().Hooks())
					dash += timed(dashboard.New(dashboard.Options{}).Hooks())
				} else {
					dash += timed(dashboard.New(dashboard.Options{}).Hooks())
					prof += timed(diag.NewProfiler().Hooks())
				}
				k++
			}
			per := func(t time.Duration) float64 { return float64(t.Nanoseconds()) / float64(b.N) / (n + 1) }
			b.ReportMetric(per(prof), "profiler-ns/task")
			b.ReportMetric(per(dash), "dashboard-ns/task")
			b.ReportMetric(float64(dash)/float64(prof), "ratio")
		})
	}
}

// BenchmarkHookCalls times the hooks alone, called in a loop as one
// worker would call them for a run of tiny tasks: what each costs per task
// apart from the scheduler's price for calling hooks. A fresh run every
// 10^5 tasks keeps the profiler's records to a run's size.
//
//	go test ./dashboard -run '^$' -bench HookCalls -count 5
func BenchmarkHookCalls(b *testing.B) {
	const perRun = 100_000
	d := hookbench.Wide(perRun)
	g := d.Graph()
	cases := []struct {
		name  string
		hooks func() sched.Hooks
	}{
		{"profiler", func() sched.Hooks { return diag.NewProfiler(diag.SampleEvery(0)).Hooks() }},
		{"dashboard", func() sched.Hooks { return dashboard.New(dashboard.Options{}).Hooks() }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var h sched.Hooks
			var t0 time.Time
			ev := sched.TaskEvent{Graph: g, Name: "inc", Worker: 0, State: sched.Done, Duration: 100}
			for i := range b.N {
				if i%perRun == 0 {
					b.StopTimer()
					if h.RunDone != nil {
						h.RunDone(sched.RunStats{})
					}
					h, t0 = c.hooks(), time.Now()
					h.RunStart(sched.RunInfo{Graph: g, Tasks: perRun + 1, Workers: 1, Start: t0})
					b.StartTimer()
				}
				ev.ID = 1 + i%perRun
				ev.Start = t0.Add(time.Duration(i%perRun) * 200)
				if h.TaskStart != nil {
					h.TaskStart(ev)
				}
				h.TaskDone(ev)
			}
			b.StopTimer()
			h.RunDone(sched.RunStats{})
		})
	}
}
