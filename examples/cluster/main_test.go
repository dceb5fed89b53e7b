package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/seed001e6470/taskgraph/cluster"
)

func TestMain(m *testing.M) {
	cluster.WorkerMain(&jobs) // the test binary is the workers' program too
	goleak.VerifyTestMain(m)
}

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, []string{"-samples", "1000000", "-chunks", "20"}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "the same, bit for bit") {
		t.Fatalf("output:\n%s", out.String())
	}
}
