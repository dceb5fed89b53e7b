package cli

import (
	"errors"
	"slices"
	"testing"

	"github.com/seed001e6470/taskgraph/tasks/pipeline"
)

// Every registered pipeline is a cluster job, rebuilt from its arguments.
func TestPipelineJobs(t *testing.T) {
	var names []string
	for _, p := range pipeline.All() {
		names = append(names, p.Name)
	}
	got := pipelineJobs().Names()
	slices.Sort(got)
	slices.Sort(names)
	if !slices.Equal(got, names) {
		t.Fatalf("jobs %v, pipelines %v", got, names)
	}
}

func TestClusterFlags(t *testing.T) {
	for _, f := range []clusterFlags{{local: -1}, {url: "nats://x", local: 2}} {
		if err := f.check(); !errors.Is(err, pipeline.ErrParam) {
			t.Errorf("%+v: %v, want a parameter error", f, err)
		}
	}
	if err := (&clusterFlags{local: 2}).check(); err != nil {
		t.Error(err)
	}
}
