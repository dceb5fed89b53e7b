package pipeline

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// OutputFile is an output file being written. It lives under a temporary name
// in its destination's directory (so the final rename stays on one file
// system and is atomic) until commit renames it into place; abort removes
// it. Either way no half-written file is left under the destination's name.
type OutputFile struct {
	path string // the destination
	f    *os.File
	w    *bufio.Writer
}

// CreateOutput starts an output file. It fails at once when the destination's
// directory is missing or not writable, or the destination is a directory,
// which is why jobs create their outputs before computing anything.
func CreateOutput(path string) (*OutputFile, error) {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("cannot write %s: it is a directory", path)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the temporary name would only confuse
		}
		return nil, fmt.Errorf("cannot write %s: %w", path, err)
	}
	return &OutputFile{path: path, f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// Write buffers p; errors surface here or in commit.
func (p *OutputFile) Write(b []byte) (int, error) { return p.w.Write(b) }

var _ io.Writer = (*OutputFile)(nil)

// Commit flushes, closes and renames the file into place. On failure the
// temporary file is removed and the destination is left as it was.
func (p *OutputFile) Commit() error {
	err := p.w.Flush()
	// CreateTemp makes the file 0600; an output should be readable like
	// any other (os.Create with the common umask 022 gives 0644).
	if err == nil {
		err = p.f.Chmod(0o644)
	}
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(p.f.Name(), p.path)
	}
	if err != nil {
		os.Remove(p.f.Name())
		return fmt.Errorf("cannot write %s: %w", p.path, err)
	}
	p.f = nil
	return nil
}

// Abort removes the temporary file unless Commit succeeded; it is safe to
// call after Commit, and is what a deferred cleanup calls.
func (p *OutputFile) Abort() {
	if p == nil || p.f == nil {
		return
	}
	p.f.Close()
	os.Remove(p.f.Name())
	p.f = nil
}
