package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

var (
	// ErrNoWorkers: no worker of this program's build answered in time.
	ErrNoWorkers = errors.New("cluster: no worker of this build is connected")
	// ErrPoison: a task was delivered the maximum number of times and no
	// worker ever finished it (it killed its worker each time).
	ErrPoison = errors.New("cluster: task never finished on any worker")
	// ErrClosed: the cluster was closed while the task was queued.
	ErrClosed = errors.New("cluster: closed")
)

// Options configure Open. The zero value opens the given URL, or, with an
// empty URL, an embedded server and two local worker processes.
type Options struct {
	// Workers is how many local worker processes Open starts when it
	// starts the server itself (empty URL); default 2.
	Workers int
	// Registry, if set, is used to rebuild each job's graph on the
	// coordinator too, so that a builder that is not deterministic is an
	// error before anything is sent.
	Registry *Registry
	// WaitWorkers is how long Prepare waits for a worker of this build
	// to answer before it fails with ErrNoWorkers (default 10 s).
	WaitWorkers time.Duration
	// Worker configures the local workers (empty URL).
	Worker WorkerOptions

	build string // overrides BuildID (tests)
}

// Cluster is a connection of a coordinator to a cluster: it sends tasks
// and receives results. Its executors (see Job) plug into package sched.
// Close it when done; it is safe for concurrent use.
type Cluster struct {
	opts  Options
	id    string // this coordinator's key prefix
	nc    *nats.Conn
	js    jetstream.JetStream
	tasks jetstream.Stream
	kv    jetstream.KeyValue
	obj   jetstream.ObjectStore
	local *Local // the embedded server and its workers, if Open started them

	runs      atomic.Uint64
	inflight  inflight
	watcher   jetstream.KeyWatcher
	stopWatch chan struct{} // closed by Close: stops watchWorkers
	advisory  *nats.Subscription
	direct    *nats.Subscription // results sent by workers directly
	wg        sync.WaitGroup     // the watcher and the helpers it starts

	closeOnce sync.Once
	closeErr  error
}

// Open connects to the cluster at url. With an empty url it starts an
// embedded server and Options.Workers worker processes of this program
// (see Local), which Close stops again.
func Open(ctx context.Context, url string, opts Options) (*Cluster, error) {
	c := &Cluster{opts: opts, id: randomID()}
	if c.opts.WaitWorkers <= 0 {
		c.opts.WaitWorkers = 10 * time.Second
	}
	if c.opts.build == "" {
		b, err := BuildID()
		if err != nil {
			return nil, err
		}
		c.opts.build = b
	}
	if err := checkToken("build ID", c.opts.build); err != nil {
		return nil, err
	}
	if url == "" {
		l, err := StartLocal(ctx, LocalOptions{Workers: opts.Workers, Worker: opts.Worker, build: c.opts.build})
		if err != nil {
			return nil, err
		}
		c.local, url = l, l.URL()
	}
	if err := c.connect(ctx, url); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) connect(ctx context.Context, url string) error {
	nc, err := nats.Connect(url, nats.Name("taskgraph coordinator "+c.id))
	if err != nil {
		return fmt.Errorf("cluster: connect to %s: %w", url, err)
	}
	c.nc = nc
	c.js, err = jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(1<<14),
		jetstream.WithPublishAsyncAckHandler(c.published),
		jetstream.WithPublishAsyncErrHandler(c.publishFailed))
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	if c.tasks, c.kv, c.obj, err = setupLayout(ctx, c.js, defaultStorage); err != nil {
		return err
	}
	c.advisory, err = nc.Subscribe(maxDeliveriesAdvisory, c.poisoned)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	c.direct, err = nc.Subscribe(doneSubject+c.id, func(m *nats.Msg) {
		if p := c.inflight.take(m.Header.Get(keyHeader)); p != nil {
			c.deliver(p, m.Data)
		}
	})
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	c.watcher, err = c.kv.Watch(ctx, c.id+".>", jetstream.UpdatesOnly(), jetstream.IgnoreDeletes())
	if err != nil {
		return fmt.Errorf("cluster: watching results: %w", err)
	}
	c.wg.Go(c.receive)
	c.stopWatch = make(chan struct{})
	c.wg.Go(c.watchWorkers)
	return nil
}

// watchWorkers fails the queued tasks when no worker of this build has
// answered for WaitWorkers while tasks were pending: without it, a run
// whose workers all died would wait forever.
func (c *Cluster) watchWorkers() {
	every := min(c.opts.WaitWorkers/4, time.Second)
	tick := time.NewTicker(every)
	defer tick.Stop()
	lastSeen := time.Now()
	for {
		select {
		case <-c.stopWatch:
			return
		case <-tick.C:
		}
		if c.inflight.empty() {
			lastSeen = time.Now()
			continue
		}
		if _, err := c.nc.Request(pingSubject+c.opts.build, nil, every); err == nil {
			lastSeen = time.Now()
			continue
		}
		if time.Since(lastSeen) < c.opts.WaitWorkers {
			continue
		}
		for _, p := range c.inflight.takeAll() {
			p.fail(c, fmt.Errorf("%w (build %s): none answered for %v while task %s waited",
				ErrNoWorkers, c.opts.build, c.opts.WaitWorkers, p.name))
		}
	}
}

