package wordcount_test

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/wordcount"
)

// Build's tests run graphs on the scheduler's goroutines: none may outlive
// them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// corpus writes three files to a temporary directory (one gzipped, one
// without a final newline) and returns the directory and all their lines.
func corpus(t *testing.T) (dir string, lines []string) {
	t.Helper()
	dir = t.TempDir()
	texts := map[string]string{
		"a.txt": "The cat sat on the mat.\r\nThe dog didn't.\n\nA cat is a cat; a dog is a dog.\n",
		"b.txt": strings.Repeat("Über café, ÜBER Café! the end\n", 50) + "no final newline",
	}
	for name, text := range texts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gz := "It's the cat’s turn: cat, CAT, cat.\nThe end.\n"
	f, err := os.Create(filepath.Join(dir, "c.txt.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(f)
	zw.Write([]byte(gz))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, text := range []string{texts["a.txt"], texts["b.txt"], gz} {
		lines = append(lines, strings.Split(strings.TrimSuffix(text, "\n"), "\n")...)
	}
	return dir, lines
}

// The pipeline's counts are the serial Count's over all the lines, however
// the files are cut into partitions and however many workers run them.
func TestBuildMatchesCount(t *testing.T) {
	dir, lines := corpus(t)
	counts := wordcount.Count(slices.Values(lines))
	words := 0
	for _, n := range counts {
		words += n
	}
	patterns := []string{filepath.Join(dir, "*.txt"), filepath.Join(dir, "*.gz")}
	for _, k := range []int{0, 1, 3, 1000} {
		want := wordcount.Result{Top: wordcount.TopK(counts, k), Words: words, Distinct: len(counts)}
		for _, opts := range [][]bag.Option{nil, {bag.BlockSize(16), bag.SplitEvery(2)}} {
			for _, w := range []int{1, 2, 8} {
				var g graph.Graph
				d, err := wordcount.Build(&g, patterns, k, opts...)
				if err != nil {
					t.Fatal(err)
				}
				got, err := sched.Compute(context.Background(), d, sched.Workers(w))
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("k=%d, %d options, %d workers:\n got %+v\nwant %+v", k, len(opts), w, got, want)
				}
			}
		}
	}
}

func TestBuildRejects(t *testing.T) {
	dir, _ := corpus(t)
	cases := []struct {
		name     string
		patterns []string
		k        int
		want     error
	}{
		{"negative k", []string{filepath.Join(dir, "a.txt")}, -1, wordcount.ErrArgument},
		{"no patterns", nil, 3, wordcount.ErrArgument},
		{"no match", []string{filepath.Join(dir, "*.md")}, 3, bag.ErrNoFiles},
		{"missing file", []string{filepath.Join(dir, "nope.txt")}, 3, nil},
	}
	for _, c := range cases {
		var g graph.Graph
		_, err := wordcount.Build(&g, c.patterns, c.k)
		if err == nil || (c.want != nil && !errors.Is(err, c.want)) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// Word count over the text files of a directory.
func ExampleBuild() {
	dir, err := os.MkdirTemp("", "wordcount")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	os.WriteFile(filepath.Join(dir, "1.txt"), []byte("The cat sat on the mat.\nThe end.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "2.txt"), []byte("A cat, the cat's hat.\n"), 0o644)

	var g graph.Graph
	top, err := wordcount.Build(&g, []string{filepath.Join(dir, "*.txt")}, 3)
	if err != nil {
		panic(err)
	}
	r, err := sched.Compute(context.Background(), top)
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Words, "words,", r.Distinct, "different; top 3:", r.Top)
	// Output:
	// 13 words, 9 different; top 3: [{the 4} {cat 2} {a 1}]
}
