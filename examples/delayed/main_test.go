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
	for _, args := range [][]string{nil, {"-n", "3", "-workers", "1"}} {
		var out bytes.Buffer
		if err := run(context.Background(), &out, args); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"nothing has run yet", "z = 5\n", `task "half" failed: 5 is odd`} {
			if !strings.Contains(out.String(), want) {
				t.Fatalf("%q: output lacks %q:\n%s", args, want, out.String())
			}
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), &out, []string{"-dot", "-n", "2"}); err != nil || !strings.Contains(out.String(), "digraph") {
		t.Fatalf("-dot: %v\n%s", err, out.String())
	}
	if err := run(context.Background(), &out, []string{"-n", "0"}); err == nil {
		t.Fatal("-n 0 was accepted")
	}
}
