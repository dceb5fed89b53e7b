package diag

import (
	"sync/atomic"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/graph/dot"
	"github.com/seed001e6470/taskgraph/sched"
)

// Dot returns hooks that record every task's state and duration in rec,
// so that the run's graph can be drawn coloured by what was measured:
//
//	dot.Write(w, g, &dot.Options{Color: dot.ByDuration, Stats: rec.Stats})
//
// Tasks of graphs spawned inside tasks belong to other graphs and are
// left out. A Recorder takes a lock and a map entry per task, which on a
// run of tiny tasks costs more than the tasks (see BenchmarkOverhead);
// with a Profiler attached anyway, its DotStats costs nothing more.
func Dot(rec *dot.Recorder) sched.Hooks {
	var g atomic.Pointer[graph.Graph]
	return sched.Hooks{
		RunStart: func(info sched.RunInfo) { g.Store(info.Graph) },
		TaskDone: func(ev sched.TaskEvent) {
			if ev.Graph == g.Load() {
				rec.Record(ev.ID, dot.Stats{State: dotState(ev.State), Duration: ev.Duration})
			}
		},
	}
}

// DotStats returns what the last run measured of node id of its graph;
// its method value is what dot.Options.Stats wants, for a picture of the
// run coloured by duration (dot.ByDuration) or state (dot.ByState).
func (p *Profiler) DotStats(id int) (dot.Stats, bool) {
	an, _ := p.analysis()
	if an == nil {
		return dot.Stats{}, false
	}
	k, ok := an.own.get(id)
	if !ok {
		return dot.Stats{}, false
	}
	r := an.records[k]
	return dot.Stats{State: dotState(r.State), Duration: r.Duration()}, true
}

func dotState(s sched.State) dot.State { return dot.State(s.String()) }
