package pipeline

import (
	"bytes"
	"fmt"
	"iter"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/tasks/generators"
)

// Generators are the parameters of the "generators" pipeline.
type Generators struct {
	N   int    // how many values to take
	Seq string // which generator: "integers", "even" or "fibonacci"
}

// DefaultGenerators returns the first million even numbers (the workshop's
// first exercise).
func DefaultGenerators() Generators { return Generators{N: 1_000_000, Seq: "even"} }

// sequence is one of the workshop's generators, by name, and its form
// that starts anywhere.
type sequence struct {
	name string
	seq  func() iter.Seq[int]
	from func(k int) iter.Seq[int]
}

// sequences are the generators the pipeline can take values from, sorted.
var sequences = []sequence{
	{"even", generators.Even, generators.EvenFrom},
	{"fibonacci", generators.Fibonacci, generators.FibonacciFrom},
	{"integers", generators.Integers, generators.IntegersFrom},
}

func sequenceNames() string {
	var names []string
	for _, s := range sequences {
		names = append(names, s.name)
	}
	return strings.Join(names, ", ")
}

// Enums lists the generators --seq takes.
func (p *Generators) Enums() map[string][]string {
	var names []string
	for _, s := range sequences {
		names = append(names, s.name)
	}
	return map[string][]string{"seq": names}
}

// Flags registers the generators flags on fs.
func (p *Generators) Flags(fs *pflag.FlagSet) {
	fs.Var(countValue{&p.N}, "n", "how many values to take from the generator")
	fs.StringVar(&p.Seq, "seq", p.Seq, "the generator: "+sequenceNames())
}

// Build lays out the bag of the first N values of the generator (Take of
// FromSeq, see generators.Bag) and its one-pass summary.
//
// The generator is pulled in order, by tasks that share it, so opts (a
// run's retries and timeouts) are not given to them: a retried task would
// pull other values. When opts include graph.Remote (a run on a cluster),
// the shares are folded at once instead, each by a task of its own that
// starts the generator where its share begins (generators.Split), and
// those tasks take opts.
func (p *Generators) Build(g *graph.Graph, opts ...graph.Option) (*Job, error) {
	g = orNew(g)
	if p.N <= 0 {
		return nil, paramErrorf("n", "must be at least 1 (got %d)", p.N)
	}
	k := slices.IndexFunc(sequences, func(s sequence) bool { return s.name == p.Seq })
	if k < 0 {
		return nil, paramErrorf("seq", "unknown generator %q (there are: %s)", p.Seq, sequenceNames())
	}
	q := *p
	var d graph.Delayed[generators.Summary]
	how := ""
	if remoteAsked(opts) {
		parts := min(p.N, splitParts)
		var err error
		if d, err = generators.Split(g, sequences[k].from, p.N, parts, opts...); err != nil {
			return nil, &ParamError{Err: err}
		}
		how = fmt.Sprintf("folded in %s, each started where its share begins", plural(parts, "part"))
	} else if p.N <= StreamAbove {
		b := generators.Bag(g, sequences[k].seq(), p.N)
		if err := b.Err(); err != nil {
			return nil, &ParamError{Err: err}
		}
		d = generators.Summarize(b)
		how = "in " + plural(b.NumPartitions(), "partition")
	} else {
		var err error
		if d, err = generators.Stream(g, sequences[k].seq(), p.N, streamParts); err != nil {
			return nil, &ParamError{Err: err}
		}
		how = fmt.Sprintf("streamed in %d shares", streamParts)
	}
	return &Job{Pipeline: "generators", Graph: g, Targets: []graph.Node{d}, run: runTarget(d, func() (func(generators.Summary, *Report) error, func(), error) {
		return func(s generators.Summary, r *Report) error { return q.report(how, s, r) }, nil, nil
	})}, nil
}

// StreamAbove is the largest N the generators pipeline holds as a bag
// (partitions of 32,768 values, a task each); a longer prefix is
// streamed instead (generators.Stream: a chain of 64 tasks folding the
// values as they come), so that --n 1e12 neither allocates its values
// nor builds 30 million tasks.
const StreamAbove = 1 << 24

const streamParts = 64

// splitParts is how many shares a run on a cluster folds at once: enough
// to keep many workers busy, few enough that a task's message costs
// nothing next to its share.
const splitParts = 64

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func (p *Generators) report(how string, s generators.Summary, r *Report) error {
	r.Lines = append(r.Lines, fmt.Sprintf("the first %d values of %s, an infinite generator, %s", p.N, p.Seq, how))
	if s.Count < p.N {
		r.Lines = append(r.Lines, fmt.Sprintf("the generator stopped after %d values: the next would overflow an int", s.Count))
	}
	r.Lines = append(r.Lines, fmt.Sprintf("count %d, sum %s, min %d, max %d", s.Count, s.Sum, s.Min, s.Max))
	r.Result = map[string]any{"count": s.Count, "sum": s.Sum.String(), "min": s.Min, "max": s.Max, "head": s.Head}
	// The workshop's line-numbering coroutine prints the first values.
	var buf bytes.Buffer
	pr := generators.NewPrinter(&buf)
	for _, x := range s.Head {
		if err := pr.Send(x); err != nil {
			return err
		}
	}
	r.Lines = append(r.Lines, "first values, numbered by the printer coroutine:")
	r.Lines = append(r.Lines, strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")...)
	return nil
}
