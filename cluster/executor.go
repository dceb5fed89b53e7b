package cluster

import (
	"context"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// Job is a sched.Executor and a sched.Preparer.
var (
	_ sched.Executor = (*Job)(nil)
	_ sched.Preparer = (*Job)(nil)
)

// Prepare is called by sched before a run: it fails, before anything
// runs, if a remote task's argument or result type cannot travel (a
// *TypeError naming the task and the type), if no worker of this build
// answers within Options.WaitWorkers (ErrNoWorkers), or if the job's
// builder does not make g (ErrMismatch, with Options.Registry).
func (j *Job) Prepare(ctx context.Context, g *graph.Graph, ids []int) error {
	return j.prepare(ctx, g, ids)
}

// Submit queues the task and returns at once. The report names the
// worker that ran it (host/pid); a remote failure is a *RemoteError
// (wrapping a *sched.PanicError with the worker's stack for a panic); a
// task that killed its workers MaxDeliver times is a *PoisonError. When
// ctx ends, the task is taken off the queue or cancelled on its worker,
// and reported at once with ctx's cause.
func (j *Job) Submit(ctx context.Context, h sched.Handoff, done func(sched.Report)) {
	j.submit(ctx, h.Graph, h.ID, h.Attempt, h.Task, h.Name, func(worker string, err error) {
		done(sched.Report{Err: err, Worker: worker})
	})
}
