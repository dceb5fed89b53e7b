package cluster

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/sched"
)

// A worker holds the messages it prefetched as firmly as those it runs:
// it heartbeats them from the moment they arrive. One worker of one slot
// and a prefetch of two takes all three tasks of a run, runs the first
// for three AckWaits while the other two wait behind it, and meanwhile a
// second worker is there to take anything delivered again. Nothing is:
// the consumer redelivers no message, every task runs exactly once, and
// all on the first worker.
func TestPrefetchedNotRedelivered(t *testing.T) {
	c, l := openLocal(t, LocalOptions{NoWorkers: true}, Options{WaitWorkers: 30 * time.Second, Batch: 1}) // a message each
	p := gateParams{N: 3, Dir: t.TempDir()}
	first := startWorker(t, l.URL(), 1, prefetchEnv+"=2")
	j, err := c.Job("gated", p)
	if err != nil {
		t.Fatal(err)
	}
	_, ts := gated(p, remoteOpts()...)
	var mu sync.Mutex
	var where [3]string // the worker that ran each task
	hooks := sched.Hooks{TaskDone: func(e sched.TaskEvent) {
		mu.Lock()
		defer mu.Unlock()
		for i, d := range ts {
			if d.ID() == e.ID && e.State == sched.Done {
				where[i] = e.Where
			}
		}
	}}
	type result struct {
		vs  []int
		err error
	}
	resc := make(chan result, 1)
	go func() {
		vs, err := sched.ComputeAll(guard(t), ts, sched.WithExecutor(j), sched.WithHooks(hooks))
		resc <- result{vs, err}
	}()
	// The first worker holds all three: one runs, two are prefetched.
	waitFor(t, func() bool {
		info, err := consumerInfo(c)
		return err == nil && count(p.Dir, "started") == 1 && info.NumAckPending == p.N && info.NumPending == 0
	})
	startWorker(t, l.URL(), 2)
	time.Sleep(3 * time.Second) // three times the workers' AckWait
	info, err := consumerInfo(c)
	if err != nil {
		t.Fatal(err)
	}
	if info.NumRedelivered != 0 {
		t.Errorf("%d messages delivered again while the first worker held them", info.NumRedelivered)
	}
	for i := range p.N {
		touch(p.Dir, "go", i)
	}
	r := <-resc
	if r.err != nil || len(r.vs) != p.N || r.vs[0] != 0 || r.vs[1] != 1 || r.vs[2] != 4 {
		t.Fatalf("the run gave %v, %v; want [0 1 4]", r.vs, r.err)
	}
	pid := "/" + itoa(first.cmd.Process.Pid)
	mu.Lock()
	defer mu.Unlock()
	for i := range p.N {
		if n := runsOf(t, p.Dir, "ran", i); n != 1 {
			t.Errorf("task %d ran %d times, want once", i, n)
		}
		if !strings.HasSuffix(where[i], pid) {
			t.Errorf("task %d ran on %q, want the first worker (pid %d)", i, where[i], first.cmd.Process.Pid)
		}
	}
}

// A task that kills its worker among single tasks that the workers
// prefetch: each death takes down the messages waiting in the worker
// with it, and they are delivered again, but only starts count towards
// MaxDeliver, so the poison task alone fails, after MaxDeliver starts,
// and the others complete.
func TestPoisonAmongPrefetched(t *testing.T) {
	opts := testWorker
	opts.Prefetch = 16
	c, _ := openLocal(t, LocalOptions{Workers: 2, Worker: opts}, Options{Batch: 1})
	p := noFaults(60, t.TempDir())
	p.Poison = 7
	_, err := run(t, guard(t), c, p, sched.KeepGoing())
	var pe *PoisonError
	if !errors.As(err, &pe) || pe.Deliveries != testWorker.MaxDeliver {
		t.Fatalf("error %v, want a PoisonError after %d deliveries", err, testWorker.MaxDeliver)
	}
	if ids := failed(err); len(ids) != 1 || ids[0] != nodeOfSquare(7) {
		t.Errorf("failed tasks %v, want only square 7 (node %d)", ids, nodeOfSquare(7))
	}
	if r := runsOf(t, p.Dir, "ran", 7); r != testWorker.MaxDeliver {
		t.Errorf("the poison task ran %d times, want %d", r, testWorker.MaxDeliver)
	}
}

