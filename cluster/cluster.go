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
	// Batch is how many tasks of a job, submitted while others are
	// pending, may travel to a worker in one message (default 64; 1 sends
	// every task alone). Tasks of a batch run on one worker, so a job of
	// long tasks is better spread with a small Batch; short tasks go many
	// times faster in batches. A task submitted while nothing else is
	// pending is always sent at once.
	Batch int
	// PublishTimeout is how long a task message may wait for the
	// server's acknowledgement; after it, the message's tasks fail
	// (naming each) rather than the run waiting for a message the server
	// may never have taken (default 30 s).
	PublishTimeout time.Duration
	// Name, if set, makes the coordinator's runs resumable: a coordinator
	// that died (killed, its machine lost) and is opened again with the
	// same Name takes the results its predecessor's workers stored, for
	// a run of the same job, parameters and graph, instead of running
	// those tasks again; the tasks it left running deliver to the new
	// coordinator. Stored failures are run again. Results are kept until
	// the coordinator that stored them is closed (or the store's MaxAge):
	// Close means done. At most one coordinator of a Name may be open at
	// once, since results are addressed to it by name. Empty: a random
	// name per Open, nothing resumes.
	Name string

	build string // overrides BuildID (tests)
	// linger overrides lingerQuiet (tests: a burst then surely travels
	// in batches).
	linger time.Duration
}

// Cluster is a connection of a coordinator to a cluster: it sends tasks
// and receives results. Its executors (see Job) plug into package sched.
// Close it when done; it is safe for concurrent use.
type Cluster struct {
	opts Options
	id   string // this coordinator's key prefix
	// instance tells apart the message IDs of coordinators of one Name.
	instance string
	nc       *nats.Conn
	js       jetstream.JetStream
	tasks    jetstream.Stream
	kv       jetstream.KeyValue
	obj      jetstream.ObjectStore
	local    *Local // the embedded server and its workers, if Open started them

	runs       atomic.Uint64
	lastResult atomic.Int64  // when a result message last arrived (Unix ns)
	batches    atomic.Uint64 // message IDs
	closed     atomic.Bool   // set first thing by Close
	inflight   inflight
	out        outbox
	sweep      chan struct{} // cap 1: look up the stored results of pending tasks
	stop       chan struct{} // closed by Close: stops the goroutines below
	advisory   *nats.Subscription
	direct     *nats.Subscription // results sent by workers
	wg         sync.WaitGroup     // sender, sweeper, watchWorkers and their helpers

	closeOnce sync.Once
	closeErr  error
}

