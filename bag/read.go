package bag

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/klauspost/compress/zstd"
	"github.com/segmentio/encoding/json"
	"github.com/ulikunitz/xz"

	"github.com/seed001e6470/taskgraph/graph"
)

// ReadText makes the bag of the lines of text files, one element per line
// without its "\n" or "\r\n", in file order and line order. Each entry of
// paths is a file name or a glob pattern (filepath.Match syntax, plus "**"
// for any number of directories, as in "logs/**/*.txt"; matches in lexical
// order). A file is one partition, or, when larger than BlockSize (default
// 32 MiB; Partitions(n) sets about total/n), one partition per block of
// that many bytes: a line belongs to the block it starts in, so none is
// cut. FilesPerPartition(n) groups the files that are not cut n to a
// partition, for many small files.
//
// Compressed files are decompressed as they are read, chosen by their
// extension: ".gz" (gzip), ".bz2" (bzip2), ".xz" and ".zst" (zstd); each
// is one partition, since a compressed stream cannot be entered in the
// middle.
//
// A glob reads the files it matches and skips the directories it matches
// ('/etc/*' reads the files in /etc); a directory named as such is an
// ErrInvalid that says so. A line longer than MaxLineSize (default 16 MiB)
// fails its partition's task with ErrLineTooLong, naming the file, the
// line and its byte offset, rather than holding an unbounded line in
// memory.
//
// Files are listed and sized when the graph is built, so a pattern that
// matches nothing or a missing file is a building mistake (see Bag.Err);
// the lines are read by the tasks that consume them, a block at a time, so
// a reduction over files runs in constant memory. A file that cannot be
// read then (a corrupt gzip stream) fails the partition's task.
func ReadText(g *graph.Graph, paths []string, opts ...Option) Bag[string] {
	return readLines(g, "read-text", paths, opts, func(_ *exec, _ string, _ int64, line string) (string, bool) {
		return line, true
	})
}

// Line is a line of a text file with where it was read: the file's name
// and the byte offset of the line's start (in the decompressed text of a
// compressed file).
type Line struct {
	Path   string
	Offset int64
	Text   string
}

// ReadLines is ReadText with each line's file and offset (Dask's
// read_text(include_path=True)), for a stage that must say where a bad
// record was: LineNumber turns the offset into a line number.
func ReadLines(g *graph.Graph, paths []string, opts ...Option) Bag[Line] {
	return readLines(g, "read-text", paths, opts, func(_ *exec, path string, off int64, line string) (Line, bool) {
		return Line{path, off, line}, true
	})
}

// ReadJSON makes the bag of the JSON values of JSON-lines files, one per
// non-blank line, decoded into T: the typed form of Dask's
// read_text(…).map(json.loads). The decoder is
// github.com/segmentio/encoding/json, a drop-in for encoding/json (the
// same struct tags and rules, errors of encoding/json's types, so
// errors.As finds a *json.SyntaxError) that decodes these records several
// times faster; the README compares it with encoding/json, json/v2 and
// goccy/go-json. Files, globs, blocks and
// compression are as in ReadText. A line that does not decode fails its
// partition's task with an error naming the file, the line number and the
// byte offset.
func ReadJSON[T any](g *graph.Graph, paths []string, opts ...Option) Bag[T] {
	return readLines(g, "read-json", paths, opts, func(x *exec, path string, off int64, line string) (T, bool) {
		var v T
		if strings.TrimSpace(line) == "" {
			return v, false
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			x.fail(fmt.Errorf("%s: %w", where(path, off), err))
			return v, false
		}
		return v, true
	})
}

// LineNumber is the number (from 1) of the line that starts at byte off of
// a file read by ReadLines. It reads the file up to off, so it is for
// error messages, not for every line.
func LineNumber(path string, off int64) (int, error) {
	r, closer, err := openText(context.Background(), path)
	if err != nil {
		return 0, err
	}
	defer closer()
	n := 1
	buf := make([]byte, 64<<10)
	for off > 0 {
		k, err := r.Read(buf[:min(int64(len(buf)), off)])
		n += bytes.Count(buf[:k], []byte{'\n'})
		off -= int64(k)
		if err == io.EOF && off > 0 {
			return 0, fmt.Errorf("bag: %s: offset beyond the end", path)
		}
		if err != nil && err != io.EOF {
			return 0, err
		}
	}
	return n, nil
}

// where names a line for an error: "file: line 12 (byte 345)", or the
// byte alone if the line cannot be counted.
func where(path string, off int64) string {
	if n, err := LineNumber(path, off); err == nil {
		return fmt.Sprintf("%s: line %d (byte %d)", path, n, off)
	}
	return fmt.Sprintf("%s: line at byte %d", path, off)
}

