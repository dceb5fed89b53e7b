package bag

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/seed001e6470/taskgraph/graph"
)

// ReadText makes the bag of the lines of text files, one element per line
// without its "\n" or "\r\n", in file order and line order. Each entry of
// paths is a file name or a glob pattern (filepath.Match syntax; matches in
// lexical order). A file is one partition, or, when larger than BlockSize
// (default 32 MiB; Partitions(n) sets about total/n), one partition per
// block of that many bytes: a line belongs to the block it starts in, so
// none is cut. Files ending in ".gz" are decompressed as they are read,
// one partition each (a gzip stream cannot be entered in the middle).
//
// A glob reads the files it matches and skips the directories it matches
// ('/etc/*' reads the files in /etc); a directory named as such is an
// ErrInvalid that says so. A line longer than MaxLineSize (default 16 MiB)
// fails its partition's task with ErrLineTooLong, naming the file and the
// line's byte offset, rather than holding an unbounded line in memory.
//
// Files are listed and sized when the graph is built, so a pattern that
// matches nothing or a missing file is a building mistake (see Bag.Err);
// the lines are read by the tasks that consume them, a block at a time, so
// a reduction over files runs in constant memory. A file that cannot be
// read then (a corrupt gzip stream) fails the partition's task.
func ReadText(g *graph.Graph, paths []string, opts ...Option) Bag[string] {
	c := configure(opts)
	if c.err != nil {
		return bad[string](g, "read-text", c.err)
	}
	if len(paths) == 0 {
		return bad[string](g, "read-text", fmt.Errorf("%w: no paths given", ErrNoFiles))
	}
	type file struct {
		path string
		size int64
	}
	var files []file
	var plain int64
	for _, pat := range paths {
		glob := strings.ContainsAny(pat, "*?[")
		names := []string{pat}
		if glob {
			m, err := filepath.Glob(pat)
			if err != nil {
				return bad[string](g, "read-text", fmt.Errorf("bag: read-text: pattern %q: %w", pat, err))
			}
			names = m
		}
		found := 0
		for _, name := range names {
			st, err := os.Stat(name)
			if err != nil {
				return bad[string](g, "read-text", fmt.Errorf("bag: read-text: %w", err))
			}
			if st.IsDir() {
				if glob {
					continue // a glob means the files it matches
				}
				return invalid[string](g, "read-text", "%s is a directory: name its files, or a glob such as %s",
					name, filepath.Join(name, "*"))
			}
			found++
			files = append(files, file{name, st.Size()})
			if !gzipped(name) {
				plain += st.Size()
			}
		}
		if found == 0 {
			if len(names) > 0 {
				return bad[string](g, "read-text", fmt.Errorf("%w %q (only directories, which a glob skips)", ErrNoFiles, pat))
			}
			return bad[string](g, "read-text", fmt.Errorf("%w %q", ErrNoFiles, pat))
		}
	}
	block := c.block
	if block == 0 {
		block = defaultBlockSize
		if c.parts > 0 {
			block = max(1, (plain+int64(c.parts)-1)/int64(c.parts))
		}
	}
	b := Bag[string]{g: g}
	for _, f := range files {
		if gzipped(f.path) || f.size <= block {
			b.parts = append(b.parts, linesPart(f.path, 0, -1, c.line))
			continue
		}
		for off := int64(0); off < f.size; off += block {
			end := off + block
			if end >= f.size {
				end = -1 // the last block reads to the end, even if the file grew
			}
			b.parts = append(b.parts, linesPart(f.path, off, end, c.line))
		}
	}
	return b
}

func gzipped(path string) bool { return strings.HasSuffix(path, ".gz") }

func linesPart(path string, off, end int64, maxLine int) *part[string] {
	return sourcePart("read-text", func() producer[string] { return lineSource(path, off, end, maxLine) })
}

