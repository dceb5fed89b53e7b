package diag

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// ErrNoReader: an output is a FIFO that no process has open for reading.
// Opening it would block until one does, so it is refused instead.
var ErrNoReader = errors.New("nobody is reading the FIFO")

// OutputFile is an output being written that appears whole or not at all.
//
// A regular file (or a path that does not exist yet) is written under a
// temporary name (".NAME.tmp-*") in its destination's directory, so that
// the final rename stays on one file system and is atomic; Commit renames
// it into place, Abort removes it. A symbolic link is followed: its
// target is what gets written, and the link stays. A device or a FIFO is
// never replaced: it is written to directly, as "> FILE" in a shell
// would, so --out /dev/stdout and a pipe work; what a stream received
// cannot be taken back, so Abort only closes it. A write error of a
// device (/dev/full's "no space left on device") is Commit's error.
type OutputFile struct {
	path string   // as the caller named it, for messages
	dest string   // the file written: path with its symbolic links followed
	f    *os.File // the temporary file, or the stream
	w    *bufio.Writer
	// stream is set when f is dest itself (a device or a FIFO).
	stream bool
	mode   fs.FileMode // of the file replaced, kept by Commit
}

// CreateOutput starts an output file. It fails at once when the
// destination's directory is missing or not writable, the destination is
// a directory or a socket, or a FIFO nobody reads ([ErrNoReader]): that is
// why a run creates its outputs before computing anything.
func CreateOutput(path string) (*OutputFile, error) {
	o, err := createOutput(path)
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", path, bare(err))
	}
	return o, nil
}

func createOutput(path string) (*OutputFile, error) {
	dest, fi, err := followLinks(path)
	if err != nil {
		return nil, err
	}
	o := &OutputFile{path: path, dest: dest, mode: 0o644}
	switch {
	case fi == nil || fi.Mode().IsRegular():
		if fi != nil {
			o.mode = fi.Mode().Perm()
		}
		o.f, err = os.CreateTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp-*")
		if err == nil {
			track(o.f.Name())
		}
	case fi.IsDir():
		return nil, errors.New("it is a directory")
	case fi.Mode()&fs.ModeNamedPipe != 0:
		// Non-blocking, so that a FIFO with no reader fails now (ENXIO)
		// instead of blocking the run; later writes wait for the reader
		// through the runtime's poller.
		o.f, err = os.OpenFile(dest, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if errors.Is(err, syscall.ENXIO) {
			err = ErrNoReader
		}
		o.stream = true
	case fi.Mode()&fs.ModeDevice != 0:
		o.f, err = os.OpenFile(dest, os.O_WRONLY, 0) // never O_CREATE, never O_TRUNC
		o.stream = true
	default:
		return nil, fmt.Errorf("it is not a regular file (%v)", fi.Mode().Type())
	}
	if err != nil {
		return nil, err
	}
	o.w = bufio.NewWriterSize(o.f, 64<<10)
	return o, nil
}

// followLinks follows path's symbolic links, even one that names a file
// that does not exist yet, and returns the file they lead to and its
// information (nil when it does not exist).
func followLinks(path string) (string, fs.FileInfo, error) {
	for range 40 { // as Linux's MAXSYMLINKS
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil, nil
		}
		if err != nil {
			return "", nil, err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return path, fi, nil
		}
		target, err := os.Readlink(path)
		if err != nil {
			return "", nil, err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path = target
	}
	return "", nil, errors.New("too many levels of symbolic links")
}

// Write buffers b; errors surface here or in Commit.
func (o *OutputFile) Write(b []byte) (int, error) { return o.w.Write(b) }

var _ io.Writer = (*OutputFile)(nil)

// Commit flushes and closes the file and renames it into place. On
// failure the temporary file is removed, the destination is left as it
// was, and the error says which file and why.
func (o *OutputFile) Commit() error {
	if o == nil || o.f == nil {
		return errors.New("diag: output already committed or aborted")
	}
	err := o.w.Flush()
	if err == nil && !o.stream {
		// CreateTemp makes the file 0600; an output is readable like any
		// other, or keeps the mode of the file it replaces.
		err = o.f.Chmod(o.mode)
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	if err == nil && !o.stream {
		err = os.Rename(o.f.Name(), o.dest)
	}
	if !o.stream {
		if err != nil {
			os.Remove(o.f.Name())
		}
		untrack(o.f.Name())
	}
	o.f = nil
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", o.path, bare(err))
	}
	return nil
}

// Abort removes the temporary file unless Commit ran; it is safe to call
// more than once and after Commit, which is what a deferred cleanup does.
func (o *OutputFile) Abort() {
	if o == nil || o.f == nil {
		return
	}
	o.f.Close()
	if !o.stream {
		os.Remove(o.f.Name())
		untrack(o.f.Name())
	}
	o.f = nil
}

// bare drops the *fs.PathError around an error: its path is a temporary
// name, or the one the message names already.
func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// WriteFile writes the file at path with write, whole or not at all (see
// [OutputFile]), for any of the writers of this package:
//
//	err := diag.WriteFile("trace.json", p.WriteTrace)
func WriteFile(path string, write func(io.Writer) error) error {
	o, err := CreateOutput(path)
	if err != nil {
		return err
	}
	if err := write(o); err != nil {
		o.Abort()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return o.Commit()
}

// The temporary files of this process not yet committed or aborted, for
// RemoveTemporaries.
var temporaries struct {
	sync.Mutex
	names map[string]struct{}
}

func track(name string) {
	temporaries.Lock()
	defer temporaries.Unlock()
	if temporaries.names == nil {
		temporaries.names = make(map[string]struct{})
	}
	temporaries.names[name] = struct{}{}
}

func untrack(name string) {
	temporaries.Lock()
	defer temporaries.Unlock()
	delete(temporaries.names, name)
}

// RemoveTemporaries removes the temporary files of every output of this
// process that is neither committed nor aborted. It is for a program
// about to exit without unwinding, such as on a second Ctrl-C: nothing is
// left behind even then. An output whose file it removed fails to commit.
func RemoveTemporaries() {
	temporaries.Lock()
	defer temporaries.Unlock()
	for name := range temporaries.names {
		os.Remove(name)
	}
	clear(temporaries.names)
}
