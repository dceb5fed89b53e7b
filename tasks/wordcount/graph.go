package wordcount

import (
	"errors"
	"fmt"
	"iter"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
)

// ErrArgument is wrapped by every error about an argument out of range.
var ErrArgument = errors.New("wordcount: invalid argument")

// Result is what the word-count pipeline computes.
type Result struct {
	Top      []WordCount // the most frequent words, as TopK ranks them
	Words    int         // words read, counting repeats
	Distinct int         // different words
}

// Build lays out word counting over text files as a graph in g: the lines
// of the files matching patterns become a bag (one partition per file, or
// per block of a large one; see bag.ReadText), each partition's words are
// counted with [Count] as the lines stream by, the per-partition counts are
// merged in a tree with [Merge], and a task named "top-k" ranks the k most
// frequent words with [TopK].
//
// Counting a whole partition with Count, rather than making a bag of words
// and counting that, copies each distinct word once instead of keeping the
// lines the words point into (see Count). The result equals Count over all
// the lines, with any number of workers.
//
// The files are listed when the graph is built, so a pattern that matches
// nothing is an error here (wrapping bag.ErrNoFiles), as is k < 0. opts
// tune the bag (bag.Partitions, bag.BlockSize, bag.SplitEvery).
func Build(g *graph.Graph, patterns []string, k int, opts ...bag.Option) (graph.Delayed[Result], error) {
	if k < 0 {
		return graph.Delayed[Result]{}, fmt.Errorf("%w: top %d", ErrArgument, k)
	}
	if len(patterns) == 0 {
		return graph.Delayed[Result]{}, fmt.Errorf("%w: no input files", ErrArgument)
	}
	lines := bag.ReadText(g, patterns, opts...)
	if err := lines.Err(); err != nil {
		return graph.Delayed[Result]{}, err
	}
	counts := bag.MapPartitions(lines, countPartition)
	total := bag.Fold(counts, nil, mergeCounts, mergeCounts, opts...)
	return graph.Call(g, "top-k", func(m map[string]int) Result {
		r := Result{Top: TopK(m, k), Distinct: len(m)}
		for _, n := range m {
			r.Words += n
		}
		return r
	}, total), nil
}

// countPartition turns a partition's lines into one element: their counts.
func countPartition(lines iter.Seq[string]) iter.Seq[map[string]int] {
	return func(yield func(map[string]int) bool) { yield(Count(lines)) }
}

// mergeCounts merges the smaller map into the larger, which it returns:
// counts commute, and a reduction owns its partial results. The fold's
// initial value is a nil map, which is only ever merged into, never
// written.
func mergeCounts(a, b map[string]int) map[string]int {
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(b) > 0 {
		Merge(a, b)
	}
	return a
}
