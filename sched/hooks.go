package sched

import (
	"runtime/debug"
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
	// SubRunStart is called when a task spawns a graph of its own (see
	// the package doc), before its tasks start: info.Tasks more tasks
	// will report to TaskDone. A progress bar grows its total with it.
	SubRunStart func(RunInfo)
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
	// Where ran the task when an executor did (see Executor): the
	// process or machine it reported, such as "host/pid". Empty for the
	// run's own workers.
	Where string
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
	subStart  []func(RunInfo)
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
		if h.SubRunStart != nil {
			s.subStart = append(s.subStart, h.SubRunStart)
		}
	}
	if s.runStart == nil && s.taskStart == nil && s.taskDone == nil && s.runDone == nil && s.subStart == nil {
		return nil
	}
	return &s
}

// Calling hooks. A hook that panics does not take the process (or the
// run's workers) with it: the panic stops the run and becomes its error
// (a *HookError), returned once every worker has stopped.

// callHooks calls every f with ev, turning a panic into the run's error.
func callHooks[E any](r *run, fs []func(E), ev E) {
	for _, f := range fs {
		callHook(r, f, ev)
	}
}

func callHook[E any](r *run, f func(E), ev E) {
	defer func() {
		if v := recover(); v != nil {
			r.hookPanicked(&HookError{Value: v, Stack: debug.Stack()})
		}
	}()
	f(ev)
}

func (r *run) runStartHooks(info RunInfo) {
	if r.sub {
		callHooks(r, r.hooks.subStart, info)
		return
	}
	callHooks(r, r.hooks.runStart, info)
}

func (r *run) event(i int32, worker int) TaskEvent {
	id := int(r.p.ids[i])
	return TaskEvent{Graph: r.x.Graph(), ID: id, Name: r.name(i), Worker: worker}
}

// Task hooks are called per task, from the goroutine that runs it (on, a
// runner), or from the caller's after the run (on is nil or guarded). On a
// runner a hook's panic unwinds to the runner's loop, which makes it the
// run's error (see runner.unwound): one deferred recover per loop, not one
// per call. On the caller's goroutine each call is guarded.
func (r *run) emitStart(i int32, on *runner, start time.Time) {
	fs := r.hooks.taskStart
	if fs == nil {
		return
	}
	ev := r.event(i, on.id)
	ev.Start = start
	on.named, on.namedRun, on.namedTask = ev.Name, r, i // for emitDone
	if on.guarded {
		callHooks(r, fs, ev)
		return
	}
	// Written out here and in emitDone: a helper taking the event by
	// pointer measured the dashboard at 1.21x the profiler's cost per task
	// (1 worker, -bench Paired in package dashboard) against 1.12x so, and
	// even inlined, 1.15x against 1.10x (six alternating runs).
	on.inHook = true
	for _, f := range fs {
		f(ev)
	}
	on.inHook = false
}

// emitDone reports task i's end; worker is the number of the worker that
// ran it, -1 when none did.
func (r *run) emitDone(i int32, on *runner, worker int, start time.Time, d time.Duration, st State, err error, where string) {
	if r.hooks.taskDone == nil {
		return
	}
	var ev TaskEvent
	if on != nil && on.namedRun == r && on.namedTask == i {
		// Its TaskStart looked the name up: a second look-up, a path
		// for a spawned task, costs as much as an empty hook.
		ev = TaskEvent{Graph: r.x.Graph(), ID: int(r.p.ids[i]), Name: on.named, Worker: worker}
		on.namedRun = nil
	} else {
		ev = r.event(i, worker)
	}
	ev.Start, ev.Duration, ev.State, ev.Where = start, d, st, where
	if err != nil {
		te := r.taskError(i, err)
		te.Where = where
		ev.Err = te
	}
	if on == nil || on.guarded {
		callHooks(r, r.hooks.taskDone, ev)
		return
	}
	on.inHook = true // as in emitStart
	for _, f := range r.hooks.taskDone {
		f(ev)
	}
	on.inHook = false
}

// finishHooks reports the tasks that never started and the run's summary.
func (r *run) finishHooks(info RunInfo, err error) {
	st := RunStats{Tasks: r.p.len(), Elapsed: time.Since(info.Start), PeakLive: int(r.peakLive.Load()), Err: err}
	for i, s := range r.state {
		switch s {
		case NotRun:
			st.NotRun++
			r.emitDone(int32(i), nil, -1, time.Time{}, 0, NotRun, nil, "")
		case Done:
			st.Done++
		case Failed:
			st.Failed++
		case Skipped:
			st.Skipped++
		}
	}
	if r.sub {
		return // a sub-run's tasks are part of the run that spawned it
	}
	if herr := r.hookFailure(); herr != nil && st.Err == nil {
		st.Err = herr
	}
	callHooks(r, r.hooks.runDone, st)
}
