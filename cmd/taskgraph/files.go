package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// outFile is an output file written under a temporary name in its
// destination's directory and renamed into place by commit, so that it
// appears complete or not at all (package pipeline does the same for a
// pipeline's own outputs).
type outFile struct {
	*os.File
	path string
}

// createFile starts writing path. It fails at once when the directory is
// missing or not writable, or path is a directory.
func createFile(path string) (*outFile, error) {
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
	return &outFile{File: f, path: path}, nil
}

// commit closes the file and renames it into place; on failure it removes
// the temporary file.
func (f *outFile) commit() error {
	err := f.Chmod(0o644) // CreateTemp's 0600 is too private for an output
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("cannot write %s: %w", f.path, err)
	}
	return nil
}

// abort closes and removes the temporary file.
func (f *outFile) abort() {
	f.Close()
	os.Remove(f.Name())
}
