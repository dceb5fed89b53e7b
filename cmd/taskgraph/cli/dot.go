package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/graph/dot"
	"github.com/seed001e6470/taskgraph/sched/diag"
	"github.com/seed001e6470/taskgraph/tasks/pipeline"
)

// renderFormats are the picture formats dot renders through Graphviz;
// .dot and .gv files (and standard output) get the DOT text itself.
var renderFormats = []string{"svg", "png", "pdf"}

// ErrNoGraphviz: a picture was asked for and Graphviz's dot program is
// not installed.
var ErrNoGraphviz = errors.New("Graphviz's dot program is not installed (Debian and Ubuntu: apt-get install graphviz; or write DOT text with -o FILE.dot)")

// dotFlags are the flags of "taskgraph dot".
type dotFlags struct {
	out, view, rankdir, color, profile string
	collapseAbove                      int
}

func (f *dotFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&f.out, "output", "o", "", "write to this file: .svg, .png or .pdf through Graphviz, .dot or .gv for DOT text (default: DOT on standard output)")
	fs.StringVar(&f.view, "view", "auto", "auto (collapse graphs above --collapse-above nodes), full (a node per task) or collapsed (a node per stage)")
	fs.IntVar(&f.collapseAbove, "collapse-above", dot.DefaultCollapseAbove, "the size above which --view=auto collapses a graph")
	fs.StringVar(&f.rankdir, "rankdir", "TB", "the way the picture flows: TB, LR, BT or RL")
	fs.StringVar(&f.rankdir, "direction", "TB", "the same as --rankdir")
	fs.Lookup("direction").Hidden = true // the old name, kept working
	fs.StringVar(&f.color, "color", "plain", "plain; order (the order a run follows); duration or state (from --profile)")
	fs.StringVar(&f.profile, "profile", "", "a profile written by taskgraph run --profile, with the same pipeline flags, to colour by")
}

func (f *dotFlags) completions(cmd *cobra.Command) {
	completeWith(cmd, "view", []string{"auto", "full", "collapsed"})
	completeWith(cmd, "rankdir", []string{"TB", "LR", "BT", "RL"})
	completeWith(cmd, "color", []string{"plain", "order", "duration", "state"})
	completeFiles(cmd, "profile", "json")
	completeFiles(cmd, "output", append(slices.Clone(renderFormats), "dot", "gv")...)
}

// options checks the flags and turns them into picture options; format
// is "" for DOT text, else a Graphviz output format.
func (f *dotFlags) options() (o dot.Options, format string, err error) {
	switch f.view {
	case "auto":
		o.View = dot.Auto
	case "full", "expanded":
		o.View = dot.Expanded
	case "collapsed":
		o.View = dot.Collapsed
	default:
		return o, "", paramErr("view", "%q is not one of auto, full, collapsed", f.view)
	}
	if f.collapseAbove < 1 {
		return o, "", paramErr("collapse-above", "must be at least 1 (got %d)", f.collapseAbove)
	}
	o.CollapseAbove = f.collapseAbove
	switch d := dot.Direction(strings.ToUpper(f.rankdir)); d {
	case dot.TopToBottom, dot.LeftToRight, dot.BottomToTop, dot.RightToLeft:
		o.Direction = d
	default:
		return o, "", paramErr("rankdir", "%q is not one of TB, LR, BT, RL", f.rankdir)
	}
	switch f.color {
	case "plain":
		if f.profile != "" {
			o.Color = dot.ByDuration // a profile is given to be shown
		}
	case "order":
		o.Color = dot.ByOrder
	case "duration", "state":
		if f.profile == "" {
			return o, "", paramErr("color", "%s needs a profile: add --profile prof.json (from taskgraph run --profile)", f.color)
		}
		o.Color = map[string]dot.Color{"duration": dot.ByDuration, "state": dot.ByState}[f.color]
	default:
		return o, "", paramErr("color", "%q is not one of plain, order, duration, state", f.color)
	}
	if f.out != "" {
		switch ext := diag.FormatOf(f.out); {
		case ext == "dot" || ext == "gv":
		case slices.Contains(renderFormats, ext):
			format = ext
		default:
			return o, "", paramErr("output", "cannot tell the format of %q: end it in .svg, .png, .pdf or .dot", f.out)
		}
	}
	return o, format, nil
}

