package bag_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// writeCompressed writes text to path, compressed as its extension says
// (bzip2 with the bzip2 command, which the standard library cannot write).
func writeCompressed(t interface {
	Fatal(...any)
	Skip(...any)
}, path, text string) {
	var buf bytes.Buffer
	switch filepath.Ext(path) {
	case ".xz":
		w, err := xz.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(text))
		w.Close()
	case ".zst":
		w, _ := zstd.NewWriter(&buf)
		w.Write([]byte(text))
		w.Close()
	case ".bz2":
		cmd := exec.Command("bzip2", "-c")
		cmd.Stdin = strings.NewReader(text)
		out, err := cmd.Output()
		if err != nil {
			t.Skip("no bzip2 command to make a test file:", err)
		}
		buf.Write(out)
	default:
		writeFile(t, path, text)
		return
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o666); err != nil {
		t.Fatal(err)
	}
}

func TestReadTextCompressions(t *testing.T) {
	dir := t.TempDir()
	for _, ext := range []string{".gz", ".bz2", ".xz", ".zst", ".txt"} {
		path := filepath.Join(dir, "f"+ext)
		writeCompressed(t, path, "alpha\nbeta\r\ngamma")
		var g graph.Graph
		lines, err := bag.ToSlice(ctx, bag.ReadText(&g, []string{path}))
		if err != nil || !slices.Equal(lines, []string{"alpha", "beta", "gamma"}) {
			t.Fatal(ext, lines, err)
		}
	}
}

// TestReadTextGlobsAndGroups: "**" matches any number of directories;
// FilesPerPartition groups files, in order.
func TestReadTextGlobsAndGroups(t *testing.T) {
	dir := t.TempDir()
	var want []string
	for i := range 10 {
		sub := filepath.Join(dir, strings.Repeat("d/", i%3))
		os.MkdirAll(sub, 0o777)
		name := fmt.Sprintf("f%02d.log", i)
		writeFile(t, filepath.Join(sub, name), name+"\n")
	}
	m, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	m2, _ := filepath.Glob(filepath.Join(dir, "d", "*.log"))
	m3, _ := filepath.Glob(filepath.Join(dir, "d", "d", "*.log"))
	all := slices.Concat(m, m2, m3)
	slices.Sort(all)
	for _, p := range all {
		want = append(want, filepath.Base(p))
	}
	for _, per := range []int{1, 3, 10, 20} {
		var g graph.Graph
		b := bag.ReadText(&g, []string{filepath.Join(dir, "**", "*.log")}, bag.FilesPerPartition(per))
		got, err := bag.ToSlice(ctx, b, sched.Workers(2))
		if err != nil || !slices.Equal(got, want) {
			t.Fatal(per, got, want, err)
		}
		if n := b.NumPartitions(); n != (10+per-1)/per {
			t.Fatalf("FilesPerPartition(%d): %d partitions", per, n)
		}
	}
	var g graph.Graph
	if err := bag.ReadText(&g, []string{dir + "/*"}, bag.FilesPerPartition(0)).Err(); !errors.Is(err, bag.ErrInvalid) {
		t.Fatal(err)
	}
}

// TestReadLines: every line comes with its file and offset, and
// LineNumber counts to it, whatever the blocks.
func TestReadLines(t *testing.T) {
	dir := t.TempDir()
	rapid.Check(t, func(t *rapid.T) {
		lines := rapid.SliceOfN(rapid.StringMatching(`[a-z]{0,9}`), 1, 40).Draw(t, "lines")
		block := rapid.Int64Range(1, 200).Draw(t, "block")
		path := filepath.Join(dir, "l.txt")
		writeFile(t, path, strings.Join(lines, "\n")+"\n")
		var g graph.Graph
		got, err := bag.ToSlice(ctx, bag.ReadLines(&g, []string{path}, bag.BlockSize(block)), sched.Workers(2))
		if err != nil {
			t.Fatal(err)
		}
		var off int64
		var want []bag.Line
		for _, l := range lines {
			want = append(want, bag.Line{Path: path, Offset: off, Text: l})
			off += int64(len(l)) + 1
		}
		if !slices.Equal(got, want) {
			t.Fatalf("got %v, want %v", got, want)
		}
		for i, l := range got {
			if n, err := bag.LineNumber(path, l.Offset); err != nil || n != i+1 {
				t.Fatal(i, n, err)
			}
		}
	})
}

type record struct {
	Name string `json:"name"`
	Age  int    `json:"age"`
}

// TestReadJSON: records written as JSON lines (plain and compressed, in
// blocks, blank lines between) read back equal; a malformed line fails
// with its file and line number.
func TestReadJSON(t *testing.T) {
	dir := t.TempDir()
	rapid.Check(t, func(t *rapid.T) {
		recs := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) record {
			return record{rapid.StringMatching(`[a-zA-Z "\\]{0,8}`).Draw(t, "name"), rapid.IntRange(0, 120).Draw(t, "age")}
		}), 0, 50).Draw(t, "records")
		ext := rapid.SampledFrom([]string{".jsonl", ".jsonl.gz", ".jsonl.zst"}).Draw(t, "ext")
		block := rapid.Int64Range(1, 300).Draw(t, "block")
		var text strings.Builder
		for i, r := range recs {
			data, _ := json.Marshal(r)
			text.Write(data)
			text.WriteString("\n")
			if i%7 == 3 {
				text.WriteString("\n") // blank lines are skipped
			}
		}
		path := filepath.Join(dir, "r"+ext)
		writeCompressed(t, path, text.String())
		for _, w := range []int{1, 3} {
			var g graph.Graph
			got, err := bag.ToSlice(ctx, bag.ReadJSON[record](&g, []string{path}, bag.BlockSize(block)), sched.Workers(w))
			if err != nil || len(got) != len(recs) || (len(got) > 0 && !slices.Equal(got, recs)) {
				t.Fatal(got, recs, err)
			}
		}
	})
	path := filepath.Join(dir, "bad.jsonl")
	writeFile(t, path, `{"name":"a","age":1}`+"\n"+`{"name":"b","age":2}`+"\n"+`{"name":"c",age:3}`+"\n")
	var g graph.Graph
	_, err := bag.ToSlice(ctx, bag.ReadJSON[record](&g, []string{path}, bag.BlockSize(25)))
	var pe *bag.PartitionError
	if !errors.As(err, &pe) || pe.Stage != "read-json" || !strings.Contains(err.Error(), path+": line 3 (byte 42)") {
		t.Fatal(err)
	}
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		t.Fatal("the decoder's error is not wrapped:", err)
	}
}