// lineSource reads the lines that start in [off, end) of a file (to its
// end when end < 0), none longer than maxLine bytes.
func lineSource(path string, off, end int64, maxLine int) producer[string] {
	return func(x *exec, sink func([]string) bool) {
		x.stage = "read-text"
		if !x.live() {
			return
		}
		br, closer, pos, err := openLines(path, off)
		if closer != nil {
			defer closer()
		}
		if err != nil {
			x.fail(err)
			return
		}
		buf := make([]string, 0, blockSize)
		for end < 0 || pos < end {
			line, err := readLine(br, maxLine)
			if errors.Is(err, ErrLineTooLong) {
				x.fail(fmt.Errorf("%s: line at byte %d%s: %w (more than %d bytes; see MaxLineSize)",
					path, pos, decompressedNote(path), err, maxLine))
				return
			}
			pos += int64(len(line))
			if line != "" {
				line = strings.TrimSuffix(line, "\n")
				line = strings.TrimSuffix(line, "\r")
				buf = append(buf, line)
				if len(buf) == blockSize {
					if !x.live() || !sink(buf) {
						return
					}
					buf = buf[:0]
					x.stage = "read-text"
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				x.fail(fmt.Errorf("%s: %w", path, err))
				return
			}
		}
		if len(buf) > 0 && x.live() {
			sink(buf)
		}
	}
}

// readLine is bufio.Reader.ReadString('\n') that gives up, with
// ErrLineTooLong, on a line longer than max bytes (its newline aside),
// after reading at most a buffer's worth past max.
func readLine(br *bufio.Reader, max int) (string, error) {
	frag, err := br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		if len(bytes.TrimSuffix(frag, []byte("\n"))) > max {
			return "", ErrLineTooLong
		}
		return string(frag), err
	}
	buf := append([]byte(nil), frag...)
	for err == bufio.ErrBufferFull {
		if len(buf) > max {
			return "", ErrLineTooLong
		}
		frag, err = br.ReadSlice('\n')
		buf = append(buf, frag...)
	}
	if len(bytes.TrimSuffix(buf, []byte("\n"))) > max {
		return "", ErrLineTooLong
	}
	return string(buf), err
}

func decompressedNote(path string) string {
	if gzipped(path) {
		return " of the decompressed text"
	}
	return ""
}

// openLines opens path positioned at the first line that starts at or
// after off, and returns that position.
func openLines(path string, off int64) (*bufio.Reader, func(), int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, 0, err
	}
	closer := func() { f.Close() }
	if gzipped(path) {
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, closer, 0, fmt.Errorf("%s: %w", path, err)
		}
		return bufio.NewReaderSize(zr, 64<<10), closer, 0, nil
	}
	if off == 0 {
		return bufio.NewReaderSize(f, 64<<10), closer, 0, nil
	}
	// Start one byte early and skip through the first newline: if that
	// byte ends a line, the block starts exactly at off; otherwise the
	// line in progress belongs to the previous block.
	if _, err := f.Seek(off-1, io.SeekStart); err != nil {
		return nil, closer, 0, err
	}
	br := bufio.NewReaderSize(f, 64<<10)
	pos := off - 1
	for {
		skipped, err := br.ReadSlice('\n')
		pos += int64(len(skipped))
		switch err {
		case bufio.ErrBufferFull:
			continue
		case nil, io.EOF:
			return br, closer, pos, nil
		default:
			return nil, closer, 0, fmt.Errorf("%s: %w", path, err)
		}
	}
}

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
	paths := make([]string, len(b.parts))
	w := &writes{runs: map[<-chan struct{}]*writeRun{}}
	leaves := make([]graph.Delayed[any], len(b.parts))
	for i, p := range b.parts {
		path := strings.Replace(pattern, "*", fmt.Sprintf("%0*d", width, i), 1)
		paths[i] = path
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
	context.AfterFunc(ctx, func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.abort(r)
		delete(w.runs, key)
	})
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
