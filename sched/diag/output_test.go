package diag_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/seed001e6470/taskgraph/sched/diag"
)

func writeAll(path, text string) error {
	return diag.WriteFile(path, func(w io.Writer) error { _, err := io.WriteString(w, text); return err })
}

// A regular file is replaced whole, keeping its mode; until then the old
// content stays and the new one lives under a temporary name.
func TestOutputReplacesRegularFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := diag.CreateOutput(path)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(f, "new")
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("before Commit the file holds %q", b)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if b, _ := os.ReadFile(path); string(b) != "new" || fi.Mode().Perm() != 0o600 {
		t.Errorf("after Commit: %q, mode %v", b, fi.Mode())
	}
	if err := f.Commit(); err == nil {
		t.Error("a second Commit succeeded")
	}
	f.Abort() // harmless after Commit
	if got := files(t, dir); len(got) != 1 {
		t.Errorf("directory holds %q", got)
	}
}

// Through a symbolic link (even a dangling one, or a chain), the target
// is written and the links stay.
func TestOutputFollowsLinks(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	os.Symlink("sub/target.txt", filepath.Join(dir, "a"))
	os.Symlink("a", filepath.Join(dir, "b"))
	if err := writeAll(filepath.Join(dir, "b"), "via links"); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "sub", "target.txt")); string(b) != "via links" {
		t.Fatalf("target holds %q, %v", b, err)
	}
	for _, l := range []string{"a", "b"} {
		if fi, err := os.Lstat(filepath.Join(dir, l)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("link %s replaced: %v", l, err)
		}
	}
	os.Symlink("loop", filepath.Join(dir, "loop"))
	if err := writeAll(filepath.Join(dir, "loop"), "x"); err == nil || !strings.Contains(err.Error(), "symbolic links") {
		t.Errorf("a link to itself: %v", err)
	}
}

// Devices are written to, never replaced; their write errors are
// reported.
func TestOutputDevices(t *testing.T) {
	if err := writeAll(os.DevNull, "discarded"); err != nil {
		t.Errorf("%s: %v", os.DevNull, err)
	}
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode()&os.ModeDevice == 0 {
		t.Fatalf("%s is no longer a device", os.DevNull)
	}
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	err := writeAll("/dev/full", "x")
	if !errors.Is(err, syscall.ENOSPC) || err.Error() != "cannot write /dev/full: no space left on device" {
		t.Errorf("/dev/full: %v", err)
	}
	if fi, err := os.Stat("/dev/full"); err != nil || fi.Mode()&os.ModeDevice == 0 {
		t.Fatal("/dev/full is no longer a device")
	}
}

// A FIFO nobody reads is refused at once (opening it would block); one
// with a reader is streamed to.
func TestOutputFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no FIFOs:", err)
	}
	if _, err := diag.CreateOutput(fifo); !errors.Is(err, diag.ErrNoReader) {
		t.Errorf("no reader: %v", err)
	}
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// Small enough for the pipe's buffer: read once the writer closed
	// (a read before a writer opens would see EOF).
	if err := writeAll(fifo, "through the pipe"); err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(r); string(b) != "through the pipe" {
		t.Errorf("read %q", b)
	}
}

// Directories and sockets are refused; nothing is created.
func TestOutputRefused(t *testing.T) {
	dir := t.TempDir()
	if err := writeAll(dir, "x"); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	if err := writeAll(filepath.Join(dir, "missing", "x"), "x"); err == nil || !strings.HasPrefix(err.Error(), "cannot write ") {
		t.Errorf("missing directory: %v", err)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Errorf("left %q", got)
	}
}

// RemoveTemporaries removes every output not yet committed, for a
// process about to exit at once; their Commit then fails.
func TestRemoveTemporaries(t *testing.T) {
	dir := t.TempDir()
	a, _ := diag.CreateOutput(filepath.Join(dir, "a"))
	b, _ := diag.CreateOutput(filepath.Join(dir, "b"))
	if len(files(t, dir)) != 2 {
		t.Fatalf("temporary files: %q", files(t, dir))
	}
	diag.RemoveTemporaries()
	if got := files(t, dir); len(got) != 0 {
		t.Errorf("left %q", got)
	}
	if a.Commit() == nil {
		t.Error("Commit of a removed output succeeded")
	}
	b.Abort()
	if got := files(t, dir); len(got) != 0 {
		t.Errorf("left %q", got)
	}
}
