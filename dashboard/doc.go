// Package dashboard shows a run live in a browser: a page served by the
// standard library that a run's hooks keep current through Server-Sent
// Events, for local runs as they go, and for saved profiles afterwards
// (Replay) with a time scrubber.
//
//	d := dashboard.New(dashboard.Options{Targets: []graph.Node{result}})
//	l, _ := dashboard.Listen("127.0.0.1:8787", false)
//	go d.Serve(ctx, l)                        // or mount d.Handler() in a server of one's own
//	v, err := sched.Compute(ctx, result, sched.WithHooks(d.Hooks()))
//
// # What the page shows
//
// A header (state, tasks done of the total, tasks per second, elapsed
// time, time left); each stage's tasks waiting, running, done, failed and
// skipped; the stages as a graph filled in as tasks finish and, after the
// run, coloured by their share of the time with the critical path drawn;
// the task stream, one row per worker over the whole run, a rectangle per
// task while tasks are few and busy time per stage when they are dense;
// each worker's busy share and the task it runs, with how long it has run
// (stragglers stand out); the time budget (wall time × workers, split into
// busy time by stage and idle time, and the critical-path bound); each
// stage's durations as a histogram with a hint when tasks are too fine to
// pay for their scheduling; the Go runtime's heap, goroutines and GC
// share; the first failures; and, after the run, downloads: the profile,
// a trace, a Gantt chart, the stage graph as DOT and the page itself as
// one self-contained file (WriteReport).
//
// # Costs
//
// It aggregates. TaskStart stores one word (the task's stage, ID and
// start) in its worker's slot; TaskDone updates that worker's counters and
// ring of recent tasks behind the worker's own lock, which nothing else
// takes but the frame goroutine, a few times a second. That goroutine turns the counters into a frame whose size
// depends on the number of stages (at most 64 are told apart) and
// workers, never on the number of tasks or their rate; the page's work
// is per frame, so a run finishing millions of tasks a second neither
// slows down nor floods the browser. A run without the dashboard's hooks
// pays nothing: there is no listener and no goroutine until a program
// makes them. BenchmarkOverhead and BenchmarkPaired compare a run with
// the dashboard to one with sched/diag's profiler; BenchmarkHookCalls
// compares the hooks alone. The dashboard needs TaskStart (for each
// worker's current task), which the profiler does not: the scheduler's
// price for that second callback is part of the difference.
//
// # Security
//
// The page tells anyone who can reach it what a run does, so Listen
// refuses addresses beyond the loopback interface unless asked to serve
// them; the handler answers only requests whose Host header is localhost,
// an IP address or a name the program allows (a page of another site
// cannot read it through a name of its own that resolves here: DNS
// rebinding); and it is read-only: nothing it serves changes a run.
//
// # The chart library
//
// The page's charts are drawn by uPlot (MIT licence, assets/uplot/LICENSE),
// vendored as its npm package's built file so that building needs no
// node and the page no network; assets/fetch-uplot.sh re-fetches it and
// checks it against the registry's published hash.
package dashboard
