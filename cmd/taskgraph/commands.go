package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/tasks/pipeline"
)

// newRoot builds the command tree. Each pipeline of the registry becomes a
// subcommand of run and of dot with its own flags, so cobra parses them,
// lists them in --help, and rejects unknown ones.
func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "taskgraph",
		Short: "Run the workshop's pipelines on the taskgraph scheduler",
		Long: `taskgraph runs the pipelines of the parallel-programming workshop (the tiled
Mandelbrot set, Monte-Carlo pi, generators, word count) as task graphs, and
draws their graphs as Graphviz DOT.`,
		// A bare "taskgraph" shows the help; anything else that is not a
		// command is a usage mistake (cobra would print the help for it).
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q (the commands are: list, run, dot, version, worker, cluster)", args[0])
			}
			return cmd.Help()
		},
		SilenceErrors: true, // run prints the one line
		SilenceUsage:  true, // a failed run is not a reason to show the manual
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(listCmd(), runCmd(), dotCmd(), versionCmd(), workerCmd(), clusterCmd())
	return root
}

func listCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the pipelines",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			for _, p := range pipeline.All() {
				fmt.Fprintf(tw, "%s\t%s\n", p.Name, p.Summary)
			}
			return tw.Flush()
		},
	}
}

// runCmd is "taskgraph run": one subcommand per pipeline, and the flags
// they share (see runFlags).
func runCmd() *cobra.Command {
	var rf runFlags
	var cf clusterFlags
	cmd := pipelineParent("run", "Run a pipeline and print a summary of what it computed")
	rf.register(cmd.PersistentFlags())
	cf.register(cmd.PersistentFlags())
	for _, p := range pipeline.All() {
		params := p.New()
		sub := &cobra.Command{
			Use:   p.Name + " [flags]",
			Short: p.Summary,
			Args:  noArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return runPipeline(cmd, params, &rf, &cf)
			},
		}
		params.Flags(sub.Flags())
		cmd.AddCommand(sub)
	}
	return cmd
}

// dotCmd is "taskgraph dot": builds a pipeline's graph, prints its DOT.
func dotCmd() *cobra.Command {
	var df dotFlags
	cmd := pipelineParent("dot", "Print a pipeline's task graph as Graphviz DOT (nothing runs)")
	df.register(cmd.PersistentFlags())
	for _, p := range pipeline.All() {
		params := p.New()
		sub := &cobra.Command{
			Use:   p.Name + " [flags]",
			Short: "the graph of: " + p.Summary,
			Args:  noArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				opts, err := df.options()
				if err != nil {
					return err
				}
				job, err := params.Build(new(graph.Graph))
				if err != nil {
					return err
				}
				return writeDOT(cmd.OutOrStdout(), job, opts)
			},
		}
		params.Flags(sub.Flags())
		cmd.AddCommand(sub)
	}
	return cmd
}

// pipelineParent is the command above the per-pipeline subcommands. It runs
// only when no pipeline matched: with no name, or with an unknown one.
func pipelineParent(name, short string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   name + " PIPELINE [flags]",
		Short: short,
		Args:  cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usagef("which pipeline? (%s)", names())
			}
			_, err := pipeline.Lookup(args[0])
			return err
		},
	}
	// The subcommands are pipelines: say so in the help.
	cmd.SetUsageTemplate(strings.NewReplacer(
		"Available Commands:", "Pipelines:",
		"\n  {{.CommandPath}} [command]", "", // the use line says it already
		"[command] --help", "PIPELINE --help",
		"about a command", "about a pipeline's flags",
	).Replace(cmd.UsageTemplate()))
	// "taskgraph run nosuch --width 3" fails on the flag before the name
	// is looked at; the unknown pipeline is the mistake worth reporting.
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		if c == cmd && c.Flags().NArg() > 0 {
			if _, lerr := pipeline.Lookup(c.Flags().Arg(0)); lerr != nil {
				return lerr
			}
		}
		return usageError{err}
	})
	return cmd
}

func names() string {
	var ns []string
	for _, p := range pipeline.All() {
		ns = append(ns, p.Name)
	}
	return strings.Join(ns, ", ")
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usagef("unexpected argument %q", args[0])
	}
	return nil
}

// runPipeline builds the job, runs it with the common flags' instruments,
// and prints the report.
func runPipeline(cmd *cobra.Command, params pipeline.Params, rf *runFlags, cf *clusterFlags) error {
	if err := rf.check(); err != nil {
		return err
	}
	if err := cf.check(); err != nil {
		return err
	}
	job, err := params.Build(new(graph.Graph))
	if err != nil {
		return err
	}
	opts, finish, err := rf.instrument(job, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	copts, closeCluster, err := cf.open(cmd.Context(), job.Pipeline, params)
	if err != nil {
		return err
	}
	defer closeCluster()
	opts = append(opts, copts...)
	report, err := job.Run(cmd.Context(), opts...)
	if ferr := finish(err); err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprint(out, report)
	fmt.Fprintf(out, "wall time %s, %s on %s\n", formatDuration(report.Elapsed), plural(report.Tasks, "task"), plural(rf.effectiveWorkers(), "worker"))
	for _, f := range append(report.Files, rf.written()...) {
		fmt.Fprintf(out, "wrote %s\n", f)
	}
	return rf.writeSummary(out)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// formatDuration prints milliseconds with three significant digits, the
// precision a wall time deserves.
func formatDuration(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.3g ms", float64(d.Nanoseconds())/1e6)
	}
	return fmt.Sprintf("%.3g s", d.Seconds())
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), version())
			return nil
		},
	}
}

// version describes the binary from its build information: the module
// version ("(devel)" for a local build), the commit when built from a
// checkout, and the Go version and platform.
func version() string {
	v, rev := "(devel)", ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		var modified bool
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value[:min(len(s.Value), 12)]
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if rev != "" && modified {
			rev += "+dirty"
		}
	}
	s := "taskgraph " + v
	if rev != "" {
		s += " " + rev
	}
	return s + " " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
}
