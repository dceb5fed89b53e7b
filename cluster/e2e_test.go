package cluster

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/codec"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// run computes the squares job on c and returns the sum.
func run(t testing.TB, ctx context.Context, c *Cluster, p squaresParams, opts ...sched.Option) ([]int64, error) {
	t.Helper()
	j, err := c.Job("squares", p)
	if err != nil {
		t.Fatal(err)
	}
	_, total := squares(p, remoteOpts()...)
	return sched.Compute(ctx, total, append(opts, sched.WithExecutor(j))...)
}

// want is the serial reference: the sum of the squares below n.
func want(n int) int64 {
	var s int64
	for i := range n {
		s += int64(i) * int64(i)
	}
	return s
}

func TestSquares(t *testing.T) {
	c, _ := testCluster(t, 2)
	ctx := guard(t)
	for _, n := range []int{1, 10, 200} {
		got, err := run(t, ctx, c, noFaults(n, ""))
		if err != nil || got[0] != want(n) {
			t.Fatalf("%d squares: %v, %v; want %d", n, got, err, want(n))
		}
	}
}

// Results over 512 KiB travel through the object store.
func TestBigResults(t *testing.T) {
	if data, _ := marshal(squareValue(3, true)); len(data) <= inlineLimit {
		t.Fatalf("a big result encodes to %d bytes, which travel inline", len(data))
	}
	c, _ := testCluster(t, 1)
	p := noFaults(3, "")
	p.Big = true
	got, err := run(t, guard(t), c, p)
	if err != nil || got[0] != want(3) {
		t.Fatalf("got %v, %v; want %d", got, err, want(3))
	}
}

func TestRemoteErrorAndPanic(t *testing.T) {
	c, _ := testCluster(t, 1)
	p := noFaults(4, "")
	p.Fail, p.Panic = 1, 2
	_, err := run(t, guard(t), c, p, sched.KeepGoing())
	var te *sched.TaskError
	if !errors.As(err, &te) {
		t.Fatalf("error %v is no TaskError", err)
	}
	var re *RemoteError
	if !errors.As(err, &re) || !strings.Contains(re.Worker, "/") {
		t.Fatalf("error %v does not name its worker", err)
	}
	if !strings.Contains(err.Error(), "square 1 failed") {
		t.Errorf("error %q lost the task's message", err)
	}
	var pe *sched.PanicError
	if !errors.As(err, &pe) || !strings.Contains(string(pe.Stack), "square") {
		t.Errorf("the panic's stack was not kept: %v", err)
	}
}

// A worker SIGKILLed in the middle of a task: the task is delivered again
// and the run's result is the same.
func TestWorkerKilledMidTask(t *testing.T) {
	c, _ := testCluster(t, 2)
	p := noFaults(20, t.TempDir())
	p.KillOnce = 7
	got, err := run(t, guard(t), c, p)
	if err != nil || got[0] != want(20) {
		t.Fatalf("got %v, %v; want %d", got, err, want(20))
	}
	if r := runsOf(t, p.Dir, "ran", 7); r != 2 {
		t.Errorf("the killed task ran %d times, want 2", r)
	}
}

// A worker that dies after storing a result and before acking: the task
// is delivered again but not run again.
func TestDiesAfterStore(t *testing.T) {
	p := noFaults(10, t.TempDir())
	t.Setenv(dieAfterStoreEnv, p.Dir+" "+itoa(nodeOfSquare(4)))
	c, _ := testCluster(t, 2)
	got, err := run(t, guard(t), c, p)
	if err != nil || got[0] != want(10) {
		t.Fatalf("got %v, %v; want %d", got, err, want(10))
	}
	if r := runsOf(t, p.Dir, "ran", 4); r != 1 {
		t.Errorf("the task ran %d times, want 1", r)
	}
}

// A task that kills every worker it lands on: after MaxDeliver deliveries
// the run fails, naming it.
func TestPoison(t *testing.T) {
	c, _ := testCluster(t, 2)
	p := noFaults(5, t.TempDir())
	p.Poison = 3
	_, err := run(t, guard(t), c, p)
	var pe *PoisonError
	if !errors.As(err, &pe) || !errors.Is(err, ErrPoison) || !strings.Contains(pe.Task, "square") {
		t.Fatalf("error %v, want a PoisonError naming the task", err)
	}
	if r := runsOf(t, p.Dir, "ran", 3); r != testWorker.MaxDeliver {
		t.Errorf("the poison task ran %d times, want %d", r, testWorker.MaxDeliver)
	}
}

// A task whose message kills every worker it is delivered to, before the
// task starts: it never counts a start, so the workers never give it up;
// the server does, after deliveriesPerStart deliveries per start allowed,
// and the run fails naming it. (It is the only remote task: a worker that
// dies takes down the messages it holds, and with one start allowed, the
// next delivery of any of them is its last.)
func TestPoisonBeforeStart(t *testing.T) {
	t.Setenv(dieOnDeliveryEnv, itoa(nodeOfSquare(0)))
	opts := testWorker
	opts.MaxDeliver = 1
	c, _ := openLocal(t, LocalOptions{Workers: 2, Worker: opts}, Options{})
	p := noFaults(1, t.TempDir())
	_, err := run(t, guard(t), c, p)
	var pe *PoisonError
	if !errors.As(err, &pe) || !strings.Contains(pe.Task, "square") || pe.Deliveries != deliveriesPerStart {
		t.Fatalf("error %v, want a PoisonError naming the task after %d deliveries", err, deliveriesPerStart)
	}
	if r := runsOf(t, p.Dir, "ran", 0); r != 0 {
		t.Errorf("the task ran %d times, want 0", r)
	}
}

