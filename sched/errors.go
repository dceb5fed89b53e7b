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
	// ErrNoTarget: nothing to compute (no handle, or a zero handle).
	ErrNoTarget = errors.New("sched: invalid target")
	// ErrSkipped is the error of a target that did not run because a task
	// it depends on failed (keep-going mode).
	ErrSkipped = errors.New("sched: skipped because a dependency failed")
)

// TaskError is how a failing task is reported: it names the task and wraps
// the cause, so errors.Is and errors.As reach what the task returned (or a
// *PanicError if it panicked).
type TaskError struct {
	ID   int    // the node's ID in its graph
	Name string // the node's human name
	Err  error  // what the task returned, or a *PanicError
}

func (e *TaskError) Error() string {
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
