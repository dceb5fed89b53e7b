// Package sched runs task graphs built with package graph.
//
//	sum, err := sched.Compute(ctx, c)                 // all cores, fail-fast
//	sum, err = sched.Compute(ctx, c, sched.Workers(1)) // the reference schedule
//
// A run computes only what its targets need (culling), each task once,
// even when several targets share it. The tasks are put in a static order,
// a depth-first post-order from the targets (the order a recursive
// evaluation would follow, which finishes what it starts), and run on a
// work-stealing pool: each worker pops its newest ready task, runs the
// dependent a task just made ready next without a queue round-trip, and
// steals the oldest half of another worker's queue when it has nothing to
// do. With Workers(1) everything runs in the caller's goroutine in the
// static order: the reference that parallel runs are tested against.
//
// A result is released as soon as the last task that reads it is done, so
// a long chain or a tiled computation never holds all its intermediates at
// once.
//
// Errors name the failing task ([TaskError]) and wrap its cause; a panic
// becomes a [PanicError] with its stack. By default the first error stops
// the run and cancels the tasks' context; with KeepGoing, everything that
// does not depend on a failure runs and all errors are returned together.
// Cancelling the caller's context stops the run at once.
//
// Hooks observe a run (progress bars, profilers); resources cap how many
// tasks of a kind run at once; AsCompleted streams results as they finish.
package sched
