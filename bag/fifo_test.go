//go:build unix

package bag_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// Reading a named pipe waits for a writer and then for lines; a cancelled
// run waits for neither: Compute returns, cancelled, and nothing is left
// blocked (goleak checks).
func TestReadTextFIFOCancels(t *testing.T) {
	for _, withWriter := range []bool{false, true} {
		dir := t.TempDir()
		fifo := filepath.Join(dir, "in")
		if err := syscall.Mkfifo(fifo, 0o600); err != nil {
			t.Skipf("no named pipes here: %v", err)
		}
		var w *os.File
		writerReady := make(chan struct{})
		if withWriter {
			go func() {
				defer close(writerReady)
				var err error
				if w, err = os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
					w.WriteString("one line, and then nothing more\n")
				}
			}()
		}
		var g graph.Graph
		n := bag.Count(bag.ReadText(&g, []string{fifo}))
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		done := make(chan error, 1)
		go func() {
			_, err := sched.Compute(ctx, n, sched.Workers(2))
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, sched.ErrCancelled) && !errors.Is(err, context.Canceled) {
				t.Errorf("writer=%v: %v, want a cancellation", withWriter, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("writer=%v: the run did not end after its context was cancelled", withWriter)
		}
		if withWriter {
			<-writerReady
			if w != nil {
				w.Close()
			}
		}
	}
}
