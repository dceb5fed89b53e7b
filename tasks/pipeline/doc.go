// Package pipeline is the registry of pipelines: each one a name, a
// one-line summary and a set of parameters that lays it out as a task
// graph, so that the taskgraph command (package cmd/taskgraph/cli) can
// list, draw and run them by name, and a remote worker can rebuild one
// from its name and arguments.
//
//	p, _ := pipeline.Lookup("pi")
//	params, _ := p.Parse([]string{"--samples=1e6", "--chunks=8"})
//	job, _ := params.Build(new(graph.Graph))   // nothing runs yet
//	report, _ := job.Run(ctx, sched.Workers(2))
//	fmt.Print(report)
//
// The built-in pipelines are the builders of the kernel packages with
// flags and a report around them: "mandelbrot" (tasks/mandelbrot.Build),
// "pi" (tasks/pi.Build), "generators" (tasks/generators.Bag and
// Summarize, or Stream for long prefixes) and "wordcount"
// (tasks/wordcount.Build). Their parameters are plain structs
// ([Mandelbrot], [Pi], [Generators], [WordCount]) that Go code may fill in
// directly.
//
// # Pipelines of one's own
//
// A program declares a pipeline with [Register]: a name, a summary, and a
// New function returning its parameters, a type implementing [Params]:
//
//   - Flags binds each parameter to a pflag flag (its default the current
//     value): that gives the command line its flags, help and
//     validation, and [Args]/[Pipeline.Parse] their round trip.
//   - Build checks the parameters (a *[ParamError] naming the flag for a
//     bad one), lays out the graph, and returns [NewJob] of its target
//     with a report function: the lines people read, the Result scripts
//     read (taskgraph run --json).
//   - Build gives the task options it is handed (--retries, --timeout,
//     --limit) to its context-form tasks.
//
// examples/mycli is a program that serves the built-in pipelines and one
// of its own in twenty lines of main.go.
//
// # Identity
//
// A run is named by its pipeline's name and its parameters written as
// flags ([Args]); [Pipeline.Parse] reads them back. Nothing in that pair
// is a pointer or a function, which is what a remote worker needs to
// rebuild the same graph from a message. Build must therefore be
// deterministic: the same parameters, the same nodes in the same order.
//
// # Limits
//
// A built-in pipeline lays out at most [MaxTasks] tasks: a count flag
// that would make more is refused before anything is allocated, naming
// the flag and the limit.
//
// # Errors
//
// A mistake on the command line (an unknown flag, a value that does not
// parse, a size out of range) matches [ErrParam] and names its flag
// ([ParamError]); an unknown name matches [ErrUnknown]; a pipeline that
// cannot be registered, [ErrRegister]. Anything else is the world's: a
// missing input file, an unwritable output, a failed task. Output files
// are written as package sched/diag's [diag.OutputFile]: under a
// temporary name, renamed into place, so a failure never leaves a partial
// file behind; a symbolic link is written through, a device or a FIFO
// streamed to, never replaced.
package pipeline
