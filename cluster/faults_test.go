package cluster

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// The jobs of these tests, registered in every process of the test
// program (init runs before TestMain, in the workers too).
func init() {
	must(Register(&testJobs, "gated", func(p gateParams) (*graph.Graph, error) {
		g, _ := gated(p, remoteOpts()...)
		return g, nil
	}))
	must(Register(&testJobs, "bigvalues", func(p bigParams) (*graph.Graph, error) {
		g, _ := bigValues(p, remoteOpts()...)
		return g, nil
	}))
}

// gateParams shape the "gated" job: N tasks, task i returning i·i once
// the file go-i appears in Dir (or failing when its context ends). A
// task leaves started-i when it begins and finished-i when it returns,
// so a test knows what ran in a worker and can let tasks finish in the
// order it chooses. The tasks are independent, or with Chain each takes
// the one before as its argument, so that only one is ever ready.
type gateParams struct {
	N     int
	Dir   string
	Chain bool
}

func gated(p gateParams, opts ...graph.Option) (*graph.Graph, []graph.Delayed[int]) {
	g := &graph.Graph{}
	ts := make([]graph.Delayed[int], p.N)
	for i := range ts {
		in := graph.Value(g, "i", i)
		if p.Chain && i > 0 {
			in = ts[i-1]
		}
		ts[i] = graph.CallCtx(g, "gated", p.task(i), in, opts...)
	}
	return g, ts
}

// task is gated task i; its argument only orders it.
func (p gateParams) task(i int) func(context.Context, int) (int, error) {
	return func(ctx context.Context, _ int) (int, error) {
		touch(p.Dir, "started", i)
		squaresParams{Dir: p.Dir}.mark("ran", i) // a line per run
		defer touch(p.Dir, "finished", i)
		for !exists(p.Dir, "go", i) {
			select {
			case <-ctx.Done():
				return 0, ctx.Err()
			case <-time.After(5 * time.Millisecond):
			}
		}
		return i * i, nil
	}
}

// touch creates the marker file what-i in dir.
func touch(dir, what string, i int) {
	if f, err := os.Create(filepath.Join(dir, what+"-"+itoa(i))); err == nil {
		f.Close()
	}
}

func exists(dir, what string, i int) bool {
	_, err := os.Stat(filepath.Join(dir, what+"-"+itoa(i)))
	return err == nil
}

// count is how many marker files what-* dir holds.
func count(dir, what string) int {
	ms, _ := filepath.Glob(filepath.Join(dir, what+"-*"))
	return len(ms)
}

// AsCompleted on a cluster yields each remote task's value as it
// finishes: the test lets one started task go at a time (the last-started
// of those running, so not in the order they were queued), and each time
// the next value is that task's, before any other is let go.
func TestAsCompletedRemote(t *testing.T) {
	c, _ := testCluster(t, 2)
	p := gateParams{N: 6, Dir: t.TempDir()}
	j, err := c.Job("gated", p)
	if err != nil {
		t.Fatal(err)
	}
	_, ts := gated(p, remoteOpts()...)
	type value struct {
		r   sched.Completed[int]
		err error
	}
	values := make(chan value)
	ctx, cancel := context.WithCancel(guard(t))
	var wg sync.WaitGroup
	wg.Go(func() { // AsCompleted runs as it is iterated: here, at once
		defer close(values)
		for r, err := range sched.AsCompleted(ctx, ts, sched.WithExecutor(j)) {
			values <- value{r, err}
		}
	})
	defer func() { // on a failure too: stop the run and wait for it
		cancel()
		for range values {
		}
		wg.Wait()
	}()
	released := map[int]bool{}
	var order []int
	for range p.N {
		var i int
		waitFor(t, func() bool { i = lastStarted(p, released); return i >= 0 })
		released[i] = true
		touch(p.Dir, "go", i)
		v, ok := <-values
		if !ok || v.err != nil || v.r.Index != i || v.r.Value != i*i {
			t.Fatalf("after letting task %d go: %+v, %v, %v; want its value %d", i, v.r, v.err, ok, i*i)
		}
		order = append(order, i)
	}
	if v, ok := <-values; ok {
		t.Fatalf("AsCompleted yielded more than the tasks: %+v", v)
	}
	t.Logf("tasks let go in the order %v", order)
}

