package sched

import (
	"runtime"
	"sync"
	"weak"

	"github.com/seed001e6470/taskgraph/graph"
)

// graphState is what sched keeps about one graph between runs. A graph is
// only a description; the scheduler owns its runs' state, here, keyed
// weakly by the graph so that a graph nobody holds is collected with its
// state.
//
// The results of a run live in the graph's own tasks (typed cells read
// through pointers: no boxing), so runs that use them take turns: the one
// that holds cells. A run that finds cells busy runs private copies of its
// tasks instead (graph.Executable.Copy), which costs an allocation per task
// but never waits: concurrent computations of one graph run at once, and a
// task that computes a graph whose run is up its own worker's stack cannot
// deadlock.
//
// mu guards plan and the graph's structure against Persist, which adds
// nodes: planners read the structure under mu, and Persist appends under mu
// and cells (a run on the graph's own tasks reads the graph's task table as
// it goes; runs on copies read nothing of the graph but through the
// snapshot their plan took).
type graphState struct {
	cells sync.Mutex
	mu    sync.Mutex
	plan  *plan // the last plan made; reused for the same targets
}

var states sync.Map // weak.Pointer[graph.Graph] -> *graphState

func stateOf(g *graph.Graph) *graphState {
	k := weak.Make(g)
	if st, ok := states.Load(k); ok {
		return st.(*graphState)
	}
	st, loaded := states.LoadOrStore(k, new(graphState))
	if !loaded {
		runtime.AddCleanup(g, func(k weak.Pointer[graph.Graph]) { states.Delete(k) }, k)
	}
	return st.(*graphState)
}

// planFor returns the plan for targets (the cached one when it fits), the
// snapshot of g the run reads through, and the run's tasks: private
// copies when asked for, the plan's table of the graph's own tasks when
// the plan is run again, or nil (look them up in g) on its first run.
func (st *graphState) planFor(g *graph.Graph, targets []int32, copies bool) (*plan, graph.Executable, []graph.Task, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := g.Err(); err != nil {
		return nil, graph.Executable{}, nil, err
	}
	x := graph.ExecutableOf(g)
	for _, t := range targets {
		if t < 0 || int(t) >= x.Len() {
			return nil, x, nil, ErrNoTarget
		}
	}
	p := st.plan
	if !p.sameTargets(targets) {
		var err error
		if p, err = newPlan(x, targets); err != nil {
			return nil, x, nil, err
		}
		st.plan = p
	} else if !copies {
		p.reused(x)
	}
	if copies {
		return p, x, x.Copy(p.ids), nil
	}
	return p, x, p.tasks, nil
}

// constants returns the tasks of the Value leaves among targets (nil for
// the others), looked up now, under mu, for a run on copies: it must not
// read the graph's task table while Persist may add to it.
func (st *graphState) constants(x graph.Executable, targets []int32) []graph.Task {
	st.mu.Lock()
	defer st.mu.Unlock()
	var ts []graph.Task
	for k, id := range targets {
		if x.Kind(int(id)) == graph.KindValue {
			if ts == nil {
				ts = make([]graph.Task, len(targets))
			}
			ts[k] = x.Task(int(id))
		}
	}
	return ts
}