// Open connects to the cluster at url. With an empty url it starts an
// embedded server and Options.Workers worker processes of this program
// (see Local), which Close stops again.
func Open(ctx context.Context, url string, opts Options) (*Cluster, error) {
	c := &Cluster{opts: opts, id: randomID(), sweep: make(chan struct{}, 1), stop: make(chan struct{})}
	if opts.Name != "" {
		if err := checkToken("coordinator name", opts.Name); err != nil {
			return nil, err
		}
		// The name addresses results; message IDs must still differ from
		// those of the coordinator this one may follow, which the server
		// remembers for a while and would take for duplicates.
		c.id, c.instance = opts.Name, randomID()+"-"
	}
	c.out.wake = make(chan struct{}, 1)
	if c.opts.WaitWorkers <= 0 {
		c.opts.WaitWorkers = 10 * time.Second
	}
	if c.opts.Batch <= 0 {
		c.opts.Batch = defaultBatch
	}
	if c.opts.PublishTimeout <= 0 {
		c.opts.PublishTimeout = 30 * time.Second
	}
	if c.opts.linger <= 0 {
		c.opts.linger = lingerQuiet
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
	nc, err := nats.Connect(url, nats.Name("taskgraph coordinator "+c.id),
		// Results come as core NATS messages, which a broken connection
		// or a full subscription loses: then look the results up in
		// the bucket, where each is stored before it is sent.
		nats.ReconnectHandler(func(*nats.Conn) { c.sweepSoon() }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if errors.Is(err, nats.ErrSlowConsumer) {
				c.sweepSoon()
			}
		}))
	if err != nil {
		return fmt.Errorf("cluster: connect to %s: %w", url, err)
	}
	c.nc = nc
	c.js, err = jetstream.New(nc,
		jetstream.WithPublishAsyncMaxPending(1<<14),
		jetstream.WithPublishAsyncTimeout(c.opts.PublishTimeout),
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
	c.direct, err = nc.Subscribe(doneSubject+c.id, c.arrived)
	if err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	c.direct.SetPendingLimits(-1, -1) // never drop a result here
	c.wg.Go(func() { c.sendLoop(c.stop) })
	c.wg.Go(c.sweeper)
	c.wg.Go(c.watchWorkers)
	return nil
}

// arrived takes in a message of results from a worker, noting when (see
// sweepIfQuiet).
func (c *Cluster) arrived(m *nats.Msg) {
	c.lastResult.Store(time.Now().UnixNano())
	c.received(m)
}

// received takes in results that workers sent (or that the bucket
// holds, see sweepStored).
func (c *Cluster) received(m *nats.Msg) {
	var d doneMsg
	if err := unmarshal(m.Data, &d); err != nil || len(d.Keys) != len(d.Results) {
		return // not from a worker of ours: the tasks' stored results count
	}
	for i, k := range d.Keys {
		if p := c.inflight.take(k); p != nil {
			c.deliver(p, d.Results[i])
		}
	}
}

func (c *Cluster) sweepSoon() {
	select {
	case c.sweep <- struct{}{}:
	default:
	}
}

// sweeper delivers the stored results of pending tasks when asked to
// (results sent may have been lost), until Close.
func (c *Cluster) sweeper() {
	for {
		select {
		case <-c.stop:
			return
		case <-c.sweep:
		}
		c.sweepStored()
	}
}

func (c *Cluster) sweepStored() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c.eachStored(ctx, c.id+".>", func(e jetstream.KeyValueEntry) {
		if isGroupKey(e.Key()) {
			c.received(&nats.Msg{Data: e.Value()}) // a batch's results, stored together
		} else if p := c.inflight.take(e.Key()); p != nil {
			c.deliver(p, e.Value())
		}
	})
}

// eachStored calls fn with every result stored under the keys of pattern
// ("coordinator.>"), until all were seen; it fails if ctx ends or the
// cluster closes first.
func (c *Cluster) eachStored(ctx context.Context, pattern string, fn func(jetstream.KeyValueEntry)) error {
	w, err := c.kv.Watch(ctx, pattern, jetstream.IgnoreDeletes())
	if err != nil {
		return err
	}
	defer w.Stop()
	for {
		select {
		case <-c.stop:
			return ErrClosed
		case <-ctx.Done():
			return ctx.Err()
		case e, ok := <-w.Updates():
			if !ok || e == nil {
				return nil // all stored results seen
			}
			fn(e)
		}
	}
}

// isGroupKey tells whether a result key holds a batch's results, stored
// together under the batch's message ID (coordinator.run.g.N).
func isGroupKey(key string) bool { return strings.Contains(key, ".g.") }

// watchWorkers fails the queued tasks when no worker of this build has
// answered for WaitWorkers while tasks were pending: without it, a run
// whose workers all died would wait forever.
func (c *Cluster) watchWorkers() {
	every := min(c.opts.WaitWorkers/4, time.Second)
	tick := time.NewTicker(every)
	defer tick.Stop()
	lastSeen := time.Now()
	// The quiet is counted from the last result, or from when tasks
	// became pending, whichever is later.
	quiet, nextSweep, busySince := sweepQuiet, time.Time{}, time.Now()
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
		}
		if c.inflight.empty() {
			lastSeen, quiet, busySince = time.Now(), sweepQuiet, time.Now()
			continue
		}
		c.sweepIfQuiet(busySince, &quiet, &nextSweep)
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

// sweepQuiet is how long tasks may be pending with no result arriving
// before the stored results are looked up (see sweepIfQuiet).
const sweepQuiet = 2 * time.Second

