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
		names := []string{pat}
		if strings.ContainsAny(pat, "*?[") {
			m, err := filepath.Glob(pat)
			if err != nil {
				return bad[string](g, "read-text", fmt.Errorf("bag: read-text: pattern %q: %w", pat, err))
			}
			if len(m) == 0 {
				return bad[string](g, "read-text", fmt.Errorf("%w %q", ErrNoFiles, pat))
			}
			names = m
		}
		for _, name := range names {
			st, err := os.Stat(name)
			if err != nil {
				return bad[string](g, "read-text", fmt.Errorf("bag: read-text: %w", err))
			}
			if st.IsDir() {
				return invalid[string](g, "read-text", "%s is a directory", name)
			}
			files = append(files, file{name, st.Size()})
			if !gzipped(name) {
				plain += st.Size()
			}
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
			b.parts = append(b.parts, linesPart(f.path, 0, -1))
			continue
		}
		for off := int64(0); off < f.size; off += block {
			end := off + block
			if end >= f.size {
				end = -1 // the last block reads to the end, even if the file grew
			}
			b.parts = append(b.parts, linesPart(f.path, off, end))
		}
	}
	return b
}

func gzipped(path string) bool { return strings.HasSuffix(path, ".gz") }

func linesPart(path string, off, end int64) *part[string] {
	return sourcePart("read-text", func() producer[string] { return lineSource(path, off, end) })
}

// lineSource reads the lines that start in [off, end) of a file (to its
// end when end < 0).
func lineSource(path string, off, end int64) producer[string] {
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
			line, err := br.ReadString('\n')
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
// partition streams from its pending stages to its file; a partition that
// fails leaves no file behind.
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
	leaves := make([]graph.Delayed[any], len(b.parts))
	for i, p := range b.parts {
		path := strings.Replace(pattern, "*", fmt.Sprintf("%0*d", width, i), 1)
		leaves[i] = p.node(b.g, "write-text", i, graph.Delayed[any]{}, func(x *exec, src producer[string], _ any) (any, error) {
			return path, writeLines(x, path, src)
		})
	}
	return graph.CallSlice(b.g, "write-text", func(_ context.Context, vs []any) ([]string, error) {
		return unbox[string](vs), nil
	}, leaves)
}

// writeLines streams src into a new file at path, removing it on failure.
func writeLines(x *exec, path string, src producer[string]) (err error) {
	x.stage = "write-text"
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil || x.err != nil {
			os.Remove(path)
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
		return err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return err
		}
	}
	return w.Flush()
}