// A worker's pulls never go stale: through runs of single tasks and the
// pauses between them, long enough for the prefetch requests (200 ms) and
// then the slots' (the pull expiry) to expire at the server, the worker
// keeps its count of what it asked for right, so it always has a request
// parked and never waits for its watch to notice the server's silence
// (it would say so in its log). A worker that lost count would instead
// stop asking, and the run would hang (guard).
func TestNoStalledPulls(t *testing.T) {
	c, l := openLocal(t, LocalOptions{NoWorkers: true}, Options{Batch: 1})
	var log lockedBuffer
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- Serve(ctx, l.URL(), &testJobs, WorkerOptions{Concurrency: 2, AckWait: time.Second,
			Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	}()
	defer func() {
		stop()
		if err := <-served; err != nil {
			t.Error(err)
		}
	}()
	p := noFaults(400, "")
	for i, pause := range []time.Duration{0, 300 * time.Millisecond, 0, defaultTiming.expiry + time.Second, 0, 300 * time.Millisecond} {
		time.Sleep(pause)
		got, err := run(t, guard(t), c, p)
		if err != nil || got[0] != want(p.N) {
			t.Fatalf("run %d: %v, %v; want %d", i, got, err, want(p.N))
		}
	}
	if s := log.String(); strings.Contains(s, "pull") {
		t.Fatalf("the worker logged trouble with its pulls:\n%s", s)
	}
}

// lockedBuffer is a bytes.Buffer that a logger and a test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Cancelling a run whose tasks a worker holds prefetched: the running
// ones see it, those waiting in the worker are dropped (one that a slot
// took before its cancellation arrived sees it too), and the worker acks
// every message it held, so none is delivered again.
func TestCancelPrefetched(t *testing.T) {
	opts := testWorker
	opts.Prefetch = 8
	c, _ := openLocal(t, LocalOptions{Workers: 1, Worker: opts}, Options{Batch: 1})
	p := noFaults(30, t.TempDir())
	p.BlockFrom = 0
	ctx, cancel := context.WithCancel(guard(t))
	errc := make(chan error, 1)
	go func() { _, err := run(t, ctx, c, p); errc <- err }()
	pending := func() int {
		info, err := consumerInfo(c)
		if err != nil {
			return -1 // no worker has made the consumer yet
		}
		return info.NumAckPending
	}
	// Its two slots run a task each and it holds eight more.
	waitFor(t, func() bool { return runsOf(t, p.Dir, "started", 0) >= 2 && pending() == 2+opts.Prefetch })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	waitFor(t, func() bool { return runsOf(t, p.Dir, "cancelled", 0) == runsOf(t, p.Dir, "started", 0) })
	waitFor(t, func() bool { return pending() == 0 && queued(t, c) == 0 })
	t.Logf("%d of the %d tasks the worker held started", runsOf(t, p.Dir, "started", 0), 2+opts.Prefetch)
}

// An automatic prefetch that took long tasks, measuring short ones, hands
// them back: a worker of one slot, having run many trivial tasks, takes
// all three tasks of a run that then wait for the test; the two it
// cannot start go back to the queue after a heartbeat's tick, so that a
// second worker, started only then, runs them while the first still
// blocks. Every task runs once and the values are right.
func TestPrefetchHandsBack(t *testing.T) {
	c, l := openLocal(t, LocalOptions{NoWorkers: true}, Options{Batch: 1, WaitWorkers: 30 * time.Second})
	// Its tick is AckWait/4: a second, so that the test sees it hold all
	// three before it hands any back (a message goes back once it waited
	// a whole tick).
	startWorker(t, l.URL(), 1, ackWaitEnv+"=4000")
	if got, err := run(t, guard(t), c, noFaults(300, "")); err != nil || got[0] != want(300) {
		t.Fatalf("the trivial run: %v, %v", got, err)
	}
	p := gateParams{N: 3, Dir: t.TempDir()}
	j, err := c.Job("gated", p)
	if err != nil {
		t.Fatal(err)
	}
	_, ts := gated(p, remoteOpts()...)
	resc := make(chan error, 1)
	var vs []int
	go func() {
		var err error
		vs, err = sched.ComputeAll(guard(t), ts, sched.WithExecutor(j))
		resc <- err
	}()
	// The first worker holds all three: one runs, two wait.
	waitFor(t, func() bool {
		info, err := consumerInfo(c)
		return err == nil && count(p.Dir, "started") == 1 && info.NumAckPending == p.N && info.NumPending == 0
	})
	startWorker(t, l.URL(), 2, ackWaitEnv+"=4000") // the consumer's AckWait is the last worker's
	waitFor(t, func() bool { return count(p.Dir, "started") >= 3 })
	for i := range p.N {
		touch(p.Dir, "go", i)
	}
	if err := <-resc; err != nil || len(vs) != p.N || vs[2] != 4 {
		t.Fatalf("the run gave %v, %v", vs, err)
	}
	for i := range p.N {
		if r := runsOf(t, p.Dir, "ran", i); r != 1 {
			t.Errorf("task %d ran %d times, want 1", i, r)
		}
	}
}