// Retries are honoured for remote tasks: each attempt is a new delivery.
func TestRetries(t *testing.T) {
	c, _ := testCluster(t, 1)
	p := noFaults(5, t.TempDir())
	p.FailOnce, p.Retries = 2, 1
	got, err := run(t, guard(t), c, p)
	if err != nil || got[0] != want(5) {
		t.Fatalf("got %v, %v; want %d", got, err, want(5))
	}
}

// A remote task's timeout ends its attempt: the task on the worker sees
// its context cancelled, and the run fails with the deadline.
func TestTimeout(t *testing.T) {
	c, _ := testCluster(t, 1)
	p := noFaults(3, t.TempDir())
	p.BlockFrom, p.Timeout = 2, 300*time.Millisecond
	_, err := run(t, guard(t), c, p)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v, want the deadline", err)
	}
	waitFor(t, func() bool { return runsOf(t, p.Dir, "cancelled", 0) == 1 })
}

// Cancelling the run cancels the running remote task and removes the
// queued ones; Compute returns at once.
func TestCancel(t *testing.T) {
	c, _ := testCluster(t, 1)
	p := noFaults(50, t.TempDir())
	p.BlockFrom = 0
	ctx, cancel := context.WithCancel(guard(t))
	errc := make(chan error, 1)
	go func() { _, err := run(t, ctx, c, p, sched.Workers(1)); errc <- err }()
	waitFor(t, func() bool { return runsOf(t, p.Dir, "started", 0) > 0 })
	start := time.Now()
	cancel()
	err := <-errc
	returned := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	waitFor(t, func() bool { return runsOf(t, p.Dir, "cancelled", 0) == runsOf(t, p.Dir, "started", 0) })
	t.Logf("Compute returned %v after cancel; the remote task saw it after %v", returned, time.Since(start))
	waitFor(t, func() bool { return queued(t, c) == 0 })
}

// hidden cannot travel: its y would arrive as 0.
type hidden struct {
	X int
	y int
}

// A remote task whose result cannot travel fails the run before anything
// runs, naming the task and the field.
func TestPrepareTypeError(t *testing.T) {
	c, _ := testCluster(t, 1)
	j, err := c.Job("squares", noFaults(1, ""))
	if err != nil {
		t.Fatal(err)
	}
	g := &graph.Graph{}
	bad := graph.Call(g, "opaque", func(x int) hidden { return hidden{X: x} }, graph.Value(g, "x", 1), graph.Remote())
	_, err = sched.Compute(guard(t), bad, sched.WithExecutor(j))
	var te *TypeError
	if !errors.As(err, &te) || !strings.Contains(te.Task, "opaque") || te.Path != ".y" {
		t.Fatalf("error %v, want a TypeError naming opaque and .y", err)
	}
	if ce := (*codec.TypeError)(nil); !errors.As(err, &ce) || ce.Type != reflect.TypeFor[hidden]() {
		t.Errorf("error %v does not unwrap to the codec's TypeError of hidden", err)
	}
}

// A graph that is not what the job's builder makes is refused before
// anything is sent.
func TestPrepareMismatch(t *testing.T) {
	c, _ := testCluster(t, 1)
	j, err := c.Job("squares", noFaults(3, ""))
	if err != nil {
		t.Fatal(err)
	}
	_, total := squares(noFaults(4, ""), remoteOpts()...)
	if _, err := sched.Compute(guard(t), total, sched.WithExecutor(j)); !errors.Is(err, ErrMismatch) {
		t.Fatalf("error %v, want ErrMismatch", err)
	}
}

// Hooks see remote tasks too, with the worker that ran each; local tasks
// have no Where.
func TestHooksWhere(t *testing.T) {
	c, _ := testCluster(t, 2)
	var mu sync.Mutex
	where := map[string]map[string]bool{} // task name → workers
	hooks := sched.Hooks{TaskDone: func(e sched.TaskEvent) {
		mu.Lock()
		defer mu.Unlock()
		if where[e.Name] == nil {
			where[e.Name] = map[string]bool{}
		}
		where[e.Name][e.Where] = true
	}}
	if _, err := run(t, guard(t), c, noFaults(20, ""), sched.WithHooks(hooks)); err != nil {
		t.Fatal(err)
	}
	for w := range where["square"] {
		if !strings.Contains(w, "/") {
			t.Errorf("a remote task's Where is %q, want host/pid", w)
		}
	}
	if len(where["sum"]) != 1 || !where["sum"][""] {
		t.Errorf("local tasks' Where: %v, want only \"\"", where["sum"])
	}
}
