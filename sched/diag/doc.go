// Package diag observes runs of package sched: progress bars, profiles,
// resource samples, traces and pictures of where a run's time went
// (Dask's diagnostics). Everything here is built on sched.Hooks, so a run
// that attaches none pays nothing for this package.
//
//	p := diag.NewProfiler()
//	v, err := sched.Compute(ctx, d, sched.WithHooks(p.Hooks()))
//	p.Summary(os.Stdout)                        // tables: workers, stages, critical path, slowest tasks
//	diag.WriteFile("trace.json", p.WriteTrace)  // open in ui.perfetto.dev; written whole or not at all
//
// # What there is
//
//   - [Progress]: a progress bar (tasks done, rate, elapsed, time left) on
//     a terminal, or anywhere when forced.
//   - [Profiler]: every task's worker, start, end, state and error; per
//     run wall and busy time, utilisation, the critical path and the
//     slowest tasks ([Profile], [Profiler.Summary]); heap, goroutines
//     and CPU sampled in the background ([Sample]).
//   - Exports of a profile: Chrome trace-event JSON
//     ([Profiler.WriteTrace], read back by [ReadTrace] into a [Trace]:
//     the tasks that ran, the workers and the samples), the profile as
//     JSON ([Profiler.WriteJSON], read back by [ReadJSON] into a Profiler
//     that writes all the rest)
//     and measurements for a DOT picture coloured by duration or state
//     ([Profiler.DotStats], [Dot]). A Gantt chart in PNG or SVG is
//     package sched/diag/gantt, so that a program wanting a progress bar
//     does not link a plotting library.
//   - [Log]: the run's events through log/slog. Any other callback is a
//     sched.Hooks value of one's own; [Combine] joins several.
//   - [New] and [Options]: all of the above as a command line asks for
//     it, one front-end: the files are created before the run and
//     written after it ([Session]).
//   - [CreateOutput] and [WriteFile]: files that appear whole or not at
//     all (write, then rename), written through symbolic links, streamed
//     to devices and FIFOs rather than replacing them; with
//     [RemoveTemporaries] for a program that exits on a second Ctrl-C.
//
// # Costs
//
// Hook callbacks run on the workers, between tasks. The profiler's
// TaskDone appends a small record to its worker's own buffer (keys and
// sorting wait until the results are asked for); the progress bar's adds
// one to an atomic counter. Drawing the bar and sampling resources happen
// in goroutines that the hooks start at RunStart and stop, and wait for,
// at RunDone: none outlives the run. BenchmarkOverhead states the cost
// per task.
//
// # Spawned graphs
//
// A task that builds and computes a graph while it runs lends its worker
// to that graph's tasks, which the hooks report too (with the spawning
// task's path in their name). The profiler records them as Spawned: they
// show in traces and charts, nested in their parent, but not in the run's
// counts, its critical path or a progress bar's total.
package diag
