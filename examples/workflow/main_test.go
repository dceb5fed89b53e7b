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
	if err := run(context.Background(), &out, []string{"-seeds", "4", "-samples", "10000"}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "4 estimates of π from 10000 samples each") || !strings.Contains(out.String(), "mean 3.1") {
		t.Fatalf("output:\n%s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), &out, []string{"-seeds", "3", "-dot"}); err != nil || !strings.Contains(out.String(), "chunk ×12") {
		t.Fatalf("-dot: %v\n%s", err, out.String())
	}
	if err := run(context.Background(), &out, []string{"-seeds", "1"}); err == nil {
		t.Fatal("-seeds 1 was accepted")
	}
}
