package dot

import (
	"sync"
	"time"
)

// State is how a task's part in a run ended. The values are the strings
// package sched's State prints, so a hook converts with
// dot.State(ev.State.String()).
type State string

const (
	Done    State = "done"    // it ran and returned a result
	Failed  State = "failed"  // it ran and failed
	Skipped State = "skipped" // a dependency failed, so it did not run
	NotRun  State = "not run" // the run stopped before it could start
)

// Stats is what a run measured for one task.
type Stats struct {
	State    State
	Duration time.Duration // zero when it did not run
}

// Recorder collects Stats as a run reports them, for colouring a picture
// afterwards. Scheduler hooks are called from many workers at once, so a
// Recorder is safe for concurrent use. The zero value is ready to use.
type Recorder struct {
	mu sync.Mutex
	m  map[int]Stats
}

// Record keeps s as node id's measurements, replacing earlier ones.
func (r *Recorder) Record(id int, s Stats) {
	r.mu.Lock()
	if r.m == nil {
		r.m = make(map[int]Stats)
	}
	r.m[id] = s
	r.mu.Unlock()
}

// Stats returns what was recorded for node id; its method value is what
// Options.Stats wants.
func (r *Recorder) Stats(id int) (Stats, bool) {
	r.mu.Lock()
	s, ok := r.m[id]
	r.mu.Unlock()
	return s, ok
}
