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
// once. (A result without pointers, an int or a [4]float64, lives inside
// its task and frees nothing when zeroed, so it is left as it is.)
//
// A chain link, a task whose only dependent has no other argument, hands
// over to that dependent on the same worker without a queue or a counter,
// which is what keeps a chain of tiny tasks near the cost of a loop of
// indirect calls.
//
// Errors name the failing task ([TaskError]) and wrap its cause; a panic
// becomes a [PanicError] with its stack, and a task calling
// runtime.Goexit (t.Fatal) fails with [ErrGoexit] (on the caller's own
// goroutine, which Workers(1) runs tasks on, that goroutine then ends, as
// Goexit demands, once the run is over). By default the first error stops
// the run and cancels the tasks' context; with KeepGoing, everything that
// does not depend on a failure runs, and the error, a [PartialError],
// holds every error and says target by target which ones have a value.
// Cancelling the caller's context stops the run at once. A hook that
// panics stops the run too: its panic is the run's error ([HookError]),
// returned once every worker has stopped.
//
// # Runs of one graph
//
// A graph is only a description; the scheduler owns its runs. Results
// live in the graph's tasks while a run goes (typed cells that tasks read
// through pointers), so a run that finds the graph's own tasks busy with
// another run computes private copies of them instead, at the price of an
// allocation per task: any number of goroutines may compute (and Persist)
// parts of one graph at once, and tasks that compute a shared graph never
// wait for each other.
//
// Hooks observe a run (progress bars, profilers); resources cap how many
// tasks of a kind run at once; AsCompleted streams results as they finish.
//
// # Executors
//
// Tasks marked graph.Remote are handed to the run's [Executor], when it
// has one (WithExecutor): another process, another machine (package
// cluster). Submitting never blocks a worker, which runs other work while
// the task is away; retries, timeouts, hooks, keep-going, AsCompleted,
// cancellation and the release of results work for handed-off tasks as
// for the others. Without an executor attached, the hot path is the same
// as ever: the check costs a field that is nil.
//
// # Tasks that spawn tasks
//
// A running task may build a graph of its own and compute it with the
// context it was given: sched.Compute(ctx, d) from inside a task. The
// scheduler sees that the caller is a task and runs the new graph on the
// same workers; while the task waits for it, its worker runs other ready
// work (the new graph's tasks or anyone else's), so nesting never holds a
// worker idle and cannot deadlock, not even with Workers(1), where the new
// graph is computed in place like a recursive call. The spawned tasks show
// in hooks and errors under their parent's name ("sum/sum/add"), and an
// error or a cancellation inside them reaches the parent and the caller.
// This holds on goroutines the task starts too (errgroup.WithContext(ctx)
// and a sched.Compute in each): each call helps on a state of its own,
// never on the worker another goroutine owns. Spawned tasks count against
// the resource limits of the run that spawned them; a task that holds a
// resource lends it to what it spawned while it waits. Spawning nests at
// most 50,000 deep ([ErrTooDeep]).
//
// # Priorities and persisted values
//
// graph.Priority ranks a task among ready tasks: a positive priority runs
// before anything the static order would pick, a negative one only when
// nothing else is ready; the one-worker reference follows the same rule.
// Persist computes a value once and returns it as a constant leaf, so
// graphs built on it later do not compute it again.
package sched
