package cli

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests of this file run the command as a real process: the test
// binary re-executes itself with beCLI set, and TestMain then calls main
// (see main_test.go). That is the CLI binary, built with the test, and
// the only way to see what signals do to it.
const beCLI = "TASKGRAPH_TEST_BE_CLI"

// started runs the command in dir and waits until it has created a
// temporary output file (outputs are created before the run starts), so
// that a signal sent next interrupts a run that is under way.
func started(t *testing.T, dir string, args ...string) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), beCLI+"=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if len(temporaries(t, dir)) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%q: no temporary output appeared; stderr %q", args, stderr.String())
		}
	}
	time.Sleep(100 * time.Millisecond) // into the computation proper
	return cmd, &stderr
}

// temporaries lists the temporary output files in dir.
func temporaries(t *testing.T, dir string) []string {
	t.Helper()
	var tmp []string
	for _, n := range files(t, dir) {
		if strings.Contains(n, ".tmp-") {
			tmp = append(tmp, n)
		}
	}
	return tmp
}

// exits waits for cmd to end, killing it after a generous bound (the test
// asserts that it ends at all, not how fast), and returns its exit status.
func exits(t *testing.T, cmd *exec.Cmd, what string) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%s: still running 10 s after the signal", what)
		return -1
	}
}

// A signal stops long tasks in the middle (the kernels check cancellation
// inside a tile, a chunk, a generator's block), the run's outputs are
// removed, and the exit status says which signal it was.
func TestSignalStopsLongTasks(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the command as a process")
	}
	cases := []struct {
		sig  syscall.Signal
		args []string
	}{
		{syscall.SIGINT, []string{"run", "mandelbrot", "--max-iter=2000000000", "--width=64", "--height=64", "--tiles=4", "--workers=2", "--out=m.png"}},
		{syscall.SIGINT, []string{"run", "pi", "--samples=9e18", "--chunks=4", "--workers=2", "--profile=p.json"}},
		{syscall.SIGTERM, []string{"run", "generators", "--n=9e18", "--seq=integers", "--workers=2", "--trace=t.json"}},
		{syscall.SIGTERM, []string{"run", "mandelbrot", "--max-iter=2000000000", "--width=32", "--height=32", "--tiles=1", "--out=m.png", "--trace=t.json"}},
	}
	for _, c := range cases {
		dir := t.TempDir()
		name := c.sig.String() + " " + strings.Join(c.args, " ")
		cmd, stderr := started(t, dir, c.args...)
		cmd.Process.Signal(c.sig)
		code := exits(t, cmd, name)
		want := 128 + int(c.sig)
		if code != want {
			t.Errorf("%s: exit %d, want %d; stderr %q", name, code, want, stderr)
		}
		if !strings.Contains(stderr.String(), "interrupted") || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("%s: stderr %q", name, stderr)
		}
		if left := files(t, dir); len(left) != 0 {
			t.Errorf("%s: left %q", name, left)
		}
	}
}

// A second signal ends the process at once, even when a task does not
// notice cancellation (here: opening a FIFO that nobody writes to blocks
// in the kernel), and still removes the temporary files.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the command as a process")
	}
	dir := t.TempDir()
	fifo := filepath.Join(t.TempDir(), "input")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	cmd, stderr := started(t, dir, "run", "wordcount", "--input", fifo, "--profile=p.json")
	cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(200 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	code := exits(t, cmd, "second SIGINT")
	if code != 130 {
		t.Errorf("exit %d, want 130; stderr %q", code, stderr)
	}
	if left := files(t, dir); len(left) != 0 {
		t.Errorf("left %q", left)
	}
}

