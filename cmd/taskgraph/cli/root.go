package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/seed001e6470/taskgraph/tasks/pipeline"
)

// extra holds the constructors AddCommand registered.
var extra struct {
	sync.Mutex
	cmds []func() *cobra.Command
}

// AddCommand registers a command that every root NewRoot makes will have,
// beside list, run, dot and the others: new is called once per root, so
// each gets a fresh command. Call it before Main or Run, typically from an
// init function:
//
//	func init() { cli.AddCommand(workerCmd) }
//
// A command's RunE returns a UsageError (Usagef) for a mistake on its
// command line, so that it exits with ExitUsage; its stdout and stderr
// are cmd.OutOrStdout() and cmd.ErrOrStderr().
func AddCommand(new func() *cobra.Command) {
	extra.Lock()
	defer extra.Unlock()
	extra.cmds = append(extra.cmds, new)
}

// NewRoot builds the command tree. Each registered pipeline becomes a
// subcommand of run and of dot with its own flags, so cobra parses them,
// lists them in --help, completes them and rejects unknown ones.
func NewRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "taskgraph",
		Short: "Run task-graph pipelines on the taskgraph scheduler",
		Long: `taskgraph runs pipelines as task graphs — the workshop's tiled Mandelbrot set,
Monte-Carlo pi, generators and word count, and any a program registers — and
draws their graphs with Graphviz.`,
		// A bare "taskgraph" shows the help; anything else that is not a
		// command is a usage mistake (cobra would print the help for it).
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return Usagef("unknown command %q (the commands are: %s)", args[0], commandNames(cmd))
			}
			return cmd.Help()
		},
		SilenceErrors: true, // Run prints the one line
		SilenceUsage:  true, // a failed run is not a reason to show the manual
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{err} })
	root.AddCommand(listCmd(), runCmd(), dotCmd(), configCmd(), versionCmd())
	extra.Lock()
	for _, c := range extra.cmds {
		root.AddCommand(c())
	}
	extra.Unlock()
	return root
}

func commandNames(root *cobra.Command) string {
	var ns []string
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() {
			ns = append(ns, c.Name())
		}
	}
	return strings.Join(ns, ", ")
}

func listCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the pipelines",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if asJSON {
				return listJSON(cmd.OutOrStdout())
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			for _, p := range pipeline.All() {
				fmt.Fprintf(tw, "%s\t%s\n", p.Name, p.Summary)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the pipelines and their flags as JSON")
	return cmd
}

// jsonPipeline is a pipeline in "list --json".
type jsonPipeline struct {
	Name    string     `json:"name"`
	Summary string     `json:"summary"`
	Flags   []jsonFlag `json:"flags"`
}

type jsonFlag struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Default string   `json:"default"`
	Usage   string   `json:"usage"`
	Values  []string `json:"values,omitempty"` // an enumeration's values
}

func listJSON(w io.Writer) error {
	ps := pipeline.All()
	out := make([]jsonPipeline, len(ps))
	for i, p := range ps {
		params := p.New()
		fs := pflag.NewFlagSet(p.Name, pflag.ContinueOnError)
		params.Flags(fs)
		enums := enumsOf(params)
		out[i] = jsonPipeline{Name: p.Name, Summary: p.Summary, Flags: []jsonFlag{}}
		fs.VisitAll(func(f *pflag.Flag) {
			out[i].Flags = append(out[i].Flags, jsonFlag{Name: f.Name, Type: f.Value.Type(), Default: f.DefValue, Usage: f.Usage, Values: enums[f.Name]})
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func enumsOf(p pipeline.Params) map[string][]string {
	if e, ok := p.(pipeline.Enums); ok {
		return e.Enums()
	}
	return nil
}

// pipelineCommands adds a subcommand per pipeline to parent, each with
// the pipeline's flags and completion of their enumerated values; run
// gets the pipeline's fresh parameters once cobra has parsed the flags.
func pipelineCommands(parent *cobra.Command, short func(pipeline.Pipeline) string, run func(cmd *cobra.Command, p pipeline.Pipeline, params pipeline.Params) error) {
	for _, p := range pipeline.All() {
		params := p.New()
		sub := &cobra.Command{
			Use:   p.Name + " [flags]",
			Short: short(p),
			Args:  noArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				return run(cmd, p, params)
			},
		}
		params.Flags(sub.Flags())
		enums := enumsOf(params)
		names := make([]string, 0, len(enums))
		for name := range enums {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			if sub.Flags().Lookup(name) != nil {
				completeWith(sub, name, enums[name])
			}
		}
		parent.AddCommand(sub)
	}
}

// completeWith makes the shell complete flag with values.
func completeWith(cmd *cobra.Command, flag string, values []string) {
	_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
}

// completeFiles makes the shell complete flag with files of the
// extensions given.
func completeFiles(cmd *cobra.Command, flag string, exts ...string) {
	_ = cmd.RegisterFlagCompletionFunc(flag, func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return exts, cobra.ShellCompDirectiveFilterFileExt
	})
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
				return Usagef("which pipeline? (%s)", names())
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
		"Global Flags:", "Flags of every pipeline:",
	).Replace(cmd.UsageTemplate()))
	// "taskgraph run nosuch --width 3" fails on the flag before the name
	// is looked at; the unknown pipeline is the mistake worth reporting.
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		if c == cmd && c.Flags().NArg() > 0 {
			if _, lerr := pipeline.Lookup(c.Flags().Arg(0)); lerr != nil {
				return lerr
			}
		}
		return &UsageError{err}
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
		return Usagef("unexpected argument %q", args[0])
	}
	return nil
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
