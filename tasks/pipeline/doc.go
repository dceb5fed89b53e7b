// Package pipeline is the registry of the workshop's pipelines: each one a
// name, a one-line summary and a set of parameters that lays it out as a
// task graph, so the taskgraph command can list, draw and run them by name.
//
//	p, _ := pipeline.Lookup("pi")
//	params, _ := p.Parse([]string{"--samples=1e6", "--chunks=8"})
//	job, _ := params.Build(new(graph.Graph))   // nothing runs yet
//	report, _ := job.Run(ctx, sched.Workers(2))
//	fmt.Print(report)
//
// The pipelines are the builders of the kernel packages with flags and a
// report around them: "mandelbrot" (tasks/mandelbrot.Build), "pi"
// (tasks/pi.Build), "generators" (tasks/generators.Bag and Summarize) and
// "wordcount" (tasks/wordcount.Build). Their parameters are plain structs
// ([Mandelbrot], [Pi], [Generators], [WordCount]) that Go code may fill in
// directly.
//
// # Identity
//
// A run is named by its pipeline's name and its parameters written as
// flags ([Args]); [Pipeline.Parse] reads them back. Nothing in that pair
// is a pointer or a function, which is what a remote worker will need to
// rebuild the same graph from a message.
//
// # Errors
//
// A mistake on the command line (an unknown flag, a value that does not
// parse, a size out of range) matches [ErrParam] and names its flag
// ([ParamError]); an unknown name matches [ErrUnknown]. Anything else is
// the world's: a missing input file, an unwritable output, a failed task.
// Output files are written under a temporary name and renamed into place,
// so a failure never leaves a partial file behind.
package pipeline