// URL is the address of the cluster's server.
func (c *Cluster) URL() string { return c.nc.ConnectedUrl() }

// Close fails every task still queued with ErrClosed, removes this
// coordinator's stored results, disconnects, and stops the local server
// and workers if Open started them. Closing again does nothing.
func (c *Cluster) Close() error {
	c.closeOnce.Do(func() { c.closeErr = c.close() })
	return c.closeErr
}

func (c *Cluster) close() error {
	for _, p := range c.inflight.takeAll() {
		c.nc.Publish(cancelSubject+c.opts.build, []byte(p.key))
		p.fail(c, ErrClosed)
	}
	if c.stopWatch != nil {
		close(c.stopWatch)
	}
	if c.watcher != nil {
		c.watcher.Stop()
	}
	if c.advisory != nil {
		c.advisory.Unsubscribe()
	}
	if c.direct != nil {
		c.direct.Unsubscribe()
	}
	c.wg.Wait()
	if c.kv != nil {
		c.purgeResults()
	}
	if c.nc != nil {
		c.nc.Close()
	}
	if c.local != nil {
		return c.local.Close()
	}
	return nil
}

// purgeResults removes every result stored for this coordinator.
func (c *Cluster) purgeResults() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if s, err := c.js.Stream(ctx, "KV_"+resultBucket); err == nil {
		s.Purge(ctx, jetstream.WithPurgeSubject("$KV."+resultBucket+"."+c.id+".>"))
	}
}

// receive turns stored results into reports until the watcher stops.
func (c *Cluster) receive() {
	for e := range c.watcher.Updates() {
		if e == nil {
			continue // the end of the (empty) initial values
		}
		p := c.inflight.take(e.Key())
		if p == nil {
			continue // a cancelled task's late result, or a duplicate
		}
		c.deliver(p, e.Value())
	}
}

// published records where a task message sits in the stream, so that it
// can be deleted if its task is cancelled, or found when the server gives
// it up. A task cancelled before its publish was acked is deleted now.
func (c *Cluster) published(_ jetstream.JetStream, m *nats.Msg, ack *jetstream.PubAck) {
	key := m.Header.Get(jetstream.MsgIDHeader)
	if !c.inflight.placed(key, ack.Sequence) {
		c.wg.Go(func() { c.deleteTask(ack.Sequence) })
	}
}

// publishFailed fails a task whose message the server did not take.
func (c *Cluster) publishFailed(_ jetstream.JetStream, m *nats.Msg, err error) {
	if p := c.inflight.take(m.Header.Get(jetstream.MsgIDHeader)); p != nil {
		p.fail(c, fmt.Errorf("cluster: queueing task %s: %w", p.name, err))
	}
}

func (c *Cluster) deleteTask(seq uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.tasks.DeleteMsg(ctx, seq) // gone already (taken and acked): nothing to do
}

// advisory is the part of the server's max-deliveries advisory we read.
type advisory struct {
	StreamSeq  uint64 `json:"stream_seq"`
	Deliveries int    `json:"deliveries"`
}

// poisoned fails the task whose message reached MaxDeliver and removes the
// message, which the server would otherwise keep.
func (c *Cluster) poisoned(m *nats.Msg) {
	var a advisory
	if json.Unmarshal(m.Data, &a) != nil || a.StreamSeq == 0 {
		return
	}
	p := c.inflight.takeSeq(a.StreamSeq)
	if p == nil {
		return // another coordinator's task
	}
	c.wg.Go(func() { c.deleteTask(a.StreamSeq) })
	p.fail(c, &PoisonError{Task: p.name, Deliveries: a.Deliveries})
}

// PoisonError reports a task that no worker finished: each delivery ended
// without a result (the worker died or hung). It matches ErrPoison.
type PoisonError struct {
	Task       string
	Deliveries int
}

func (e *PoisonError) Error() string {
	return fmt.Sprintf("cluster: task %s was delivered %d times and never finished (did it kill its worker?)", e.Task, e.Deliveries)
}

func (e *PoisonError) Is(target error) bool { return target == ErrPoison }

// RemoteError is a task's failure on a worker: the task's error text (its
// type does not travel) or its panic, kept as a *sched.PanicError with the
// worker's stack.
type RemoteError struct {
	Worker string
	Err    error
}

func (e *RemoteError) Error() string { return e.Err.Error() + " (on worker " + e.Worker + ")" }
func (e *RemoteError) Unwrap() error { return e.Err }

// ping waits until a worker of this build answers, at most WaitWorkers.
func (c *Cluster) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.opts.WaitWorkers)
	defer cancel()
	for {
		_, err := c.nc.RequestWithContext(ctx, pingSubject+c.opts.build, nil)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w (build %s, waited %v at %s)", ErrNoWorkers, c.opts.build, c.opts.WaitWorkers, c.nc.ConnectedUrl())
		}
		select { // no responders answers at once: wait before asking again
		case <-ctx.Done():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func randomID() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// checkToken makes sure s can be one token of a subject.
func checkToken(what, s string) error {
	if s == "" || strings.ContainsAny(s, ".*> \t\r\n") {
		return fmt.Errorf("cluster: %s %q cannot be part of a subject", what, s)
	}
	return nil
}
