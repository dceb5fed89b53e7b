package cluster

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// batchCluster is testCluster with a coordinator that gathers a burst of
// tasks for long enough that it surely travels in batches of batch.
func batchCluster(t testing.TB, workers, batch int) (*Cluster, *Local) {
	t.Helper()
	return openLocal(t, LocalOptions{Workers: workers, Worker: testWorker}, Options{Batch: batch, linger: 20 * time.Millisecond})
}

// published counts the task messages ever put in the stream.
func published(t testing.TB, c *Cluster) uint64 {
	info, err := c.tasks.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.LastSeq
}

// doneCounter counts the TaskDone events of each remote square task.
type doneCounter struct {
	mu    sync.Mutex
	count map[int]int // node ID → TaskDone events
}

func (d *doneCounter) hooks() sched.Hooks {
	d.count = map[int]int{}
	return sched.Hooks{TaskDone: func(e sched.TaskEvent) {
		if e.Name == "square" {
			d.mu.Lock()
			d.count[e.ID]++
			d.mu.Unlock()
		}
	}}
}

// once checks that each of the n squares was reported exactly once.
func (d *doneCounter) once(t *testing.T, n int) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range n {
		if k := d.count[nodeOfSquare(i)]; k != 1 {
			t.Errorf("square %d was reported %d times, want once", i, k)
		}
	}
}

// Without faults, a burst of tasks travels in few messages and gives the
// reference's result.
func TestBatchSquares(t *testing.T) {
	const n = 1000
	c, _ := batchCluster(t, 2, 16)
	var d doneCounter
	got, err := run(t, guard(t), c, noFaults(n, ""), sched.WithHooks(d.hooks()))
	if err != nil || got[0] != want(n) {
		t.Fatalf("got %v, %v; want %d", got, err, want(n))
	}
	d.once(t, n)
	if m := published(t, c); m > n/3 {
		t.Errorf("%d tasks took %d messages, want batches (of up to 16)", n, m)
	}
}

// A worker SIGKILLed in the middle of a batch: the batch is delivered
// again, split into single tasks; every task completes once, the killed
// one after running twice, and the result is the reference's.
func TestBatchKilledMidBatch(t *testing.T) {
	c, _ := batchCluster(t, 2, 64)
	p := noFaults(200, t.TempDir())
	p.KillOnce = 37
	var d doneCounter
	got, err := run(t, guard(t), c, p, sched.WithHooks(d.hooks()))
	if err != nil || got[0] != want(200) {
		t.Fatalf("got %v, %v; want %d", got, err, want(200))
	}
	d.once(t, 200)
	if r := runsOf(t, p.Dir, "ran", 37); r != 2 {
		t.Errorf("the killed task ran %d times, want 2", r)
	}
	for i := range 200 {
		if r := runsOf(t, p.Dir, "ran", i); r < 1 || r > 2 {
			t.Errorf("square %d ran %d times, want once or (beside the killed one) twice", i, r)
		}
	}
	if m := published(t, c); m >= 200 {
		t.Errorf("200 tasks took %d messages: they did not travel in batches", m)
	}
}

// A worker that dies after storing the result of a task in a batch and
// before acking the batch: that task is not run again.
func TestBatchDiesAfterStore(t *testing.T) { diesAt(t, dieAfterStoreEnv) }

// A worker that dies after storing a batch's results and acking it, but
// before sending them: the batch is not delivered again, and the run
// finds the results in the bucket (see Cluster.sweepIfQuiet).
func TestBatchDiesAfterAck(t *testing.T) {
	dir := diesAt(t, dieAfterAckEnv)
	if r := runsOf(t, dir, "acked", 0); r != 1 {
		t.Errorf("the worker died after the ack %d times, want 1", r)
	}
}

// diesAt runs 100 squares in batches with the worker that handles square
// 30 dying at the point env names, and checks that every task was
// reported once, with the right sum, and that square 30 ran only once.
// It returns the run's marker directory.
func diesAt(t *testing.T, env string) string {
	p := noFaults(100, t.TempDir())
	t.Setenv(env, p.Dir+" "+itoa(nodeOfSquare(30)))
	c, _ := batchCluster(t, 2, 64)
	var d doneCounter
	got, err := run(t, guard(t), c, p, sched.WithHooks(d.hooks()))
	if err != nil || got[0] != want(100) {
		t.Fatalf("got %v, %v; want %d", got, err, want(100))
	}
	d.once(t, 100)
	if r := runsOf(t, p.Dir, "ran", 30); r != 1 {
		t.Errorf("the task ran %d times, want 1", r)
	}
	return p.Dir
}

