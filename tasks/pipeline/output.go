package pipeline

import "github.com/seed001e6470/taskgraph/sched/diag"

// OutputFile is an output file being written: it appears whole or not at
// all, a symbolic link is written through to its target, and a device or
// a FIFO is streamed to rather than replaced. It is package sched/diag's
// [diag.OutputFile], so that a pipeline's outputs and a run's diagnostics
// files follow one rule (and one signal handler removes the temporary
// files of both).
type OutputFile = diag.OutputFile

// CreateOutput starts an output file (see [diag.CreateOutput]). It fails
// at once when the destination cannot be written, which is why jobs
// create their outputs before computing anything.
func CreateOutput(path string) (*OutputFile, error) { return diag.CreateOutput(path) }
