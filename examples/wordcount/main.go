// Word count with a bag: text files → lines → words → frequencies → top k.
//
// Each file (or block of a large file) is a partition; the map from lines
// to words is fused into the task that counts the partition's words, and
// the per-partition counts are merged in a tree. Only the small maps of
// counts travel between tasks, never the text.
//
//	go run ./examples/wordcount                            # a built-in sample
//	go run ./examples/wordcount -input 'books/*.txt' -top 20
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/wordcount"
)

// sample is counted when no -input is given, written to a temporary
// directory as one file per paragraph.
var sample = []string{
	`A task graph is a recipe. Each task is a step, and the arrows say which
steps need which results. Nothing is cooked while the recipe is written.`,
	`The scheduler reads the recipe and hands ready steps to the workers. A
worker that runs out of steps takes some from another worker.`,
	`When the last step is done, the result is served, and every
intermediate result that no step still needs has already been thrown away.`,
}

func run(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("wordcount", flag.ContinueOnError)
	fs.SetOutput(w)
	input := fs.String("input", "", "glob of the text files to read (default: a built-in sample)")
	top := fs.Int("top", 5, "how many words to show")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *input == "" {
		dir, err := os.MkdirTemp("", "wordcount")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		for i, text := range sample {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.txt", i)), []byte(text+"\n"), 0o644); err != nil {
				return err
			}
		}
		*input = filepath.Join(dir, "*.txt")
	}

	var g graph.Graph
	lines := bag.ReadText(&g, []string{*input}) // one partition per file
	if err := lines.Err(); err != nil {
		return err // no file matches: found while building, before any work
	}
	// The words of a line point into it; cloning the word before it
	// becomes a map key lets the line go.
	words := bag.Map(bag.FlatMap(lines, wordcount.Words), strings.Clone)
	counts := bag.Frequencies(words)
	ranked := graph.Call(&g, "top-k", func(m map[string]int) []wordcount.WordCount {
		return wordcount.TopK(m, *top)
	}, counts)

	best, err := sched.Compute(ctx, ranked)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "the %d most frequent words (%d partitions):\n", len(best), lines.NumPartitions())
	for _, wc := range best {
		fmt.Fprintf(w, "%6d %s\n", wc.Count, wc.Word)
	}
	return nil
}

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "wordcount:", err)
		}
		os.Exit(2)
	}
}
