package cli

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// envPrefix begins the name of every environment variable the command
// reads: TASKGRAPH_WORKERS is the default of --workers.
const envPrefix = "TASKGRAPH_"

// settings are the flags whose defaults may come from the environment,
// and the functions that register flags of other commands on config
// (EnvDefault).
var settings = struct {
	sync.Mutex
	names []string
	flags []func(*pflag.FlagSet)
}{names: []string{"workers", "keep-going", "retries", "timeout", "log", "log-format", "progress"}}

// EnvName is the environment variable that gives flag its default:
// "cluster-addr" → TASKGRAPH_CLUSTER_ADDR.
func EnvName(flag string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// EnvDefault lets the environment variable EnvName(flag) give the flag
// its default, below a value on the command line, and shows it in
// "taskgraph config". register adds the flag to config's own flag set
// (so that "taskgraph config --flag=v" shows a flag's value too); it may
// be nil for a flag of run's. Call it from an init function, beside
// AddCommand; a command of one's own calls ApplyEnv on its flags. A
// flag named a second time is left as the first call made it.
func EnvDefault(flag string, register func(fs *pflag.FlagSet)) {
	settings.Lock()
	defer settings.Unlock()
	if slices.Contains(settings.names, flag) {
		return // once is enough: a second register would define the flag twice
	}
	settings.names = append(settings.names, flag)
	if register != nil {
		settings.flags = append(settings.flags, register)
	}
}

// ApplyEnv sets every flag of fs that the command line left alone and
// that has an environment variable (EnvDefault) set. A value that does
// not parse is a usage error naming the variable.
func ApplyEnv(fs *pflag.FlagSet) error { return applyEnv(fs) }

func applyEnv(fs *pflag.FlagSet) error {
	settings.Lock()
	names := slices.Clone(settings.names)
	settings.Unlock()
	for _, name := range names {
		f := fs.Lookup(name)
		if f == nil || f.Changed {
			continue
		}
		v, ok := os.LookupEnv(EnvName(name))
		if !ok {
			continue
		}
		if err := f.Value.Set(v); err != nil {
			return Usagef("%s=%q: %v", EnvName(name), v, err)
		}
		if f.Annotations == nil {
			f.Annotations = map[string][]string{}
		}
		f.Annotations[fromEnv] = []string{EnvName(name)}
	}
	return nil
}

// fromEnv annotates a flag whose value came from the environment.
const fromEnv = "taskgraph-from-env"

// source says where a flag's value came from.
func source(f *pflag.Flag) string {
	switch {
	case f.Changed:
		return "flag --" + f.Name
	case len(f.Annotations[fromEnv]) > 0:
		return "environment " + f.Annotations[fromEnv][0]
	}
	return "default"
}

// configCmd is "taskgraph config": the settings in force and their
// sources.
func configCmd() *cobra.Command {
	var rf runFlags
	cmd := &cobra.Command{
		Use:   "config [flags]",
		Short: "Print the settings in force and where each came from (flag, environment, default)",
		Long: `config prints each setting that may come from the environment: its value, where
that value came from (a flag given here, the environment variable, or the
default) and the variable's name. Flags outrank the environment, which outranks
the defaults.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := applyEnv(cmd.Flags()); err != nil {
				return err
			}
			settings.Lock()
			names := slices.Clone(settings.names)
			settings.Unlock()
			slices.Sort(names)
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "SETTING\tVALUE\tSOURCE\tVARIABLE")
			for _, name := range names {
				f := cmd.Flags().Lookup(name)
				if f == nil {
					continue
				}
				v := f.Value.String()
				if v == "" {
					v = `""`
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, v, source(f), EnvName(name))
			}
			return tw.Flush()
		},
	}
	rf.register(cmd.Flags())
	settings.Lock()
	for _, reg := range settings.flags {
		reg(cmd.Flags())
	}
	settings.Unlock()
	return cmd
}