// segment is the part of a file a partition reads: the lines starting in
// [off, end), or to the end of the file when end < 0.
type segment struct {
	path     string
	off, end int64
}

// readLines lists the files of paths, cuts them into partitions of
// segments, and makes a bag of mk applied to every line. mk returns false
// to drop a line (after x.fail, to fail the partition).
func readLines[E any](g *graph.Graph, stage string, paths []string, opts []Option,
	mk func(x *exec, path string, off int64, line string) (E, bool)) Bag[E] {
	c := configure(opts)
	if c.err != nil {
		return bad[E](g, stage, c.err)
	}
	files, plain, f := listFiles(stage, paths)
	if f != nil {
		return Bag[E]{g: g, err: f}
	}
	block := c.block
	if block == 0 {
		block = defaultBlockSize
		if c.parts > 0 {
			block = max(1, (plain+int64(c.parts)-1)/int64(c.parts))
		}
	}
	sizes := make(map[string]int64, len(files))
	for _, f := range files {
		sizes[f.path] = f.size
	}
	b := Bag[E]{g: g}
	for _, segs := range cut(files, block, c.files) {
		p := sourcePart(stage, func() producer[E] { return lineSource(stage, segs, c.line, mk) })
		p.unshared = textBytes(segs, sizes, block) > maxKeptText
		p.remote = c.remote
		b.parts = append(b.parts, p)
	}
	return b
}

// textBytes estimates the text a partition holds: a block's size, a whole
// plain file's, ten times a compressed file's.
func textBytes(segs []segment, sizes map[string]int64, block int64) int64 {
	var n int64
	for _, s := range segs {
		switch {
		case decompressor(s.path) != nil:
			n += 10 * sizes[s.path]
		case s.end >= 0:
			n += s.end - s.off
		default:
			n += min(block, sizes[s.path]-s.off)
		}
	}
	return n
}

type file struct {
	path string
	size int64
}

// listFiles expands paths into files, in order; plain is the size of
// those that are not compressed.
func listFiles(stage string, paths []string) ([]file, int64, *failure) {
	if len(paths) == 0 {
		return nil, 0, &failure{stage, fmt.Errorf("%w: no paths given", ErrNoFiles)}
	}
	var files []file
	var plain int64
	for _, pat := range paths {
		glob := strings.ContainsAny(pat, "*?[{")
		names := []string{pat}
		if glob {
			m, err := doublestar.FilepathGlob(pat)
			if err != nil {
				return nil, 0, &failure{stage, fmt.Errorf("bag: %s: pattern %q: %w", stage, pat, err)}
			}
			slices.Sort(m)
			names = m
		}
		found := 0
		for _, name := range names {
			st, err := os.Stat(name)
			if err != nil {
				return nil, 0, &failure{stage, fmt.Errorf("bag: %s: %w", stage, err)}
			}
			if st.IsDir() {
				if glob {
					continue // a glob means the files it matches
				}
				return nil, 0, &failure{stage, fmt.Errorf("%w: %s: %s is a directory: name its files, or a glob such as %s",
					ErrInvalid, stage, name, name+string(os.PathSeparator)+"*")}
			}
			found++
			files = append(files, file{name, st.Size()})
			if decompressor(name) == nil {
				plain += st.Size()
			}
		}
		if found == 0 {
			if len(names) > 0 {
				return nil, 0, &failure{stage, fmt.Errorf("%w %q (only directories, which a glob skips)", ErrNoFiles, pat)}
			}
			return nil, 0, &failure{stage, fmt.Errorf("%w %q", ErrNoFiles, pat)}
		}
	}
	return files, plain, nil
}

// cut makes the partitions: a large plain file one per block, the other
// files whole, perFile of them to a partition (1 when perFile is 0).
func cut(files []file, block int64, perFile int) [][]segment {
	perFile = max(perFile, 1)
	var parts [][]segment
	var group []segment
	flush := func() {
		if len(group) > 0 {
			parts = append(parts, group)
			group = nil
		}
	}
	for _, f := range files {
		if decompressor(f.path) != nil || f.size <= block {
			group = append(group, segment{f.path, 0, -1})
			if len(group) == perFile {
				flush()
			}
			continue
		}
		flush()
		for off := int64(0); off < f.size; off += block {
			end := off + block
			if end >= f.size {
				end = -1 // the last block reads to the end, even if the file grew
			}
			parts = append(parts, []segment{{f.path, off, end}})
		}
	}
	flush()
	return parts
}

