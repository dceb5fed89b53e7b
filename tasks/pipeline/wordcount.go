package pipeline

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/tasks/wordcount"
)

// WordCount are the parameters of the "wordcount" pipeline.
type WordCount struct {
	Input []string // file names or glob patterns (filepath.Match syntax)
	Top   int      // how many of the most frequent words to report
	// Partitions asks for this many partitions of the text (bag.Partitions;
	// 0: one per file, or per block of a large one).
	Partitions int
	// BlockSize is the size in bytes of the blocks a large file is cut
	// into (bag.BlockSize; 0: the bag's default, 32 MiB).
	BlockSize int64
	// Out is a file to write the top words to, as CSV (.csv) or JSON
	// (.json); "" for none.
	Out string
}

// DefaultWordCount returns the top 10 words and no input: the files must
// be named.
func DefaultWordCount() WordCount { return WordCount{Top: 10} }

// Flags registers the word-count flags on fs.
func (p *WordCount) Flags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&p.Input, "input", p.Input, "text files to read: a name or a glob such as 'books/*.txt' (repeatable; .gz is decompressed)")
	fs.Var(countValue{&p.Top}, "top", "how many of the most frequent words to show")
	fs.Var(countValue{&p.Partitions}, "partitions", "partitions to cut the text into (0: one per file, or per block of a large one)")
	fs.Var(byteSize{&p.BlockSize}, "block-size", "size of the blocks a large file is read in, such as 64MiB (0: 32MiB)")
	fs.StringVar(&p.Out, "out", p.Out, "also write the top words to this .csv or .json file")
}

// outFormats are the extensions --out understands.
var outFormats = []string{"csv", "json"}

// Build lays out the word count (see wordcount.Build). The files are
// listed now, so a pattern that matches nothing is an error here. The
// count is made of bag stages, which take no task options; of opts only
// graph.Remote counts, which makes the partitions bag.Remote (they read
// their files on the worker, which must see them at the same paths).
func (p *WordCount) Build(g *graph.Graph, topts ...graph.Option) (*Job, error) {
	g = orNew(g)
	switch {
	case len(p.Input) == 0:
		return nil, paramErrorf("input", "required: the text files to count the words of")
	case p.Top <= 0:
		return nil, paramErrorf("top", "must be at least 1 (got %d)", p.Top)
	case p.Top > MaxTasks:
		return nil, paramErrorf("top", "at most %d (got %d)", MaxTasks, p.Top)
	case p.Partitions < 0:
		return nil, paramErrorf("partitions", "must not be negative (got %d)", p.Partitions)
	case p.Partitions > MaxTasks:
		return nil, paramErrorf("partitions", "at most %d (got %d): a task per partition", MaxTasks, p.Partitions)
	case p.BlockSize < 0:
		return nil, paramErrorf("block-size", "must not be negative (got %d)", p.BlockSize)
	}
	format := ""
	if p.Out != "" {
		format = strings.TrimPrefix(strings.ToLower(filepath.Ext(p.Out)), ".")
		if format != "csv" && format != "json" {
			return nil, paramErrorf("out", "cannot tell the format of %q: end it in .%s", p.Out, strings.Join(outFormats, " or ."))
		}
	}
	var opts []bag.Option
	if remoteAsked(topts) {
		opts = append(opts, bag.Remote())
	}
	if p.Partitions > 0 {
		opts = append(opts, bag.Partitions(p.Partitions))
	}
	if p.BlockSize > 0 {
		opts = append(opts, bag.BlockSize(p.BlockSize))
	}
	d, err := wordcount.Build(g, p.Input, p.Top, opts...)
	if errors.Is(err, wordcount.ErrArgument) || errors.Is(err, bag.ErrInvalid) {
		return nil, &ParamError{Err: err}
	}
	if err != nil {
		return nil, err // a missing file is the world's problem, not the command line's
	}
	out := p.Out
	return &Job{Pipeline: "wordcount", Graph: g, Targets: []graph.Node{d}, run: runTarget(d, func() (func(wordcount.Result, *Report) error, func(), error) {
		if out == "" {
			return reportWords, nil, nil
		}
		f, err := CreateOutput(out)
		if err != nil {
			return nil, nil, err
		}
		return func(res wordcount.Result, r *Report) error {
			if err := reportWords(res, r); err != nil {
				return err
			}
			if err := writeWords(f, res, format); err != nil {
				return fmt.Errorf("cannot write %s: %w", out, err)
			}
			if err := f.Commit(); err != nil {
				return err
			}
			r.Files = append(r.Files, out)
			return nil
		}, f.Abort, nil
	})}, nil
}

func reportWords(res wordcount.Result, r *Report) error {
	r.Lines = append(r.Lines, fmt.Sprintf("%d words, %d different; the %d most frequent:", res.Words, res.Distinct, len(res.Top)))
	width := 0
	for _, wc := range res.Top {
		width = max(width, len([]rune(wc.Word)))
	}
	top := make([]map[string]any, len(res.Top))
	for i, wc := range res.Top {
		r.Lines = append(r.Lines, fmt.Sprintf("%3d  %-*s %d", i+1, width, wc.Word, wc.Count))
		top[i] = map[string]any{"word": wc.Word, "count": wc.Count}
	}
	r.Result = map[string]any{"words": res.Words, "distinct": res.Distinct, "top": top}
	return nil
}

// writeWords writes the ranked words as CSV (rank,word,count with a
// header) or as a JSON document like the --json report's result.
func writeWords(w io.Writer, res wordcount.Result, format string) error {
	if format == "json" {
		type entry struct {
			Rank  int    `json:"rank"`
			Word  string `json:"word"`
			Count int    `json:"count"`
		}
		doc := struct {
			Words    int     `json:"words"`
			Distinct int     `json:"distinct"`
			Top      []entry `json:"top"`
		}{Words: res.Words, Distinct: res.Distinct, Top: make([]entry, len(res.Top))}
		for i, wc := range res.Top {
			doc.Top[i] = entry{i + 1, wc.Word, wc.Count}
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", " ")
		return enc.Encode(doc)
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"rank", "word", "count"})
	for i, wc := range res.Top {
		cw.Write([]string{strconv.Itoa(i + 1), wc.Word, strconv.Itoa(wc.Count)})
	}
	cw.Flush()
	return cw.Error()
}
