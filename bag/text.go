package bag

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

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
//
// The partitions of a Remote bag are written by the processes that run
// them, and renamed by the one that runs the last task: they must all see
// the files at the same paths (a shared file system). A worker that dies
// mid-write leaves its temporary file to the run's end, which removes it.
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
	codec.Register[string]()
	// The run's first task draws its token, which names the partitions'
	// files: the process of a partition's task (maybe a worker), the
	// commit's and the run's end all know them without being told.
	token := graph.Source(b.g, "write-text-begin", func(ctx context.Context) (any, error) {
		return beginWrite(ctx, paths), nil
	})
	leaves := make([]graph.Delayed[any], len(b.parts))
	for i, p := range b.parts {
		path := paths[i]
		leaves[i] = p.node(b.g, "write-text", i, token, func(x *exec, src producer[string], tok any) (any, error) {
			return writePart(x, path, tok.(string), src)
		})
	}
	return graph.CallSlice(b.g, "write-text", func(ctx context.Context, vs []any) ([]string, error) {
		return paths, commitWrite(unbox[string](vs), paths)
	}, leaves)
}

// beginWrite draws a run's token and has the run's end remove whatever of
// its files is left where the commit did not rename it: the run failed,
// or another of its tasks did. Outside a run (a task called by hand), the
// context's end does.
func beginWrite(ctx context.Context, paths []string) string {
	token := rand.Text()
	end := func(error) { removeWrite(paths, token) }
	if !sched.AtRunEnd(ctx, end) {
		context.AfterFunc(ctx, func() { end(nil) })
	}
	return token
}

// tempPrefix begins the names of the files of path's partition in the run
// of token: the finished one is the prefix itself, the others (being
// written) add a random suffix.
func tempPrefix(path, token string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+tempMark+token)
}

const tempMark = ".tmp-"

// removeWrite removes the files of the run of token, finished or not (a
// task's process that died mid-write leaves one): those whose name holds
// the token, which no other run's do. It reads each directory once.
func removeWrite(paths []string, token string) {
	dirs := map[string]bool{}
	for _, p := range paths {
		dirs[filepath.Dir(p)] = true
	}
	for dir := range dirs {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.Contains(e.Name(), tempMark+token) {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
	}
}

// writePart writes one partition to a temporary file, then renames it to
// the run's name for it (a partition delivered twice writes it twice,
// the same). A partition that finishes once its run was stopped removes
// its file: the run's end may have passed already.
func writePart(x *exec, path, token string, src producer[string]) (string, error) {
	done := tempPrefix(path, token)
	tmp, err := writeLines(x, path, done, src)
	if err != nil || x.err != nil {
		return "", err // execute reports x.err
	}
	if err := os.Rename(tmp, done); err != nil {
		os.Remove(tmp)
		return "", err
	}
	if err := x.ctx.Err(); err != nil {
		os.Remove(done)
		return "", err
	}
	return done, nil
}

// commitWrite renames every finished file into place. If a rename fails,
// the files renamed so far and the finished files left are removed, so
// the write still leaves nothing.
func commitWrite(done, paths []string) error {
	for i, t := range done {
		if err := os.Rename(t, paths[i]); err != nil {
			for _, p := range paths[:i] {
				os.Remove(p)
			}
			for _, t := range done[i:] {
				os.Remove(t)
			}
			return fmt.Errorf("bag: write-text: %w", err)
		}
	}
	return nil
}

// writeLines streams src into a new temporary file whose name begins with
// prefix and returns its name. On any failure, a panic in a stage included, it removes the
// file.
func writeLines(x *exec, path, prefix string, src producer[string]) (tmp string, err error) {
	x.stage = "write-text"
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, filepath.Base(prefix)+"-*")
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
