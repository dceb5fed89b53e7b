package cli

import (
	"context"
	"fmt"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/seed001e6470/taskgraph/cluster"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/tasks/pipeline"
)

// The registered pipelines as cluster jobs: a job's parameters are the
// pipeline's command-line arguments (pipeline.Args), from which a worker
// rebuilds the same graph. Made when first needed, after the program has
// registered its own pipelines (before Main).
var (
	jobsOnce sync.Once
	jobsReg  *cluster.Registry
)

func jobs() *cluster.Registry {
	jobsOnce.Do(func() { jobsReg = pipelineJobs() })
	return jobsReg
}

func pipelineJobs() *cluster.Registry {
	var r cluster.Registry
	for _, p := range pipeline.All() {
		err := cluster.Register(&r, p.Name, func(args []string) (*graph.Graph, error) {
			ps, err := p.Parse(args)
			if err != nil {
				return nil, err
			}
			// A run on a cluster gives its tasks graph.Remote (runPipeline),
			// and a pipeline may lay out another graph for a cluster
			// (generators folds its shares at once): the worker builds
			// with it too. The other task options change no structure.
			job, err := ps.Build(new(graph.Graph), graph.Remote())
			if err != nil {
				return nil, err
			}
			return job.Graph, nil
		})
		if err != nil {
			panic(err) // names are unique in the pipeline registry
		}
	}
	return &r
}

// serveIfWorker turns this process into a cluster worker when it was
// started as one (run --local-cluster re-executes the program): it then
// serves and exits, and returns only otherwise.
func serveIfWorker() { cluster.WorkerMain(jobs()) }

// clusterFlags are run's flags that send its remote tasks to a cluster.
type clusterFlags struct {
	url    string
	local  int
	resume string
}

func (f *clusterFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.url, "cluster", "", "run the remote tasks on the cluster at this NATS URL (see: taskgraph cluster, taskgraph worker)")
	fs.IntVar(&f.local, "local-cluster", 0, "run the remote tasks on this many worker processes of a local cluster, gone when the command exits")
	fs.StringVar(&f.resume, "resume", "", "with --cluster: name the run's coordinator, so that the same command run again after a crash takes the results already stored instead of running those tasks again")
}

// asked tells whether a cluster was asked for.
func (f *clusterFlags) asked() bool { return f.url != "" || f.local > 0 }

func (f *clusterFlags) check() error {
	if f.local < 0 {
		return &pipeline.ParamError{Flag: "local-cluster", Err: fmt.Errorf("must not be negative (got %d)", f.local)}
	}
	if f.local > 0 && f.url != "" {
		return &pipeline.ParamError{Flag: "local-cluster", Err: fmt.Errorf("--cluster and --local-cluster exclude each other")}
	}
	if f.resume != "" && f.url == "" {
		// A local cluster's server keeps its store in memory: nothing
		// outlives the command to resume from.
		return &pipeline.ParamError{Flag: "resume", Err: fmt.Errorf("needs --cluster URL: a local cluster's store is gone with the command")}
	}
	if strings.ContainsAny(f.resume, ".*> \t\r\n") {
		return &pipeline.ParamError{Flag: "resume", Err: fmt.Errorf("%q: a name without dots, spaces, '*' or '>'", f.resume)}
	}
	return nil
}

// open connects to the cluster the flags name and returns the executor for
// the job of params' pipeline, or no options when no cluster was asked for
// or no task of the job can run remotely (it would start workers for
// nothing).
func (f *clusterFlags) open(ctx context.Context, name string, params pipeline.Params, job *pipeline.Job) ([]sched.Option, func(), error) {
	if !f.asked() || !hasRemote(job.Graph) {
		return nil, func() {}, nil
	}
	c, err := cluster.Open(ctx, f.url, cluster.Options{Workers: f.local, Registry: jobs(), Name: f.resume})
	if err != nil {
		return nil, nil, err
	}
	j, err := c.Job(name, pipeline.Args(params))
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	return []sched.Option{sched.WithExecutor(j)}, func() { c.Close() }, nil
}

// hasRemote tells whether some task of g may run in another process.
func hasRemote(g *graph.Graph) bool {
	x := graph.ExecutableOf(g)
	if !x.HasOptions() {
		return false
	}
	for id := range x.Len() {
		if o, ok := x.Options(id); ok && o.Remote {
			return true
		}
	}
	return false
}

func init() {
	AddCommand(workerCmd)
	AddCommand(clusterCmd)
	EnvDefault("cluster", nil) // TASKGRAPH_CLUSTER: run's --cluster URL
}

// workerCmd is "taskgraph worker": serve a cluster's tasks until SIGTERM.
func workerCmd() *cobra.Command {
	var url string
	var o cluster.WorkerOptions
	cmd := &cobra.Command{
		Use:   "worker --nats URL",
		Short: "Run the tasks of a cluster (SIGTERM or Ctrl-C drains the worker)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if url == "" {
				return Usagef("worker needs --nats URL")
			}
			if o.Concurrency < 0 {
				return Usagef("--concurrency must not be negative (got %d)", o.Concurrency)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM)
			defer stop()
			fmt.Fprintf(cmd.ErrOrStderr(), "worker serving %s\n", url)
			return cluster.Serve(ctx, url, jobs(), o)
		},
	}
	cmd.Flags().StringVar(&url, "nats", "", "the cluster's NATS URL")
	cmd.Flags().IntVar(&o.Concurrency, "concurrency", 0, "tasks at once (0: one per core)")
	cmd.Flags().IntVar(&o.Prefetch, "prefetch", 0, "task messages held beyond those running (0: automatic, a few for tasks well under a millisecond; -1: none)")
	return cmd
}

// clusterCmd is "taskgraph cluster": a long-lived server, optionally with
// local workers, until SIGTERM or Ctrl-C.
func clusterCmd() *cobra.Command {
	var o cluster.LocalOptions
	cmd := &cobra.Command{
		Use:   "cluster [--listen HOST:PORT] [--store DIR] [--workers N]",
		Short: "Run a NATS server for workers and coordinators (and local workers) and print its URL",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Workers < 0 {
				return Usagef("--workers must not be negative (got %d)", o.Workers)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM)
			defer stop()
			o.NoWorkers = o.Workers == 0
			l, err := cluster.StartLocal(ctx, o)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), l.URL())
			<-ctx.Done()
			return l.Close()
		},
	}
	cmd.Flags().StringVar(&o.Listen, "listen", "127.0.0.1:4222", "host:port to listen on")
	cmd.Flags().StringVar(&o.StoreDir, "store", "", "directory for JetStream's data (default: a temporary one, in memory)")
	cmd.Flags().IntVar(&o.Workers, "workers", 0, "local worker processes to run beside the server")
	return cmd
}