// decompressor is the reader for a compressed file, chosen by its
// extension, or nil for a plain file.
func decompressor(path string) func(io.Reader) (io.Reader, func(), error) {
	switch {
	case strings.HasSuffix(path, ".gz"):
		return func(r io.Reader) (io.Reader, func(), error) {
			zr, err := gzip.NewReader(r)
			return zr, func() {}, err
		}
	case strings.HasSuffix(path, ".bz2"):
		return func(r io.Reader) (io.Reader, func(), error) { return bzip2.NewReader(r), func() {}, nil }
	case strings.HasSuffix(path, ".xz"):
		return func(r io.Reader) (io.Reader, func(), error) {
			xr, err := xz.NewReader(r)
			return xr, func() {}, err
		}
	case strings.HasSuffix(path, ".zst"), strings.HasSuffix(path, ".zstd"):
		return func(r io.Reader) (io.Reader, func(), error) {
			zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
			if err != nil {
				return nil, func() {}, err
			}
			return zr, zr.Close, nil
		}
	}
	return nil
}

// openText opens path from its start, decompressing it if need be; the
// open and the reads end with ctx (see openFile).
func openText(ctx context.Context, path string) (io.Reader, func(), error) {
	f, closeFile, err := openFile(ctx, path)
	if err != nil {
		return nil, func() {}, err
	}
	dec := decompressor(path)
	if dec == nil {
		return f, closeFile, nil
	}
	r, done, err := dec(f)
	if err != nil {
		closeFile()
		return nil, func() {}, fmt.Errorf("%s: %w", path, err)
	}
	return r, func() { done(); closeFile() }, nil
}

// lineSource reads the lines of segs, one after another, none longer than
// maxLine bytes, and passes on what mk makes of them.
func lineSource[E any](stage string, segs []segment, maxLine int, mk func(*exec, string, int64, string) (E, bool)) producer[E] {
	return func(x *exec, sink func([]E) bool) {
		blk := textBlock[E]{items: make([]E, 0, blockSize), locs: make([]lineLoc, 0, blockSize), sink: sink}
		x.files = make([]string, len(segs))
		for i, s := range segs {
			x.files[i] = s.path
		}
		for i, s := range segs {
			x.stage = stage
			if !x.live() || !readSegment(x, stage, s, int32(i+1), maxLine, mk, &blk) {
				return
			}
		}
		if len(blk.items) > 0 && x.live() {
			blk.pass(x)
		}
	}
}

// textBlock is a block of elements made from lines and where each line
// was read, for the errors of the stages downstream (see positions).
type textBlock[E any] struct {
	items []E
	locs  []lineLoc
	sink  func([]E) bool
}

// pass hands the block on; false means stop.
func (b *textBlock[E]) pass(x *exec) bool {
	ok := passLocated(x, b.sink, b.items, b.locs)
	b.items, b.locs = b.items[:0], b.locs[:0]
	return ok
}

// readSegment reads one segment, x.files[file-1], into blk, passing full
// blocks on; it returns false to stop.
func readSegment[E any](x *exec, stage string, s segment, file int32, maxLine int, mk func(*exec, string, int64, string) (E, bool),
	blk *textBlock[E]) bool {
	br, closer, pos, err := openLines(x.ctx, s.path, s.off)
	if closer != nil {
		defer closer()
	}
	if err != nil {
		return x.fail(err)
	}
	for s.end < 0 || pos < s.end {
		line, err := readLine(br, maxLine)
		if err != nil && err != io.EOF && x.ctx.Err() != nil {
			return x.fail(x.ctx.Err()) // the run stopped, and closed the file under the read
		}
		if errors.Is(err, ErrLineTooLong) {
			return x.fail(fmt.Errorf("%s: %w (more than %d bytes; see MaxLineSize)", where(s.path, pos), err, maxLine))
		}
		start := pos
		pos += int64(len(line))
		if line != "" {
			line = strings.TrimSuffix(line, "\n")
			line = strings.TrimSuffix(line, "\r")
			v, ok := mk(x, s.path, start, line)
			if x.err != nil {
				return false
			}
			if ok {
				blk.items = append(blk.items, v)
				blk.locs = append(blk.locs, lineLoc{start, file})
			}
			if len(blk.items) == blockSize {
				if !x.live() || !blk.pass(x) {
					return false
				}
				x.stage = stage
			}
		}
		if err == io.EOF {
			return true
		}
		if err != nil {
			return x.fail(fmt.Errorf("%s: %w", s.path, err))
		}
	}
	return true
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

// openLines opens path positioned at the first line that starts at or
// after off, and returns that position.
func openLines(ctx context.Context, path string, off int64) (*bufio.Reader, func(), int64, error) {
	if decompressor(path) != nil || off == 0 {
		r, closer, err := openText(ctx, path)
		if err != nil {
			return nil, closer, 0, err
		}
		return bufio.NewReaderSize(r, 64<<10), closer, 0, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, 0, err
	}
	closer := func() { f.Close() }
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
