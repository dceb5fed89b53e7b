package diag_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
)

// sumSpawn sums xs by computing, inside the running task, a graph of two
// halves: each level of the recursion is a graph spawned by a task.
func sumSpawn(ctx context.Context, xs []int) (int, error) {
	if len(xs) <= 16 {
		s := 0
		for _, x := range xs {
			s += x
		}
		return s, nil
	}
	var g graph.Graph
	m := len(xs) / 2
	l := graph.CallCtx(&g, "sum", sumSpawn, graph.Value(&g, "left", xs[:m]))
	r := graph.CallCtx(&g, "sum", sumSpawn, graph.Value(&g, "right", xs[m:]))
	return sched.Compute(ctx, graph.Call2(&g, "add", add, l, r))
}

// Tasks of spawned graphs are recorded and drawn, but they are not the
// run's tasks: the profile's counts and critical path are the run's own.
// The progress bar counts them as they appear, so that spawn-heavy runs
// show progress.
func TestSpawnedTasks(t *testing.T) {
	xs := make([]int, 1024) // 64 leaves: 127 sum tasks, 63 adds
	for _, w := range workerCounts {
		t.Run(fmt.Sprintf("workers=%d", w), func(t *testing.T) {
			var g graph.Graph
			d := graph.CallCtx(&g, "sum", sumSpawn, graph.Value(&g, "xs", xs))
			d = graph.Call(&g, "inc", inc, d)
			p := diag.NewProfiler(diag.SampleEvery(0))
			var bar bytes.Buffer
			hooks := diag.Combine(p.Hooks(), diag.Progress(&bar, diag.ProgressOptions{Force: true}))
			if _, err := sched.Compute(context.Background(), d, sched.Workers(w), sched.WithHooks(hooks)); err != nil {
				t.Fatal(err)
			}
			pr, _ := p.Profile()
			if pr.Tasks != 2 || pr.Done != 2 || pr.Spawned != 126+63 || len(p.Records()) != 2+126+63 {
				t.Errorf("profile: %d tasks, %d done, %d spawned, %d records", pr.Tasks, pr.Done, pr.Spawned, len(p.Records()))
			}
			if len(pr.CriticalPath) != 2 || pr.CriticalPath[0].Name != "sum" || pr.CriticalPath[1].Name != "inc" {
				t.Errorf("critical path %v", pr.CriticalPath)
			}
			if b := lastBar(bar.String()); !strings.Contains(b, "(191/191") {
				t.Errorf("progress bar ends %q, want 191/191 (2 tasks and 189 spawned)", b)
			}
			if !sortedRecords(p.Records()) {
				t.Error("records are not in start order")
			}
			for _, r := range p.Records() {
				if r.Spawned && (!strings.HasPrefix(r.Name, "sum/") || !strings.HasPrefix(r.Key, "sum/")) {
					t.Errorf("spawned record %+v has no parent path", r)
				}
			}
			// A worker's busy time counts nested tasks once.
			for _, wp := range pr.PerWorker {
				if wp.Busy > pr.Wall {
					t.Errorf("worker busy %v in a run of %v", wp.Busy, pr.Wall)
				}
			}
			var buf bytes.Buffer
			if err := p.WriteTrace(&buf); err != nil {
				t.Fatal(err)
			}
			var doc traceDoc
			if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, ev := range doc.TraceEvents {
				if ev.Ph == "X" {
					n++
				}
			}
			if n != 2+126+63 {
				t.Errorf("%d complete events, want %d", n, 2+126+63)
			}
			var s strings.Builder
			if err := p.Summary(&s); err != nil || !strings.Contains(s.String(), "; 189 spawned") {
				t.Errorf("summary (%v):\n%s", err, s.String())
			}
		})
	}
}
