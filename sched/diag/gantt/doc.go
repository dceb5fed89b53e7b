// Package gantt draws a run that a diag.Profiler observed as a Gantt
// chart, in PNG or SVG: one row per worker, a bar per task coloured by
// its stage, and panels of heap, goroutines and CPU under it.
//
//	p := diag.NewProfiler()
//	v, err := sched.Compute(ctx, d, sched.WithHooks(p.Hooks()))
//	err = diag.WriteFile("run.png", func(w io.Writer) error { return gantt.Write(w, p, "png") })
//
// It is a package of its own because drawing takes a plotting library
// (gonum.org/v1/plot, with its fonts and its PDF, SVG and raster
// back-ends): a program that wants a progress bar or a profile from
// package diag does not link any of it.
package gantt
