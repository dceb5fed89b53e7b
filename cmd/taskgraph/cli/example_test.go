package cli_test

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/seed001e6470/taskgraph/cmd/taskgraph/cli"
)

// Run is the command line without the process: arguments in, exit
// status out.
func ExampleRun() {
	code := cli.Run(context.Background(), []string{"run", "generators", "--n=6", "--seq=fibonacci"}, nopWriter{}, os.Stdout)
	fmt.Println("exit", code)
	code = cli.Run(context.Background(), []string{"run", "pi", "--samples=0"}, os.Stdout, os.Stdout)
	fmt.Println("exit", code)
	// Output:
	// exit 0
	// taskgraph run pi: --samples: must be at least 1 (got 0)
	// exit 2
}

type nopWriter struct{}

func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }

// A command of one's own beside list, run and dot, as the cluster's
// "worker" is added.
func ExampleAddCommand() {
	cli.AddCommand(func() *cobra.Command {
		var name string
		cmd := &cobra.Command{
			Use:   "hello",
			Short: "Say hello",
			RunE: func(cmd *cobra.Command, _ []string) error {
				if name == "" {
					return cli.Usagef("--name: required")
				}
				fmt.Fprintln(cmd.OutOrStdout(), "hello,", name)
				return nil
			},
		}
		cmd.Flags().StringVar(&name, "name", "", "whom to greet")
		return cmd
	})
	fmt.Println(cli.Run(context.Background(), []string{"hello", "--name=Ada"}, os.Stdout, os.Stdout))
	fmt.Println(cli.Run(context.Background(), []string{"hello"}, os.Stdout, os.Stdout))
	// Output:
	// hello, Ada
	// 0
	// taskgraph hello: --name: required
	// 2
}

func ExampleEnvName() {
	fmt.Println(cli.EnvName("workers"), cli.EnvName("cluster-addr"))
	// Output:
	// TASKGRAPH_WORKERS TASKGRAPH_CLUSTER_ADDR
}

// NewRoot is the cobra command tree, for a program that wants to change
// it before executing it.
func ExampleNewRoot() {
	root := cli.NewRoot(os.Stdout, os.Stderr)
	for _, c := range root.Commands() {
		if c.Name() == "dot" || c.Name() == "run" {
			fmt.Println(c.Name(), c.HasSubCommands())
		}
	}
	// Output:
	// dot true
	// run true
}

// A flag of one's own command with a default from the environment, shown
// by "taskgraph config".
func ExampleEnvDefault() {
	cli.EnvDefault("example-addr", func(fs *pflag.FlagSet) { fs.String("example-addr", "127.0.0.1:4222", "where to connect") })
	os.Setenv(cli.EnvName("example-addr"), "10.0.0.7:4222")
	defer os.Unsetenv(cli.EnvName("example-addr"))

	fs := pflag.NewFlagSet("mine", pflag.ContinueOnError)
	addr := fs.String("example-addr", "127.0.0.1:4222", "where to connect")
	_ = fs.Parse(nil)
	fmt.Println(cli.ApplyEnv(fs), *addr)
	// Output:
	// <nil> 10.0.0.7:4222
}
