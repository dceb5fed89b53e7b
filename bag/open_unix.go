//go:build unix

package bag

import (
	"context"
	"os"
	"syscall"
	"time"
)

// openFile opens path for reading; close ends it. A named pipe (a FIFO)
// waits for a writer as it opens, and for data as it is read, and a run
// that is cancelled must not wait with it: the open is completed, when ctx
// ends, by a writer end opened here and closed at once, and a read by
// closing the file (the runtime polls pipes, so a Close ends a Read). A
// regular file is opened as it is.
func openFile(ctx context.Context, path string) (f *os.File, close func(), err error) {
	if fi, err := os.Stat(path); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		f, err := os.Open(path)
		if err != nil {
			return nil, func() {}, err
		}
		return f, func() { f.Close() }, nil
	}
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		if o.err != nil {
			return nil, func() {}, o.err
		}
		stop := context.AfterFunc(ctx, func() { o.f.Close() })
		return o.f, func() { stop(); o.f.Close() }, nil
	case <-ctx.Done():
	}
	for {
		// The reader above may not be waiting yet (a writer end opens
		// only while one is): try until its open returns.
		if w, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
		select {
		case o := <-ch:
			if o.f != nil {
				o.f.Close()
			}
			return nil, func() {}, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}