// lastStarted is the highest-numbered task that started and was not let
// go yet, or -1.
func lastStarted(p gateParams, released map[int]bool) int {
	for i := p.N - 1; i >= 0; i-- {
		if !released[i] && exists(p.Dir, "started", i) {
			return i
		}
	}
	return -1
}

// bigParams shape the "bigvalues" job: a local task makes N large
// numbers (each takes 9 bytes of CBOR, so 100,000 make 900 KB, over the
// 512 KiB that travel inline); a remote task gets them as its argument
// and returns them shifted by one, again too large to travel inline.
type bigParams struct{ N int }

func bigValues(p bigParams, opts ...graph.Option) (*graph.Graph, graph.Delayed[[]int64]) {
	g := &graph.Graph{}
	big := graph.Source(g, "big", func(context.Context) ([]int64, error) {
		xs := make([]int64, p.N)
		for i := range xs {
			xs[i] = 1<<40 + int64(i)
		}
		return xs, nil
	})
	return g, graph.Call(g, "shift", func(xs []int64) []int64 {
		out := make([]int64, len(xs))
		for i, x := range xs {
			out[i] = x + 1
		}
		return out
	}, big, opts...)
}

// An argument and a result over 512 KiB travel through the object store,
// arrive whole, and are removed from it once the task is done.
func TestBigValuesThroughObjectStore(t *testing.T) {
	c, _ := testCluster(t, 1)
	ctx := guard(t)
	seen := watchObjects(t, ctx, c)
	p := bigParams{N: 100_000}
	j, err := c.Job("bigvalues", p)
	if err != nil {
		t.Fatal(err)
	}
	_, shifted := bigValues(p, remoteOpts()...)
	got, err := sched.Compute(ctx, shifted, sched.WithExecutor(j))
	if err != nil {
		t.Fatal(err)
	}
	_, ref := bigValues(p)
	want, err := sched.Compute(ctx, ref, sched.Workers(1))
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("the remote result differs from the local one (%d values, %v)", len(got), err)
	}
	names := seen()
	if !slices.ContainsFunc(names, isArgumentObject) || !slices.ContainsFunc(names, func(n string) bool { return !isArgumentObject(n) }) {
		t.Fatalf("objects stored: %v; want the argument's and the result's", names)
	}
	waitFor(t, func() bool {
		_, err := c.obj.List(ctx)
		return errors.Is(err, jetstream.ErrNoObjectsFound)
	})
}

// isArgumentObject tells an argument's object (key.a<node>) from a
// result's (key).
func isArgumentObject(name string) bool {
	i := strings.LastIndex(name, ".")
	return i >= 0 && strings.HasPrefix(name[i+1:], "a")
}

// watchObjects records the names of the objects put into c's value store
// from now on; the returned function lists them so far.
func watchObjects(t *testing.T, ctx context.Context, c *Cluster) func() []string {
	w, err := c.obj.Watch(ctx, jetstream.UpdatesOnly())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var names []string
	var wg sync.WaitGroup
	wg.Go(func() {
		for info := range w.Updates() {
			if info != nil && !info.Deleted {
				mu.Lock()
				names = append(names, info.Name)
				mu.Unlock()
			}
		}
	})
	t.Cleanup(func() { w.Stop(); wg.Wait() })
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(names)
	}
}

// serverOnly starts an embedded server with no workers and a coordinator
// that gives up on workers after wait; the test starts its own workers
// (startWorker), which nothing restarts.
func serverOnly(t *testing.T, wait time.Duration) (*Cluster, *Local) {
	t.Helper()
	return openLocal(t, LocalOptions{NoWorkers: true}, Options{WaitWorkers: wait})
}

// proc is a worker process of the test program that a test started.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when it exited
	err  error         // its exit, once done is closed
}

// startWorker starts the test binary as a worker of url with the given
// slots, AckWait 1 s and MaxDeliver 3 (as testWorker); cleanup kills it
// if it is still running.
func startWorker(t *testing.T, url string, slots int, env ...string) *proc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), WorkerEnv+"="+url, concurrencyEnv+"="+itoa(slots), ackWaitEnv+"=1000", maxDeliverEnv+"=3")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &proc{cmd: cmd, done: make(chan struct{})}
	go func() { w.err = cmd.Wait(); close(w.done) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-w.done })
	return w
}

