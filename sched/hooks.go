package sched

import (
	"time"

	"github.com/seed001e6470/taskgraph/graph"
)

// Hooks are callbacks a run calls as it goes: the seam that progress bars,
// profilers and loggers plug into (Dask's callbacks). Any field may be nil.
// Task callbacks are called from the worker goroutine that runs the task,
// concurrently with each other: they must be safe for concurrent use and
// quick. A run with no hooks reads no clock and counts nothing extra.
type Hooks struct {
	// RunStart is called once, before any task starts.
	RunStart func(RunInfo)
	// TaskStart is called before a task runs.
	TaskStart func(TaskEvent)
	// TaskDone is called exactly once for every task of the run, also for
	// tasks that were skipped (State Skipped) or never started because the
	// run stopped early (State NotRun; those come after the workers stop).
	TaskDone func(TaskEvent)
	// RunDone is called once, when the run is over.
	RunDone func(RunStats)
}

// RunInfo describes a run about to start.
type RunInfo struct {
	Graph   *graph.Graph
	Tasks   int // tasks the targets need (Value leaves are not tasks)
	Workers int
	Start   time.Time
}

// State is how a task's part in a run ended.
type State uint8

const (
	NotRun  State = iota // the run stopped before the task could start
	Done                 // it ran and returned a result
	Failed               // it ran and failed (after any retries)
	Skipped              // keep-going mode: a dependency failed, so it did not run
)

func (s State) String() string {
	return [...]string{"not run", "done", "failed", "skipped"}[s]
}

// TaskEvent describes one task in a hook call.
type TaskEvent struct {
	// Graph is the task's graph: the run's own, or one that a task
	// built and computed while it ran (see Spawn in the package doc).
	Graph    *graph.Graph
	ID       int       // node ID in Graph
	Name     string    // the node's name; a spawned task's is prefixed with its parent's path ("sort/sort/merge")
	Worker   int       // 0 … Workers-1; -1 when it did not run
	Start    time.Time // zero when it did not run
	Duration time.Duration
	State    State // in TaskDone
	Err      error // in TaskDone, when State is Failed
}

// RunStats summarises a finished run.
type RunStats struct {
	Tasks                         int
	Done, Failed, Skipped, NotRun int
	Elapsed                       time.Duration
	PeakLive                      int // most task results held at once
	Err                           error
}

// hookSet is the compiled form of a Scheduler's hooks: nil when none are
// set, which is the only check a hook-less run makes per task.
type hookSet struct {
	runStart  []func(RunInfo)
	taskStart []func(TaskEvent)
	taskDone  []func(TaskEvent)
	runDone   []func(RunStats)
}

func compileHooks(hs []Hooks) *hookSet {
	var s hookSet
	for _, h := range hs {
		if h.RunStart != nil {
			s.runStart = append(s.runStart, h.RunStart)
		}
		if h.TaskStart != nil {
			s.taskStart = append(s.taskStart, h.TaskStart)
		}
		if h.TaskDone != nil {
			s.taskDone = append(s.taskDone, h.TaskDone)
		}
		if h.RunDone != nil {
			s.runDone = append(s.runDone, h.RunDone)
		}
	}
	if s.runStart == nil && s.taskStart == nil && s.taskDone == nil && s.runDone == nil {
		return nil
	}
	return &s
}
