package bag

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/seed001e6470/taskgraph/codec"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// WriteText writes each partition of b to a text file, one line per
// element, and returns the Delayed list of the files written, in partition
// order. The file names come from pattern, whose single '*' is replaced by
// the partition's index, zero-padded so that names sort in partition order
// ("out/part-*.txt" gives out/part-00.txt … out/part-11.txt). Missing
// directories are made; a name ending in ".gz" is gzip-compressed. Each
// partition streams from its pending stages to its file.
//
// The write is all or nothing: partitions write to hidden temporary files
// beside their targets, and only when every partition has succeeded does
// the last task rename them all into place. A run that fails (a stage's
// error, a cancelled context) removes the temporary files of the
// partitions that had finished, so it leaves no new file behind and
// replaces no existing one. When the failure is in a task of the run
// that is no part of the write, the finished partitions' files are
// removed as the run ends, a moment after Compute returns.
func WriteText(b Bag[string], pattern string) graph.Delayed[[]string] {
	if b.g == nil && b.err == nil {
		return graph.Delayed[[]string]{}
	}
	if f := b.finite("write-text"); f != nil {
		return failed[[]string](b.g, f)
	}
	if strings.Count(pattern, "*") != 1 {
		return failed[[]string](b.g, &failure{"write-text", fmt.Errorf("%w: write-text: pattern %q needs exactly one '*'", ErrInvalid, pattern)})
	}
	width := len(strconv.Itoa(max(len(b.parts)-1, 0)))
	return writeText(b, func(i int) string {
		return strings.Replace(pattern, "*", fmt.Sprintf("%0*d", width, i), 1)
	})
}

// WriteTextNamed is WriteText with the file of partition i named by
// name(i) (Dask's to_textfiles with a name function). The names must
// differ; a name ending in ".gz" is gzip-compressed. The write is all or
// nothing, as WriteText's.
func WriteTextNamed(b Bag[string], name func(i int) string) graph.Delayed[[]string] {
	if b.g == nil && b.err == nil {
		return graph.Delayed[[]string]{}
	}
	if f := b.finite("write-text"); f != nil {
		return failed[[]string](b.g, f)
	}
	if name == nil {
		return failed[[]string](b.g, &failure{"write-text", nilFunc("write-text")})
	}
	return writeText(b, name)
}

func writeText(b Bag[string], name func(int) string) graph.Delayed[[]string] {
	paths := make([]string, len(b.parts))
	seen := make(map[string]int, len(b.parts))
	for i := range b.parts {
		paths[i] = filepath.Clean(name(i))
		if j, dup := seen[paths[i]]; dup {
			return failed[[]string](b.g, &failure{"write-text", fmt.Errorf("%w: write-text: partitions %d and %d both named %q", ErrInvalid, j, i, paths[i])})
		}
		seen[paths[i]] = i
	}
	w := &writes{runs: map[<-chan struct{}]*writeRun{}}
	leaves := make([]graph.Delayed[any], len(b.parts))
	codec.Register[string]()
	for i, p := range b.parts {
		path := paths[i]
		leaves[i] = p.node(b.g, "write-text", i, graph.Delayed[any]{}, func(x *exec, src producer[string], _ any) (any, error) {
			return w.part(x, path, src)
		})
	}
	return graph.CallSlice(b.g, "write-text", func(ctx context.Context, vs []any) ([]string, error) {
		return paths, w.commit(ctx, unbox[string](vs), paths)
	}, leaves)
}

// writes is the state of the runs of one WriteText: a run's partitions
// register their finished temporary files with it, and the run's commit
// renames them, or its failure removes them. A run is told apart by its
// context's Done channel, which every task of the run shares.
type writes struct {
	mu   sync.Mutex
	runs map[<-chan struct{}]*writeRun
}

type writeRun struct {
	temps   []string // finished temporary files
	settled bool     // committed or aborted: nothing more to register
}

// run returns the state of ctx's run, making it the first time; the end of
// the run removes what was not committed.
func (w *writes) run(ctx context.Context) *writeRun {
	key := ctx.Done()
	if r, ok := w.runs[key]; ok {
		return r
	}
	r := &writeRun{}
	w.runs[key] = r
	end := func(error) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.abort(r)
		delete(w.runs, key)
	}
	// The run settles it before Compute returns; outside a run (a task
	// called by hand), the context's end does.
	if !sched.AtRunEnd(ctx, end) {
		context.AfterFunc(ctx, func() { end(nil) })
	}
	return r
}

// abort removes r's finished files; w.mu is held.
func (w *writes) abort(r *writeRun) {
	if r.settled {
		return
	}
	r.settled = true
	for _, t := range r.temps {
		os.Remove(t)
	}
	r.temps = nil
}

// part writes one partition to a temporary file and registers it. If it
// fails (an error, a panic in a stage), it removes its own file and aborts
// the run's write, removing the files of the partitions that had finished;
// one that finishes after that removes its file too.
func (w *writes) part(x *exec, path string, src producer[string]) (string, error) {
	registered := false
	defer func() {
		if !registered {
			w.mu.Lock()
			w.abort(w.run(x.ctx))
			w.mu.Unlock()
		}
	}()
	tmp, err := writeLines(x, path, src)
	if err != nil || x.err != nil {
		return "", err // execute reports x.err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if r := w.run(x.ctx); !r.settled {
		r.temps = append(r.temps, tmp)
		registered = true
		return tmp, nil
	}
	// Another partition failed, so the commit will not run: leave
	// nothing, and no error of this task's own to hide the cause behind.
	os.Remove(tmp)
	return "", nil
}

// commit renames every temporary file into place. If a rename fails, the
// files renamed so far and the temporary files left are removed, so the
// write still leaves nothing.
func (w *writes) commit(ctx context.Context, temps, paths []string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := w.run(ctx)
	if r.settled {
		return fmt.Errorf("bag: write-text: the write was abandoned")
	}
	r.settled = true
	for i, t := range temps {
		if err := os.Rename(t, paths[i]); err != nil {
			for _, p := range paths[:i] {
				os.Remove(p)
			}
			for _, t := range temps[i:] {
				os.Remove(t)
			}
			return fmt.Errorf("bag: write-text: %w", err)
		}
	}
	r.temps = nil
	return nil
}

// writeLines streams src into a new temporary file beside path and returns
// its name. On any failure, a panic in a stage included, it removes the
// file.
func writeLines(x *exec, path string, src producer[string]) (tmp string, err error) {
	x.stage = "write-text"
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", err
	}
	done := false
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if !done || err != nil {
			os.Remove(f.Name())
			tmp = ""
		}
	}()
	w := bufio.NewWriterSize(f, 64<<10)
	var out io.Writer = w
	var zw *gzip.Writer
	if gzipped(path) {
		zw = gzip.NewWriter(w)
		out = zw
	}
	var line []byte
	src(x, func(blk []string) bool {
		x.stage = "write-text"
		line = line[:0]
		for _, s := range blk {
			line = append(line, s...)
			line = append(line, '\n')
		}
		if _, err = out.Write(line); err != nil {
			return false
		}
		return true
	})
	if err != nil || x.err != nil {
		return "", err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return "", err
		}
	}
	if err := w.Flush(); err != nil {
		return "", err
	}
	// CreateTemp makes the file 0600: give it the usual mode of a new file.
	if err := f.Chmod(0o644); err != nil {
		return "", err
	}
	done = true
	return f.Name(), nil
}

func gzipped(path string) bool { return strings.HasSuffix(path, ".gz") }