// When every worker vanishes in the middle of a run (none is restarted),
// the run fails with ErrNoWorkers, naming a task that waited, after
// WaitWorkers: a clear error, not a hang.
func TestAllWorkersVanish(t *testing.T) {
	c, l := serverOnly(t, 2*time.Second)
	ws := []*proc{startWorker(t, l.URL(), 2), startWorker(t, l.URL(), 2)}
	p := noFaults(6, t.TempDir())
	p.BlockFrom = 0 // every task waits for its cancellation
	errc := make(chan error, 1)
	go func() { _, err := run(t, guard(t), c, p); errc <- err }()
	waitFor(t, func() bool { return runsOf(t, p.Dir, "started", 0) >= 2 })
	for _, w := range ws {
		w.cmd.Process.Kill()
		<-w.done
	}
	err := <-errc
	if !errors.Is(err, ErrNoWorkers) || !strings.Contains(err.Error(), "square") {
		t.Fatalf("error %v, want ErrNoWorkers naming a square task", err)
	}
}

// sigtermMarkEnv, set in a worker's environment to a directory, makes the
// worker leave the file sigterm-0 there when SIGTERM reaches it.
const sigtermMarkEnv = "TASKGRAPH_TEST_SIGTERM_MARK"

func init() {
	dir := os.Getenv(sigtermMarkEnv)
	if dir == "" || os.Getenv(WorkerEnv) == "" {
		return
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	go func() { // the process's lifetime: it exits when the worker drained
		<-sig
		touch(dir, "sigterm", 0)
	}()
}

// A worker given SIGTERM drains: the task it is running finishes and its
// result is stored (the run receives it), it takes no new task (the next
// one of the chain, queued once the first one's result is in), and it
// exits with status 0. A second worker then finishes the run.
func TestWorkerDrainsOnSIGTERM(t *testing.T) {
	c, l := serverOnly(t, 30*time.Second)
	p := gateParams{N: 3, Dir: t.TempDir(), Chain: true}
	first := startWorker(t, l.URL(), 1, sigtermMarkEnv+"="+p.Dir)
	j, err := c.Job("gated", p)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	done := map[int]string{} // task ID → the worker that ran it
	hooks := sched.Hooks{TaskDone: func(e sched.TaskEvent) {
		if e.State == sched.Done {
			mu.Lock()
			done[e.ID] = e.Where
			mu.Unlock()
		}
	}}
	_, ts := gated(p, remoteOpts()...)
	type result struct {
		v   int
		err error
	}
	resc := make(chan result, 1)
	go func() {
		v, err := sched.Compute(guard(t), ts[p.N-1], sched.WithExecutor(j), sched.WithHooks(hooks))
		resc <- result{v, err}
	}()
	waitFor(t, func() bool { return exists(p.Dir, "started", 0) })
	first.cmd.Process.Signal(syscall.SIGTERM)
	waitFor(t, func() bool { return exists(p.Dir, "sigterm", 0) })
	touch(p.Dir, "go", 0)
	<-first.done
	if first.err != nil {
		t.Fatalf("the drained worker exited with %v, want status 0", first.err)
	}
	mu.Lock()
	where, stored := done[ts[0].ID()]
	mu.Unlock()
	if !stored || !strings.HasSuffix(where, "/"+itoa(first.cmd.Process.Pid)) {
		t.Fatalf("the task running at SIGTERM: stored %v, by %q; want it stored by worker %d", stored, where, first.cmd.Process.Pid)
	}
	if n := count(p.Dir, "started"); n != 1 {
		t.Fatalf("%d tasks started on the draining worker, want only the one running at SIGTERM", n)
	}
	for i := range p.N {
		touch(p.Dir, "go", i)
	}
	startWorker(t, l.URL(), 2)
	r := <-resc
	if want := (p.N - 1) * (p.N - 1); r.err != nil || r.v != want {
		t.Fatalf("the run gave %v, %v; want %d", r.v, r.err, want)
	}
}