// sweepIfQuiet looks up the stored results of pending tasks when none
// has arrived for *quiet (counted from busySince, when tasks became
// pending, at the earliest), and then less and less often (up to once a
// minute) while it stays quiet. A result sent as a message is lost when
// its worker dies between storing it (and acking the task) and sending
// it; the task is then never delivered again, and only the bucket has
// its result.
func (c *Cluster) sweepIfQuiet(busySince time.Time, quiet *time.Duration, next *time.Time) {
	now := time.Now()
	last := time.Unix(0, c.lastResult.Load())
	if busySince.After(last) {
		last = busySince
	}
	if now.Sub(last) < *quiet {
		*quiet = sweepQuiet
		return
	}
	if now.Before(*next) {
		return
	}
	c.sweepSoon()
	*next = now.Add(*quiet)
	*quiet = min(2**quiet, time.Minute)
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
	c.closed.Store(true) // before takeAll: a task added later sees it (see submit)
	for _, p := range c.inflight.takeAll() {
		if c.nc != nil {
			c.nc.Publish(cancelSubject+c.opts.build, []byte(p.key))
		}
		p.fail(c, ErrClosed)
	}
	close(c.stop)
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
		s.Purge(ctx, jetstream.WithPurgeSubject(resultSubjectPrefix+c.id+".>"))
		s.Purge(ctx, jetstream.WithPurgeSubject(resultSubjectPrefix+startsPrefix+c.id+".>"))
	}
}

// published records where a task message sits in the stream, so that it
// can be deleted if its tasks are cancelled, or found when the server
// gives it up. A message whose tasks were all cancelled before its
// publish was acked is deleted now.
func (c *Cluster) published(_ jetstream.JetStream, m *nats.Msg, ack *jetstream.PubAck) {
	if c.inflight.placed(m.Header.Get(jetstream.MsgIDHeader), ack.Sequence) {
		c.wg.Go(func() { c.deleteTask(ack.Sequence) })
	}
}

// publishFailed fails the tasks of a message the server did not take.
func (c *Cluster) publishFailed(_ jetstream.JetStream, m *nats.Msg, err error) {
	for _, p := range c.inflight.takeSent(m.Header.Get(jetstream.MsgIDHeader), 0) {
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

// poisoned fails the tasks whose message reached MaxDeliver and removes
// the message, which the server would otherwise keep. (A message of
// several tasks is split into single tasks when it is delivered again, so
// this is a single task, unless no worker managed to split it.)
func (c *Cluster) poisoned(m *nats.Msg) {
	var a advisory
	if json.Unmarshal(m.Data, &a) != nil || a.StreamSeq == 0 {
		return
	}
	ps := c.inflight.takeSent("", a.StreamSeq)
	if len(ps) == 0 {
		// Not a message this coordinator sent: another's, or one that a
		// worker published again (split, or handed back), whose tasks
		// only the message itself names.
		c.wg.Go(func() { c.poisonedMsg(a) })
		return
	}
	c.wg.Go(func() { c.deleteTask(a.StreamSeq) })
	for _, p := range ps {
		p.fail(c, &PoisonError{Task: p.name, Deliveries: a.Deliveries})
	}
}

// poisonedMsg fails this coordinator's pending tasks of the given-up
// message, read from the stream, and removes it.
func (c *Cluster) poisonedMsg(a advisory) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m, err := c.tasks.GetMsg(ctx, a.StreamSeq)
	if err != nil {
		return // gone already
	}
	var b batchMsg
	if unmarshal(m.Data, &b) != nil {
		return
	}
	ours := false
	for _, raw := range b.Tasks {
		var t taskMsg
		if unmarshal(raw, &t) != nil || coordinatorOf(t.Key) != c.id {
			continue
		}
		ours = true
		if p := c.inflight.take(t.Key); p != nil {
			p.fail(c, &PoisonError{Task: p.name, Deliveries: a.Deliveries})
		}
	}
	if ours {
		c.tasks.DeleteMsg(ctx, a.StreamSeq)
	}
}

// PoisonError reports a task that no worker finished: each try ended
// without a result (the worker died or hung). It matches ErrPoison.
type PoisonError struct {
	Task string
	// Deliveries is how many times the task was tried: started, when
	// the workers gave it up (WorkerOptions.MaxDeliver), or delivered,
	// when the server did (its workers kept dying before they started
	// it).
	Deliveries int
}

func (e *PoisonError) Error() string {
	return fmt.Sprintf("cluster: task %s was tried %d times and never finished (did it kill its worker?)", e.Task, e.Deliveries)
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
