package bag_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

func writeFile(t interface{ Fatal(...any) }, path, text string) {
	data := []byte(text)
	if strings.HasSuffix(path, ".gz") {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(data)
		zw.Close()
		data = buf.Bytes()
	}
	if err := os.WriteFile(path, data, 0o666); err != nil {
		t.Fatal(err)
	}
}

// TestReadTextBlocks: however a file is cut into blocks, every line is read
// once, whole, in order.
func TestReadTextBlocks(t *testing.T) {
	dir := t.TempDir()
	rapid.Check(t, func(t *rapid.T) {
		lines := rapid.SliceOfN(rapid.StringMatching(`[a-z]{0,12}`), 0, 60).Draw(t, "lines")
		crlf := rapid.Bool().Draw(t, "crlf")
		final := rapid.Bool().Draw(t, "finalNewline")
		sep := "\n"
		if crlf {
			sep = "\r\n"
		}
		text := strings.Join(lines, sep)
		if final && len(lines) > 0 {
			text += sep
		}
		// The reference: split at "\n"; a final newline ends the last
		// line rather than starting an empty one.
		want := strings.Split(text, "\n")
		if want[len(want)-1] == "" {
			want = want[:len(want)-1]
		}
		for i := range want {
			want[i] = strings.TrimSuffix(want[i], "\r")
		}
		path := filepath.Join(dir, "f.txt")
		writeFile(t, path, text)
		block := rapid.Int64Range(1, int64(len(text))+2).Draw(t, "block")

		var g graph.Graph
		b := bag.ReadText(&g, []string{path}, bag.BlockSize(block))
		got, err := bag.ToSlice(context.Background(), b, sched.Workers(2))
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("block %d: got %q, want %q (%v)", block, got, want, err)
		}
		if n := b.NumPartitions(); len(text) > int(block) && n < 2 {
			t.Fatalf("%d bytes in blocks of %d: %d partitions", len(text), block, n)
		}
	})
}

func TestReadTextFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.txt"), "one\ntwo\n")
	writeFile(t, filepath.Join(dir, "b.txt.gz"), "three\nfour\nfive")
	writeFile(t, filepath.Join(dir, "c.txt"), "six\n")
	os.WriteFile(filepath.Join(dir, "bad.gz"), []byte("not gzip at all"), 0o666)

	var g graph.Graph
	b := bag.ReadText(&g, []string{filepath.Join(dir, "*.txt*"), filepath.Join(dir, "a.txt")})
	got, err := bag.ToSlice(ctx, b)
	want := []string{"one", "two", "three", "four", "five", "six", "one", "two"}
	if err != nil || !slices.Equal(got, want) || b.NumPartitions() != 4 {
		t.Fatal(got, err, b.NumPartitions())
	}

	missing := bag.ReadText(&g, []string{filepath.Join(dir, "nope.txt")})
	if !errors.Is(missing.Err(), fs.ErrNotExist) {
		t.Fatal(missing.Err())
	}
	_, err = sched.Compute(ctx, bag.Count(missing))
	var te *sched.TaskError
	if !errors.As(err, &te) || te.Name != "read-text" || !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	if err := bag.ReadText(&g, []string{filepath.Join(dir, "*.csv")}).Err(); !errors.Is(err, bag.ErrNoFiles) {
		t.Fatal(err)
	}
	if err := bag.ReadText(&g, nil).Err(); !errors.Is(err, bag.ErrNoFiles) {
		t.Fatal(err)
	}
	if err := bag.ReadText(&g, []string{dir}).Err(); !errors.Is(err, bag.ErrInvalid) {
		t.Fatal(err)
	}

	_, err = sched.Compute(ctx, bag.Count(bag.ReadText(&g, []string{filepath.Join(dir, "bad.gz")})))
	pe := partitionErr(t, err, "read-text", 0)
	if !errors.Is(err, gzip.ErrHeader) || !strings.Contains(pe.Error(), "bad.gz") {
		t.Fatal(err)
	}

	// A file that disappears between building and running.
	gone := filepath.Join(dir, "gone.txt")
	writeFile(t, gone, "x\n")
	b = bag.ReadText(&g, []string{gone})
	os.Remove(gone)
	_, err = bag.ToSlice(ctx, b)
	partitionErr(t, err, "read-text", 0)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
}

func TestWriteText(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var g graph.Graph
	words := bag.FromSlice(&g, strings.Fields("a bb ccc dddd eeeee ffffff g hh iii jjjj kkkkk lllll"), bag.Partitions(11))
	for _, ext := range []string{".txt", ".txt.gz"} {
		pattern := filepath.Join(dir, "out"+ext[1:], "part-*"+ext)
		paths, err := sched.Compute(ctx, bag.WriteText(bag.Map(words, strings.ToUpper), pattern), sched.Workers(2))
		if err != nil || len(paths) != 11 || !strings.HasSuffix(paths[3], "part-03"+ext) || !slices.IsSorted(paths) {
			t.Fatal(paths, err)
		}
		back, err := bag.ToSlice(ctx, bag.ReadText(&g, []string{filepath.Join(dir, "out"+ext[1:], "*")}))
		want := strings.Fields("A BB CCC DDDD EEEEE FFFFFF G HH III JJJJ KKKKK LLLLL")
		if err != nil || !slices.Equal(back, want) {
			t.Fatal(back, err)
		}
	}
	if _, err := sched.Compute(ctx, bag.WriteText(words, filepath.Join(dir, "no-star.txt"))); !errors.Is(err, bag.ErrInvalid) {
		t.Fatal(err)
	}
	// A failing partition leaves no file, not even those of the partitions
	// that finished (#19).
	failing := bag.MapErr(words, func(s string) (string, error) {
		if s == "g" {
			return "", errBoom
		}
		return s, nil
	})
	_, err := sched.Compute(ctx, bag.WriteText(failing, filepath.Join(dir, "fail", "*.txt")), sched.KeepGoing())
	if !errors.Is(err, errBoom) {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "fail")); len(left) != 0 {
		t.Fatal("files left by a failed write:", left)
	}
}