// A task that kills every worker it lands on, inside a batch: it alone
// fails, as poison, after MaxDeliver deliveries in all; the other tasks of
// its batch complete (keep-going).
func TestBatchPoison(t *testing.T) {
	c, _ := batchCluster(t, 2, 64)
	p := noFaults(40, t.TempDir())
	p.Poison = 9
	var d doneCounter
	_, err := run(t, guard(t), c, p, sched.KeepGoing(), sched.WithHooks(d.hooks()))
	var pe *PoisonError
	if !errors.As(err, &pe) || !strings.Contains(pe.Task, "square") || pe.Deliveries != testWorker.MaxDeliver {
		t.Fatalf("error %v, want a PoisonError naming the task after %d deliveries", err, testWorker.MaxDeliver)
	}
	if ids := failed(err); len(ids) != 1 || ids[0] != nodeOfSquare(9) {
		t.Errorf("failed tasks %v, want only square 9 (node %d)", ids, nodeOfSquare(9))
	}
	if r := runsOf(t, p.Dir, "ran", 9); r != testWorker.MaxDeliver {
		t.Errorf("the poison task ran %d times, want %d", r, testWorker.MaxDeliver)
	}
	d.once(t, 40)
}

// Cancelling a run whose tasks are running and queued in batches: the
// running ones see it, no task runs afterwards, and the queue empties.
func TestBatchCancel(t *testing.T) {
	c, _ := batchCluster(t, 1, 64)
	p := noFaults(100, t.TempDir())
	p.BlockFrom = 0
	ctx, cancel := context.WithCancel(guard(t))
	errc := make(chan error, 1)
	go func() { _, err := run(t, ctx, c, p); errc <- err }()
	waitFor(t, func() bool { return runsOf(t, p.Dir, "started", 0) >= testWorker.Concurrency })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	waitFor(t, func() bool { return queued(t, c) == 0 })
	waitFor(t, func() bool { return runsOf(t, p.Dir, "cancelled", 0) == runsOf(t, p.Dir, "started", 0) })
	if s := runsOf(t, p.Dir, "started", 0); s > 100 {
		t.Errorf("%d tasks started, more than the run has", s)
	}
}

// A run on a closed cluster fails with ErrClosed at once, and so does a
// task submitted after Close.
func TestSubmitAfterClose(t *testing.T) {
	c, _ := batchCluster(t, 1, 16)
	j, err := c.Job("squares", noFaults(40, ""))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	g, total := squares(noFaults(40, ""), remoteOpts()...)
	if _, err := sched.Compute(guard(t), total, sched.WithExecutor(j)); !errors.Is(err, ErrClosed) {
		t.Fatalf("error %v, want ErrClosed", err)
	}
	var got error
	j.Submit(guard(t), sched.Handoff{Graph: g, ID: nodeOfSquare(0), Name: "square", Task: graph.ExecutableOf(g).Task(nodeOfSquare(0))},
		func(r sched.Report) { got = r.Err })
	if !errors.Is(got, ErrClosed) {
		t.Fatalf("a task submitted after Close reported %v, want ErrClosed", got)
	}
}

// A message that a worker published again (a batch's task split out, or
// a task handed back) and that the server then gives up: the coordinator
// never saw its sequence, so it reads the message to know which of its
// tasks to fail. The test plays the workers: it answers their ping, takes
// the coordinator's message and publishes its task again as a split-out
// single, then lets that one's deliveries run out without an ack.
func TestPoisonOfRepublished(t *testing.T) {
	c, _ := openLocal(t, LocalOptions{NoWorkers: true}, Options{})
	ctx := guard(t)
	ping, err := c.nc.Subscribe(pingSubject+c.opts.build, func(m *nats.Msg) { m.Respond([]byte("test")) })
	if err != nil {
		t.Fatal(err)
	}
	defer ping.Unsubscribe()
	cons, err := setupConsumer(ctx, c.tasks, c.opts.build, timing{ackWait: 100 * time.Millisecond, maxDeliver: 1})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { _, err := run(t, ctx, c, noFaults(1, "")); errc <- err }()

	batch, err := cons.Next(jetstream.FetchMaxWait(20 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var b batchMsg
	if err := unmarshal(batch.Data(), &b); err != nil || len(b.Tasks) != 1 {
		t.Fatalf("the coordinator's message: %v, %d tasks", err, len(b.Tasks))
	}
	b.Prior = 1
	data, err := marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.js.Publish(ctx, batch.Subject(), data); err != nil {
		t.Fatal(err)
	}
	batch.Ack()
	for range deliveriesPerStart { // never acked: each delivery runs out
		if _, err := cons.Next(jetstream.FetchMaxWait(20 * time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	// The server gives the message up when it would deliver it once
	// more: to a pull that waits.
	for err == nil {
		select {
		case err = <-errc:
		default:
			if m, _ := cons.Next(jetstream.FetchMaxWait(200 * time.Millisecond)); m != nil {
				t.Fatal("the message was delivered beyond MaxDeliver")
			}
		}
	}
	var pe *PoisonError
	if !errors.As(err, &pe) || !strings.Contains(pe.Task, "square") || pe.Deliveries != deliveriesPerStart {
		t.Fatalf("error %v, want a PoisonError naming the task after %d deliveries", err, deliveriesPerStart)
	}
	waitFor(t, func() bool { return queued(t, c) == 0 })
}