// dotCmd is "taskgraph dot": builds a pipeline's graph and draws it.
func dotCmd() *cobra.Command {
	var df dotFlags
	cmd := pipelineParent("dot", "Draw a pipeline's task graph with Graphviz, or print its DOT (nothing runs)")
	df.register(cmd.PersistentFlags())
	df.completions(cmd)
	pipelineCommands(cmd, func(p pipeline.Pipeline) string { return "the graph of: " + p.Summary },
		func(cmd *cobra.Command, p pipeline.Pipeline, params pipeline.Params) error {
			return drawPipeline(cmd, p, params, &df)
		})
	return cmd
}

func drawPipeline(cmd *cobra.Command, p pipeline.Pipeline, params pipeline.Params, df *dotFlags) error {
	o, format, err := df.options()
	if err != nil {
		return err
	}
	var dotPath string
	if format != "" {
		// Before anything is built or created: a missing Graphviz is
		// one line, not a half-written picture.
		if dotPath, err = exec.LookPath("dot"); err != nil {
			return ErrNoGraphviz
		}
	}
	job, err := params.Build(new(graph.Graph))
	if err != nil {
		return err
	}
	o.Targets, o.Title = job.Targets, ""
	if df.profile != "" {
		if o.Stats, err = readStats(df.profile, job.Graph); err != nil {
			return err
		}
	}
	var text bytes.Buffer
	if err := dot.Write(&text, job.Graph, &o); err != nil {
		return err
	}
	switch {
	case df.out == "":
		_, err = cmd.OutOrStdout().Write(text.Bytes())
		return err
	case format == "":
		return diag.WriteFile(df.out, func(w io.Writer) error { _, err := w.Write(text.Bytes()); return err })
	}
	return render(cmd.Context().Done(), dotPath, format, &text, df.out)
}

// render runs Graphviz on the DOT text into path, whole or not at all.
func render(done <-chan struct{}, dotPath, format string, text io.Reader, path string) error {
	f, err := diag.CreateOutput(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	var stderr bytes.Buffer
	c := exec.Command(dotPath, "-T"+format)
	c.Stdin, c.Stdout, c.Stderr = text, f, &stderr
	if err := c.Start(); err != nil {
		return fmt.Errorf("cannot run Graphviz: %w", err)
	}
	waited := make(chan error, 1)
	go func() { waited <- c.Wait() }()
	select {
	case err = <-waited:
	case <-done: // Ctrl-C: Graphviz stops too
		c.Process.Kill()
		<-waited
		return errors.New("interrupted")
	}
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("Graphviz could not draw %s: %s", path, firstLine(msg))
	}
	return f.Commit()
}

func firstLine(s string) string {
	if k := strings.IndexByte(s, '\n'); k >= 0 {
		return s[:k]
	}
	return s
}

// readStats reads a profile for colouring g by what that run measured.
// The profile must be of the same graph: the same pipeline with the same
// flags, which builds the same nodes with the same keys.
func readStats(path string, g *graph.Graph) (func(int) (dot.Stats, bool), error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	p, err := diag.ReadJSON(bytes.NewReader(b))
	switch {
	case errors.Is(err, diag.ErrProfileVersion):
		return nil, fmt.Errorf("%s: %w", path, err)
	case err != nil:
		return nil, fmt.Errorf("%s is not a profile written by taskgraph run --profile (%w)", path, err)
	}
	for _, r := range p.Records() {
		if !r.Spawned && (r.ID >= g.Len() || g.Key(r.ID) != r.Key) {
			return nil, fmt.Errorf("%s is the profile of another graph (its task %q is not in this one): give dot the flags the run had", path, r.Key)
		}
	}
	return p.DotStats, nil
}
