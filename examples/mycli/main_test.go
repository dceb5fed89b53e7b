package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The example builds into a binary that serves the built-in pipelines and
// its own, with the same commands.
func TestBinary(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the example with")
	}
	bin := filepath.Join(t.TempDir(), "mycli")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(args ...string) (int, string, string) {
		var stdout, stderr strings.Builder
		c := exec.Command(bin, args...)
		c.Stdout, c.Stderr = &stdout, &stderr
		err := c.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), stdout.String(), stderr.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, stdout.String(), stderr.String()
	}

	code, out, _ := run("list")
	if code != 0 || !strings.Contains(out, "squares ") || !strings.Contains(out, "mandelbrot ") {
		t.Errorf("list: %d %q", code, out)
	}
	code, out, errs := run("run", "squares", "--n=10", "--workers=2")
	if code != 0 || !strings.Contains(out, "the squares of 1…10 add up to 385\n") || !strings.Contains(out, "11 tasks on 2 workers") {
		t.Errorf("run: %d %q %q", code, out, errs)
	}
	code, out, _ = run("run", "squares", "--n=4", "--json")
	var doc struct {
		OK     bool
		Result map[string]int
		Args   []string
	}
	if err := json.Unmarshal([]byte(out), &doc); code != 0 || err != nil || !doc.OK || doc.Result["sum"] != 30 || strings.Join(doc.Args, " ") != "--fail=0 --n=4" {
		t.Errorf("run --json: %d %q %v", code, out, err)
	}
	code, out, _ = run("dot", "squares", "--n=3")
	if code != 0 || !strings.HasPrefix(out, "digraph") || !strings.Contains(out, "square[2]") {
		t.Errorf("dot: %d %q", code, out)
	}
	code, out, errs = run("run", "pi", "--samples=1e4", "--chunks=4")
	if code != 0 || !strings.HasPrefix(out, "pi ≈ 3.") {
		t.Errorf("built-in pi: %d %q %q", code, out, errs)
	}
	code, out, errs = run("run", "squares", "--n=0")
	if code != 2 || out != "" || errs != "mycli run squares: --n: must be at least 1 (got 0)\n" {
		t.Errorf("--n=0: %d %q %q", code, out, errs)
	}
	// Ctrl-C on the real binary: the long chunks stop, the profile's
	// temporary file goes, and the status says SIGINT.
	dir := t.TempDir()
	c := exec.Command(bin, "run", "pi", "--samples=9e18", "--chunks=2", "--profile=p.json")
	c.Dir = dir
	var cerr strings.Builder
	c.Stderr = &cerr
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if es, _ := os.ReadDir(dir); len(es) > 0 {
			break
		}
	}
	c.Process.Signal(os.Interrupt)
	waited := make(chan error, 1)
	go func() { waited <- c.Wait() }()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		c.Process.Kill()
		<-waited
		t.Fatal("still running 10 s after SIGINT")
	}
	if code := c.ProcessState.ExitCode(); code != 130 || !strings.Contains(cerr.String(), "mycli run pi: interrupted (SIGINT)") {
		t.Errorf("after SIGINT: exit %d, stderr %q", code, cerr.String())
	}
	if es, _ := os.ReadDir(dir); len(es) != 0 {
		t.Errorf("left %d files", len(es))
	}

	code, _, errs = run("run", "squares", "--n=5", "--fail=3", "--keep-going")
	if code != 1 || strings.Count(errs, "\n") != 2 || !strings.Contains(errs, "square 3 fails") || !strings.Contains(errs, "1 task skipped") {
		t.Errorf("--fail=3: %d %q", code, errs)
	}
}
