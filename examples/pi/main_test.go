package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, []string{"-samples", "100000", "-chunks", "10"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "1 worker(s): pi ≈ 3.1") || !strings.Contains(out.String(), "the same with any number of workers") {
		t.Fatalf("output:\n%s", out.String())
	}
	if err := run(context.Background(), &out, []string{"-samples", "0"}); err == nil {
		t.Fatal("-samples 0 was accepted")
	}
}
