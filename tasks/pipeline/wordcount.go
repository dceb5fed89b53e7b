package pipeline

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/tasks/wordcount"
)

// WordCount are the parameters of the "wordcount" pipeline.
type WordCount struct {
	Input []string // file names or glob patterns (filepath.Match syntax)
	Top   int      // how many of the most frequent words to report
}

// DefaultWordCount returns the top 10 words and no input: the files must
// be named.
func DefaultWordCount() WordCount { return WordCount{Top: 10} }

// Flags registers the word-count flags on fs.
func (p *WordCount) Flags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&p.Input, "input", p.Input, "text files to read: a name or a glob such as 'books/*.txt' (repeatable; .gz is decompressed)")
	fs.IntVar(&p.Top, "top", p.Top, "how many of the most frequent words to show")
}

// Build lays out the word count (see wordcount.Build). The files are
// listed now, so a pattern that matches nothing is an error here.
func (p *WordCount) Build(g *graph.Graph) (*Job, error) {
	g = orNew(g)
	switch {
	case len(p.Input) == 0:
		return nil, paramErrorf("input", "required: the text files to count the words of")
	case p.Top <= 0:
		return nil, paramErrorf("top", "must be at least 1 (got %d)", p.Top)
	}
	d, err := wordcount.Build(g, p.Input, p.Top)
	if errors.Is(err, wordcount.ErrArgument) {
		return nil, &ParamError{Err: err}
	}
	if err != nil {
		return nil, err // a missing file is the world's problem, not the command line's
	}
	return &Job{Pipeline: "wordcount", Graph: g, Targets: []graph.Node{d}, run: runTarget(d, func() (func(wordcount.Result, *Report) error, func(), error) {
		return reportWords, nil, nil
	})}, nil
}

func reportWords(res wordcount.Result, r *Report) error {
	r.Lines = append(r.Lines, fmt.Sprintf("%d words, %d different; the %d most frequent:", res.Words, res.Distinct, len(res.Top)))
	width := 0
	for _, wc := range res.Top {
		width = max(width, len([]rune(wc.Word)))
	}
	for i, wc := range res.Top {
		r.Lines = append(r.Lines, fmt.Sprintf("%3d  %-*s %d", i+1, width, wc.Word, wc.Count))
	}
	return nil
}