// --out never replaces what is not a regular file: it writes through a
// symbolic link to the file it names, streams to a device or a FIFO, and
// reports a device's write error (/dev/full: no space left on device).
func TestOutSpecialFiles(t *testing.T) {
	small := []string{"run", "mandelbrot", "--width=16", "--height=16", "--tiles=1"}
	t.Run("symlink", func(t *testing.T) {
		dir := t.TempDir()
		target := filepath.Join(dir, "real.png")
		writeText(t, dir, "real.png", "old")
		link := filepath.Join(dir, "link.png")
		if err := os.Symlink("real.png", link); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := tg(t, append(small, "--out", link)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Fatalf("the link was replaced: %v %v", fi.Mode(), err)
		}
		if b, _ := os.ReadFile(target); !strings.HasPrefix(string(b), "\x89PNG") {
			t.Fatalf("the target holds %.10q", b)
		}
		if got := files(t, dir); len(got) != 2 {
			t.Fatalf("directory holds %q", got)
		}
	})
	t.Run("dangling symlink", func(t *testing.T) {
		dir := t.TempDir()
		link := filepath.Join(dir, "link.png")
		os.Symlink("sub/new.png", link)
		os.Mkdir(filepath.Join(dir, "sub"), 0o755)
		code, _, stderr := tg(t, append(small, "--out", link)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "sub", "new.png")); !strings.HasPrefix(string(b), "\x89PNG") {
			t.Fatalf("the target holds %.10q", b)
		}
		if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
			t.Fatal("the link was replaced")
		}
	})
	t.Run("dev/full", func(t *testing.T) {
		if _, err := os.Stat("/dev/full"); err != nil {
			t.Skip("no /dev/full")
		}
		code, stdout, stderr := tg(t, append(small, "--out", "/dev/full")...)
		if code != 1 || stdout != "" || !strings.Contains(stderr, "no space left on device") || strings.Count(stderr, "\n") != 1 {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
		if fi, err := os.Stat("/dev/full"); err != nil || fi.Mode()&os.ModeDevice == 0 {
			t.Fatalf("/dev/full is no longer a device: %v %v", fi.Mode(), err)
		}
	})
	t.Run("dev/null", func(t *testing.T) {
		code, stdout, stderr := tg(t, append(small, "--out", "/dev/null", "--profile", "/dev/null")...)
		if code != 0 || !strings.Contains(stdout, "wrote /dev/null") {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
		if fi, err := os.Stat("/dev/null"); err != nil || fi.Mode()&os.ModeDevice == 0 {
			t.Fatalf("/dev/null is no longer a device: %v %v", fi.Mode(), err)
		}
	})
	t.Run("fifo", func(t *testing.T) {
		dir := t.TempDir()
		fifo := filepath.Join(dir, "out.png")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skip("no FIFOs here:", err)
		}
		// Nobody reads: refused at once, not a hang.
		code, _, stderr := tg(t, append(small, "--out", fifo)...)
		if code != 1 || !strings.Contains(stderr, "nobody is reading") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		// With a reader, the picture streams into the FIFO. (It is small:
		// it fits the pipe's buffer, so it is read once the command has
		// closed its end; a read before a writer opens would see EOF.)
		r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		code, _, stderr = tg(t, append(small, "--out", fifo)...)
		if code != 0 {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		if b, _ := io.ReadAll(bufio.NewReader(r)); !strings.HasPrefix(string(b), "\x89PNG") {
			t.Fatalf("read %.10q from the FIFO", b)
		}
		if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
			t.Fatalf("the FIFO was replaced: %v %v", fi.Mode(), err)
		}
	})
}

// Sizes that would take more memory than a machine has are refused before
// anything is allocated: exit 2, one line naming the flag and the limit.
// Messages say what is wrong with a value.
func TestSizeLimits(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	cases := []struct {
		args []string
		says string
	}{
		{[]string{"run", "pi", "--samples=9e18", "--chunks=1e12"}, "--chunks: at most "},
		{[]string{"run", "pi", "--chunks=2e9"}, "--chunks: at most "},
		{[]string{"dot", "pi", "--chunks=2e9"}, "--chunks: at most "},
		{[]string{"run", "mandelbrot", "--width=16384", "--height=16384", "--tile-size=1"}, "--tile-size: "},
		{[]string{"run", "mandelbrot", "--tiles=1e9"}, "--tiles: at most "},
		{[]string{"run", "pi", "--workers=99999999999"}, "--workers: at most "},
		{[]string{"run", "pi", "--workers=10000000"}, "--workers: at most "},
		{[]string{"run", "pi", "--samples=1e30"}, "--samples"},
		{[]string{"run", "mandelbrot", "--center=1e400"}, "out of range"},
		{[]string{"run", "mandelbrot", "--extent=1e400+1i"}, "out of range"},
	}
	for _, c := range cases {
		code, stdout, stderr := tg(t, c.args...)
		name := strings.Join(c.args, " ")
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, c.says) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q (want it to say %q)", name, code, stdout, stderr, c.says)
		}
	}
	// 1e30 is a whole number: too large, not malformed.
	_, _, stderr := tg(t, "run", "pi", "--samples=1e30")
	if strings.Contains(stderr, "not a whole number") || !strings.Contains(stderr, "too large") {
		t.Errorf("--samples=1e30: %q", stderr)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Fatalf("left %q", got)
	}
}

// A huge generator prefix streams: the run builds a bounded number of
// tasks whatever n is (here the run is cut short by the context; what
// matters is that building it does not allocate n values or n/size
// tasks).
func TestGeneratorsStream(t *testing.T) {
	code, stdout, stderr := tg(t, "dot", "generators", "--n=1e12", "--view=expanded")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if n := strings.Count(stdout, "->"); n > 5000 {
		t.Fatalf("1e12 values make a graph of %d edges: not streamed", n)
	}
}
