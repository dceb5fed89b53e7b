package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/seed001e6470/taskgraph/dashboard"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
	"github.com/seed001e6470/taskgraph/tasks/pipeline"
)

// defaultDashboardAddr is where --dashboard serves when given no address.
const defaultDashboardAddr = "127.0.0.1:8787"

// dashFlags are the flags of "taskgraph run" that show the run in a
// browser (package dashboard). None of them set means no hooks and no
// listener: the run pays nothing.
type dashFlags struct {
	addr   string // "" means no dashboard
	public bool   // allow an address beyond the loopback interface
	hold   bool   // keep serving after the run until Ctrl-C
	report string // write the page, self-contained, to this file after the run

	held func() // stops serving: set while --hold keeps the page after a good run
}

// register adds the flags to cmd (the run command, for every pipeline)
// and holds the page open after the pipeline's report is printed.
func (f *dashFlags) register(cmd *cobra.Command) {
	f.flags(cmd.PersistentFlags())
	cmd.PersistentPostRunE = func(cmd *cobra.Command, _ []string) error {
		if stop := f.held; stop != nil {
			f.held = nil
			fmt.Fprintln(cmd.ErrOrStderr(), "dashboard: the run is over; serving until Ctrl-C")
			<-cmd.Context().Done()
			stop()
		}
		return nil
	}
}

func (f *dashFlags) flags(fs *pflag.FlagSet) {
	fs.StringVar(&f.addr, "dashboard", "", "serve a live dashboard of the run at this address (alone: "+defaultDashboardAddr+"; port 0 picks a free one)")
	fs.Lookup("dashboard").NoOptDefVal = defaultDashboardAddr
	fs.BoolVar(&f.public, "dashboard-public", false, "let --dashboard listen on an address other machines can reach")
	fs.BoolVar(&f.hold, "hold", false, "keep serving the dashboard after the run, until Ctrl-C")
	fs.StringVar(&f.report, "report", "", "write the dashboard of the finished run to this .html file (one self-contained file)")
}

// dashboardArgs lets "--dashboard ADDR" take the address as the next
// argument, as "--dashboard=ADDR" does (a flag whose value may be left
// out takes it only after "=" otherwise): the next argument is taken when
// it is a host:port.
func dashboardArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for k := 0; k < len(args); k++ {
		a := args[k]
		if a == "--" {
			return append(out, args[k:]...)
		}
		if a == "--dashboard" && k+1 < len(args) && !strings.HasPrefix(args[k+1], "-") {
			if _, _, err := net.SplitHostPort(args[k+1]); err == nil {
				out = append(out, a+"="+args[k+1])
				k++
				continue
			}
		}
		out = append(out, a)
	}
	return out
}

// attach adds the dashboard the flags ask for to a run's options: it
// listens and prints the page's address before the run starts, and
// returns a finish step for after the run, whatever happened: it writes
// the report and stops serving, or, with --hold after a good run, leaves
// the page to the command's end (see register).
func (f *dashFlags) attach(cmd *cobra.Command, job *pipeline.Job, opts []sched.Option) ([]sched.Option, func(error) error, error) {
	if f.addr == "" {
		if f.hold {
			return nil, nil, Usagef("--hold keeps the dashboard open: it needs --dashboard")
		}
		if f.report == "" {
			return opts, func(error) error { return nil }, nil
		}
	}
	stderr := cmd.ErrOrStderr()
	var report *pipeline.OutputFile
	if f.report != "" {
		var err error
		if report, err = pipeline.CreateOutput(f.report); err != nil {
			return nil, nil, err
		}
	}
	d := dashboard.New(dashboard.Options{Title: job.Pipeline, Targets: job.Targets, Profiler: diag.NewProfiler()})
	stop := func() {}
	if f.addr != "" {
		var err error
		if stop, err = f.serve(d, stderr); err != nil {
			if report != nil {
				report.Abort()
			}
			return nil, nil, err
		}
	}
	opts = append(opts, sched.WithHooks(d.Hooks()))
	return opts, func(runErr error) error {
		var err error
		if report != nil && (d.Snapshot().State == "waiting" || interrupted(cmd.Context())) {
			report.Abort() // the run failed before it began, or was stopped: nothing to show
		} else if report != nil {
			err = errors.Join(err, writeReport(d, report, f.report, stderr))
		}
		if f.hold && err == nil && runErr == nil {
			f.held = stop // after the report (see register)
		} else {
			stop()
		}
		return err
	}, nil
}

// serve listens on the flags' address and serves d in a goroutine that
// the returned stop ends and waits for.
func (f *dashFlags) serve(d *dashboard.Dashboard, stderr io.Writer) (stop func(), err error) {
	l, err := dashboard.Listen(f.addr, f.public)
	if errors.Is(err, dashboard.ErrNotLoopback) {
		return nil, &UsageError{fmt.Errorf("--dashboard %s: other machines could reach it; add --dashboard-public to serve it there", f.addr)}
	}
	if err != nil {
		return nil, err
	}
	if !dashboard.IsLoopback(f.addr) {
		fmt.Fprintf(stderr, "dashboard: warning: serving on %s, reachable from other machines: anyone who can reach it sees this run\n", l.Addr())
	}
	fmt.Fprintf(stderr, "dashboard: %s\n", pageURL(l.Addr()))
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		defer close(served)
		d.Serve(ctx, l)
	}()
	return func() { cancel(); <-served }, nil
}

// pageURL is the address a browser on this machine opens.
func pageURL(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if err != nil {
		return "http://" + a.String() + "/"
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}

func writeReport(d *dashboard.Dashboard, out *pipeline.OutputFile, path string, stderr io.Writer) error {
	if err := d.WriteReport(out); err != nil {
		out.Abort()
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	if err := out.Commit(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "dashboard: wrote %s\n", path)
	return nil
}

func init() { AddCommand(dashboardCmd) }

// dashboardCmd is "taskgraph dashboard PROFILE.json": the dashboard of a
// saved run (a profile or a trace), with a time scrubber.
func dashboardCmd() *cobra.Command {
	var addr, report string
	var public bool
	cmd := &cobra.Command{
		Use:   "dashboard PROFILE.json",
		Short: "Replay a saved run in the dashboard: a profile (run --profile) or a trace (run --trace)",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return Usagef("dashboard takes one profile or trace (written by taskgraph run --profile or --trace FILE.json)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			d, err := dashboard.Replay(f, dashboard.Options{Title: strings.TrimSuffix(args[0], ".json")})
			f.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if report != "" {
				out, err := pipeline.CreateOutput(report)
				if err != nil {
					return err
				}
				return writeReport(d, out, report, cmd.ErrOrStderr())
			}
			df := dashFlags{addr: addr, public: public}
			stop, err := df.serve(d, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.ErrOrStderr(), "dashboard: serving until Ctrl-C")
			<-cmd.Context().Done()
			stop()
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", defaultDashboardAddr, "address to serve the page at (port 0 picks a free one)")
	cmd.Flags().BoolVar(&public, "public", false, "let --addr be an address other machines can reach")
	cmd.Flags().StringVar(&report, "report", "", "write the replay as one self-contained .html file instead of serving it")
	return cmd
}
