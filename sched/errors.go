package sched

import (
	"errors"
	"fmt"
)

var (
	// ErrCancelled wraps the cause when the caller's context ends a run.
	ErrCancelled = errors.New("sched: run cancelled")
	// ErrNested: a task tried to compute the graph it belongs to, which
	// would wait for itself.
	ErrNested = errors.New("sched: a task cannot compute its own graph")
	// ErrResource: a task's resource request can never be granted.
	ErrResource = errors.New("sched: bad resource request")
	// ErrNoTarget: nothing to compute (no handle, a zero handle, or one
	// built on a nil *graph.Graph).
	ErrNoTarget = errors.New("sched: invalid target (no handle, a zero handle, or one built on a nil graph)")
	// ErrSkipped is the error of a target that did not run because a task
	// it depends on failed (keep-going mode).
	ErrSkipped = errors.New("sched: skipped because a dependency failed")
	// ErrWorkers: more workers than MaxWorkers were asked for.
	ErrWorkers = errors.New("sched: too many workers")
	// ErrMixedGraphs: the targets of one run belong to different graphs.
	ErrMixedGraphs = errors.New("sched: targets belong to different graphs")
	// ErrNilContext: a nil context was passed (use context.Background()).
	ErrNilContext = errors.New("sched: nil context")
	// ErrTooDeep: tasks spawned graphs inside each other beyond the limit.
	ErrTooDeep = errors.New("sched: graphs spawned too deeply inside each other")
	// ErrGoexit is the error of a task that called runtime.Goexit (as
	// t.Fatal does) instead of returning.
	ErrGoexit = errors.New("sched: the task called runtime.Goexit instead of returning")
	// ErrReportedTwice: an Executor reported one hand-off twice (a bug in
	// the executor; the second report is ignored).
	ErrReportedTwice = errors.New("sched: executor reported a task twice")
)

// TaskError is how a failing task is reported: it names the task and wraps
// the cause, so errors.Is and errors.As reach what the task returned (or a
// *PanicError if it panicked).
type TaskError struct {
	ID    int    // the node's ID in its graph
	Name  string // the node's human name
	Err   error  // what the task returned, or a *PanicError
	Where string // the process that ran it, when an Executor did ("" for the run's own workers)
}

func (e *TaskError) Error() string {
	if e.Where != "" {
		return fmt.Sprintf("task %s#%d on %s: %v", e.Name, e.ID, e.Where, e.Err)
	}
	return fmt.Sprintf("task %s#%d: %v", e.Name, e.ID, e.Err)
}

func (e *TaskError) Unwrap() error { return e.Err }

// PanicError is a task's panic, turned into an error. Value is what was
// passed to panic and Stack the panicking goroutine's stack, so the process
// survives and the cause is not lost.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic value when it is an error (panic(err)).
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// HookError is a hook's panic, which stopped the run (see Hooks).
type HookError struct {
	Value any
	Stack []byte
}

func (e *HookError) Error() string { return fmt.Sprintf("sched: a hook panicked: %v", e.Value) }

// PartialError is the error of a keep-going run that did not compute all
// its targets: Errs holds every error (as errors.Join would), and
// Targets[k] says why the caller's target k has no value, or is nil when
// it has one. errors.Is and errors.As look into Errs.
type PartialError struct {
	Errs    []error
	Targets []error
}

func (e *PartialError) Error() string { return errors.Join(e.Errs...).Error() }

func (e *PartialError) Unwrap() []error { return e.Errs }

// Failed tells whether the caller's target k has no value.
func (e *PartialError) Failed(k int) bool { return e.Targets[k] != nil }
