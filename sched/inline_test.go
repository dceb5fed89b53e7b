package sched

import (
	"os/exec"
	"strings"
	"testing"
)

// The hot path calls these small functions once or more per task, and
// their cost assumes the compiler inlines them: settle (a quiet task costs
// a test, not a call), the top run's look-up, and a deque's item check.
// One rule in one place, then, rather than copies written out for speed:
// this test keeps them inlinable.
func TestHotPathInlines(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the package")
	}
	out, err := exec.Command("go", "build", "-gcflags=-m", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build -gcflags=-m: %v\n%s", err, out)
	}
	for _, fn := range []string{"(*run).settle", "(*pool).runOf", "item.ok", "(*run).task", "(*plan).link"} {
		if !strings.Contains(string(out), "can inline "+fn) {
			t.Errorf("%s no longer inlines: keep it small (see its comment)", fn)
		}
	}
}
