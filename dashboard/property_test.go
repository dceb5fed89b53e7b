package dashboard_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/dashboard"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
)

var errDrawn = errors.New("a drawn failure")

// drawRun builds a random graph: tasks of a few stage names on earlier
// nodes, some of which fail, and returns the nodes nothing depends on.
func drawRun(t *rapid.T) []graph.Delayed[int] {
	var g graph.Graph
	nodes := []graph.Delayed[int]{graph.Value(&g, "v", 1)}
	used := map[int]bool{}
	n := rapid.IntRange(1, 60).Draw(t, "tasks")
	for range n {
		name := rapid.SampledFrom([]string{"load", "mix", "tile", "sum"}).Draw(t, "name")
		fail := rapid.IntRange(0, 9).Draw(t, "fail") == 0
		var args []graph.Delayed[int]
		for range rapid.IntRange(1, 3).Draw(t, "nargs") {
			k := rapid.IntRange(0, len(nodes)-1).Draw(t, "arg")
			used[k] = true
			args = append(args, nodes[k])
		}
		nodes = append(nodes, graph.CallSlice(&g, name, func(_ context.Context, xs []int) (int, error) {
			if fail {
				return 0, errDrawn
			}
			return len(xs), nil
		}, args))
	}
	var sinks []graph.Delayed[int]
	for k, d := range nodes[1:] {
		if !used[k+1] {
			sinks = append(sinks, d)
		}
	}
	return sinks
}

// TestPropertyCounts: for any graph, worker count and failures, the
// dashboard's counts per stage and in all are the profiler's (the
// reference: every task's record), the stage totals add up to the run's
// tasks, and a replay of the profile agrees.
func TestPropertyCounts(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		sinks := drawRun(t)
		workers := rapid.IntRange(1, 3).Draw(t, "workers")
		var targets []graph.Node
		for _, s := range sinks {
			targets = append(targets, s)
		}
		p := diag.NewProfiler(diag.SampleEvery(0))
		d := dashboard.New(dashboard.Options{Profiler: p, Targets: targets})
		_, err := sched.ComputeAll(context.Background(), sinks, sched.Workers(workers), sched.KeepGoing(), sched.WithHooks(d.Hooks()))
		if err != nil && !errors.Is(err, errDrawn) {
			t.Fatal(err)
		}
		want := map[string][4]int{} // stage → done, failed, skipped, not run
		for _, r := range p.Records() {
			c := want[r.Name]
			c[[...]int{sched.Done: 0, sched.Failed: 1, sched.Skipped: 2, sched.NotRun: 3}[r.State]]++
			want[r.Name] = c
		}
		s := d.Snapshot()
		last := s.Frames[len(s.Frames)-1]
		got := map[string][4]int{}
		total := 0
		for k, st := range s.Stages {
			f := last.Stages[k]
			if c := [4]int{f.Done, f.Failed, f.Skipped, f.NotRun}; c != [4]int{} {
				got[st.Name] = c
			}
			if st.Total != f.Done+f.Failed+f.Skipped+f.NotRun {
				t.Fatalf("stage %s: total %d, ended %+v", st.Name, st.Total, f)
			}
			total += st.Total
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("counts by stage: dashboard %v, profiler %v", got, want)
		}
		pr, _ := p.Profile()
		if total != s.Total || s.Total != pr.Tasks || s.Done != pr.Done || s.Failed != pr.Failed || s.Skipped != pr.Skipped || s.NotRun != pr.NotRun {
			t.Fatalf("dashboard %d tasks (%d in stages) %d/%d/%d/%d, profiler %+v", s.Total, total, s.Done, s.Failed, s.Skipped, s.NotRun, pr)
		}
		if (err != nil) != (s.State == "failed") || len(s.Failures) != min(pr.Failed, 20) {
			t.Fatalf("state %s with error %v; %d failures shown of %d", s.State, err, len(s.Failures), pr.Failed)
		}
		var saved bytes.Buffer
		if err := p.WriteJSON(&saved); err != nil {
			t.Fatal(err)
		}
		r, err := dashboard.Replay(&saved, dashboard.Options{})
		if err != nil {
			t.Fatal(err)
		}
		rs := r.Snapshot()
		if rs.Total != s.Total || rs.Done != s.Done || rs.Failed != s.Failed || rs.Skipped != s.Skipped || rs.NotRun != s.NotRun {
			t.Fatalf("replay %+v, live %+v", rs, s)
		}
		if fmt.Sprint(rs.Stages) != fmt.Sprint(s.Stages) {
			t.Fatalf("stages: replay %v, live %v", rs.Stages, s.Stages)
		}
	})
}
