package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/seed001e6470/taskgraph/codec"
	"github.com/seed001e6470/taskgraph/graph"
)

// WorkerOptions configure Serve. The zero value is a worker of this
// program's build that runs GOMAXPROCS tasks at once.
type WorkerOptions struct {
	// Concurrency is how many tasks the worker runs at once (default
	// GOMAXPROCS).
	Concurrency int
	// Prefetch is how many task messages the worker holds beyond those
	// its slots run. Small tasks sent one per message go faster with
	// some: a pull from the server then brings several, and a slot that
	// finishes finds the next task waiting. A prefetched message is the
	// worker's as much as a running one: it is heartbeated from its
	// delivery on, so it is not delivered elsewhere however long it
	// waits, and if a task kills the worker, the messages that waited are
	// delivered again without counting towards MaxDeliver. But it waits
	// for this worker's slots while another worker may be idle. The
	// default (0) follows the tasks: the worker holds as many messages
	// more as its slots get through in about a millisecond (at most 16),
	// which is none for tasks of a few milliseconds or longer; a positive
	// Prefetch is that many always, a negative one none.
	Prefetch int
	// Name is how errors and hooks show the worker (default host/pid).
	Name string
	// AckWait is how long a task whose worker stopped heartbeating waits
	// before it is delivered again (default 5 s); MaxDeliver how many
	// times a task may start without finishing (its worker died) before
	// it is given up as poison (default 4). They configure the build's
	// consumer, shared by its workers.
	AckWait    time.Duration
	MaxDeliver int
	// Logger receives what the worker cannot report to a coordinator
	// (a lost connection, an undecodable message); default slog's.
	Logger *slog.Logger
	// build overrides BuildID (tests).
	build string
	// exitOnClose stops the worker when its server is gone for good (a
	// local worker whose program died).
	exitOnClose bool
}

func (o WorkerOptions) resolved() (WorkerOptions, timing, error) {
	if o.Concurrency <= 0 {
		o.Concurrency = runtime.GOMAXPROCS(0)
	}
	if o.Name == "" {
		o.Name = processName()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.build == "" {
		b, err := BuildID()
		if err != nil {
			return o, timing{}, err
		}
		o.build = b
	}
	if err := checkToken("build ID", o.build); err != nil {
		return o, timing{}, err
	}
	t := defaultTiming
	if o.AckWait > 0 {
		t.ackWait = o.AckWait
	}
	if o.MaxDeliver > 0 {
		t.maxDeliver = o.MaxDeliver
	}
	return o, t, nil
}

// processName is host/pid: where a task ran, for people reading errors.
func processName() string {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	return fmt.Sprintf("%s/%d", host, os.Getpid())
}

// Serve runs a worker: it takes tasks of this program's build from the
// cluster at url, rebuilds their jobs' graphs from reg, runs them and
// stores their results, until ctx ends. Then it drains: it takes no new
// task, finishes those it holds and returns nil. It returns an error
// only when it cannot start (no server, a bad option).
func Serve(ctx context.Context, url string, reg *Registry, opts WorkerOptions) error {
	o, t, err := opts.resolved()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conn := []nats.Option{nats.Name("taskgraph worker " + o.Name), nats.MaxReconnects(-1)}
	if o.exitOnClose {
		conn = append(conn, nats.MaxReconnects(20), nats.ReconnectWait(100*time.Millisecond),
			nats.ClosedHandler(func(*nats.Conn) { cancel() }))
	}
	nc, err := nats.Connect(url, conn...)
	if err != nil {
		return fmt.Errorf("cluster: worker: connect to %s: %w", url, err)
	}
	defer nc.Close()
	w, err := newWorker(ctx, nc, reg, o, t)
	if err != nil {
		return err
	}
	return w.serve(ctx)
}

// worker is one Serve call's state.
type worker struct {
	opts   WorkerOptions
	timing timing
	nc     *nats.Conn
	js     jetstream.JetStream
	kv     jetstream.KeyValue
	obj    jetstream.ObjectStore
	graphs graphCache
	// maxStarts is how many times a task may start without a result
	// before it is given up (WorkerOptions.MaxDeliver, as the build's
	// consumer keeps it; see restart).
	maxStarts int
	// alone lets a task delivered before run with no other beside it (it
	// takes the lock; the others share it): if it kills the worker, it
	// takes no innocent task down with it.
	alone sync.RWMutex

	pull  *puller
	tasks taskQueue      // delivered tasks waiting for a slot
	aside sync.WaitGroup // messages delivered before, looked at off the puller's goroutine
	out   resultsOut     // results on their way to coordinators

	mu        sync.Mutex
	held      map[*held]struct{}      // messages taken and not yet acked: heartbeated
	running   map[string]*runningTask // by result key
	storing   map[string]*held        // results on their way to the bucket, by key
	cancelled recentKeys              // cancelled before they started
}

// held is one delivered message: acked once each of its tasks has its
// result stored (or was cancelled), delivered again (Nak) if a result
// could not be stored.
type held struct {
	msg   *nats.Msg
	at    time.Time     // when it was delivered
	tasks int           // how many it holds (set before they are queued)
	left  int           // tasks not yet committed (under worker.mu)
	unrun int           // tasks not yet run (under worker.mu; see ran)
	spent time.Duration // by its tasks in the slots so far (under worker.mu)
	// suspect: delivered before (see worker.received).
	suspect bool
	failed  bool // a result could not be stored
	// group is the result key of a batch delivered for the first time:
	// its results are stored together, under this one key, once all its
	// tasks are done ("" for a single task, or a batch stored task by
	// task).
	group   string
	results doneMsg // a group's results so far (under worker.mu)
}

// task is one task of a delivered message.
type task struct {
	h *held
	b *batchMsg // job, params and print
	t taskMsg
}

type runningTask struct {
	cancel context.CancelFunc
}

func newWorker(ctx context.Context, nc *nats.Conn, reg *Registry, o WorkerOptions, t timing) (*worker, error) {
	w := &worker{
		opts: o, timing: t, nc: nc,
		graphs:  graphCache{reg: reg},
		held:    map[*held]struct{}{},
		running: map[string]*runningTask{},
		storing: map[string]*held{},
	}
	w.out.w = w
	js, err := jetstream.New(nc,
		// A store whose ack never comes (a lost connection) fails after
		// AckWait, and the task is delivered again.
		jetstream.WithPublishAsyncTimeout(t.ackWait),
		jetstream.WithPublishAsyncAckHandler(w.stored),
		jetstream.WithPublishAsyncErrHandler(w.storeFailed))
	if err != nil {
		return nil, fmt.Errorf("cluster: worker: %w", err)
	}
	stream, kv, obj, err := setupLayout(ctx, js, defaultStorage)
	if err != nil {
		return nil, err
	}
	cons, err := setupConsumer(ctx, stream, o.build, t)
	if err != nil {
		return nil, err
	}
	w.js, w.kv, w.obj = js, kv, obj
	w.maxStarts = maxStartsOf(cons.CachedInfo(), t)
	w.pull, err = newPuller(nc, cons, o.Concurrency, o.Prefetch, t, o.Logger, w.received)
	if err != nil {
		return nil, err
	}
	return w, nil
}

func (w *worker) serve(ctx context.Context) error {
	cancelSub, err := w.nc.Subscribe(cancelSubject+w.opts.build, func(m *nats.Msg) { w.cancel(string(m.Data)) })
	if err != nil {
		return fmt.Errorf("cluster: worker: %w", err)
	}
	defer cancelSub.Unsubscribe()
	pingSub, err := w.nc.Subscribe(pingSubject+w.opts.build, func(m *nats.Msg) { m.Respond([]byte(w.opts.Name)) })
	if err != nil {
		return fmt.Errorf("cluster: worker: %w", err)
	}
	defer pingSub.Unsubscribe()
	var slots sync.WaitGroup
	for range w.opts.Concurrency {
		slots.Go(w.slot)
	}
	stopBeats := w.heartbeat()
	stopWatch := make(chan struct{})
	var watch sync.WaitGroup
	watch.Go(func() { w.pull.watch(stopWatch) })
	w.pull.ask()
	<-ctx.Done()
	close(stopWatch)
	watch.Wait()
	w.pull.drain()
	w.aside.Wait()
	w.tasks.close()
	slots.Wait()
	w.out.flush()
	select { // the last results' stores and acks
	case <-w.js.PublishAsyncComplete():
	case <-time.After(w.timing.ackWait):
	}
	stopBeats()
	return nil
}

// slot runs tasks one after the other, until the worker drained and no
// task waits.
func (w *worker) slot() {
	for {
		t, ok := w.tasks.take()
		if !ok {
			return
		}
		start := time.Now()
		w.handle(t)
		w.ran(t.h, time.Since(start))
	}
}

// ran counts one task of h as run, for d: once all have, the message's
// room is given back to the puller (its results may still be on their
// way to the bucket; it stays held, so heartbeated, until acked).
func (w *worker) ran(h *held, d time.Duration) {
	w.mu.Lock()
	h.unrun--
	h.spent += d
	last, spent := h.unrun == 0, h.spent
	w.mu.Unlock()
	if last {
		w.pull.done(spent, h.suspect)
	}
}

// received takes one delivered message, on the puller's goroutine: it is
// held, so heartbeated, from now until it is acked. Its tasks go to the
// slots; a message delivered before is looked at aside (that may take a
// few round trips to the server), so that the ones behind it are taken
// at once all the same.
func (w *worker) received(msg *nats.Msg) {
	h := w.hold(msg)
	b := &batchMsg{}
	ts, err := w.open(msg, b)
	if err != nil {
		w.opts.Logger.Error("cluster worker: undecodable task message dropped", "subject", msg.Subject, "err", err)
		w.release(h)
		msg.Term()
		w.pull.done(0, false)
		return
	}
	if onDelivery != nil {
		onDelivery(b, ts)
	}
	delivered := 1
	if meta, err := msg.Metadata(); err == nil {
		delivered = int(meta.NumDelivered)
	}
	if b.Prior+delivered == 1 {
		w.queue(w.accept(h, b, ts, delivered), false)
		return
	}
	// Its worker may have died of it: while the worker holds it, it
	// prefetches nothing, for its death would count a delivery against
	// every message it holds (see puller.suspects).
	w.pull.suspect()
	w.aside.Go(func() { w.queue(w.accept(h, b, ts, delivered), true) })
}

// open decodes a task message into b and its tasks.
func (w *worker) open(msg *nats.Msg, b *batchMsg) ([]taskMsg, error) {
	if err := unmarshal(msg.Data, b); err != nil {
		return nil, err
	}
	if len(b.Tasks) == 0 {
		return nil, errors.New("no tasks")
	}
	ts := make([]taskMsg, len(b.Tasks))
	for i, raw := range b.Tasks {
		if err := unmarshal(raw, &ts[i]); err != nil {
			return nil, err
		}
	}
	return ts, nil
}

// queue hands a message's tasks to the slots; a message with none to run
// gives its room back at once.
func (w *worker) queue(ts []task, suspect bool) {
	if len(ts) == 0 {
		w.pull.done(0, suspect)
		return
	}
	ts[0].h.suspect = suspect // before any slot has it
	w.tasks.put(ts)
}

// accept returns the tasks of one delivered message, held as h. A
// message of several tasks that is delivered again (its worker died, or
// held it too long) is split into single tasks, so that one task that
// kills its worker does not take the others down with it each time. A
// single task delivered again whose result is stored (its worker died
// between storing and acking) is not run again (see also restart).
func (w *worker) accept(h *held, b *batchMsg, ts []taskMsg, delivered int) []task {
	msg := h.msg
	if delivered > 1 && len(ts) > 1 {
		w.split(msg, b, ts, delivered)
		w.release(h)
		return nil
	}
	w.mu.Lock()
	h.left, h.unrun, h.tasks = len(ts), len(ts), len(ts)
	if len(ts) > 1 {
		h.group = groupKey(msg, ts[0].Key)
	}
	w.mu.Unlock()
	if len(ts) == 1 && b.Prior+delivered > 1 {
		if w.again(h, ts[0].Key) {
			return nil
		}
	}
	tasks := make([]task, len(ts))
	for i, t := range ts {
		tasks[i] = task{h: h, b: b, t: t}
	}
	return tasks
}

// hold records a message until its tasks are committed: it is
// heartbeated meanwhile.
func (w *worker) hold(msg *nats.Msg) *held {
	h := &held{msg: msg, at: time.Now()}
	w.mu.Lock()
	w.held[h] = struct{}{}
	w.mu.Unlock()
	return h
}

// release forgets a message that is acked, or given back, otherwise than
// through its tasks' commits.
func (w *worker) release(h *held) {
	w.mu.Lock()
	delete(w.held, h)
	w.mu.Unlock()
}

// again handles a single task delivered before: true if it needs no run,
// because its result is stored.
func (w *worker) again(h *held, key string) bool {
	stored, ok := w.storedResult(key)
	if ok {
		w.out.add(key, stored) // its coordinator may not have had it
		w.commit(h, true)
	}
	return ok
}

// restart counts a start of a task delivered before; false if it must not
// run: it started MaxDeliver times already and never finished, so it is
// given up as poison, or its start could not be counted, so it is
// delivered again.
//
// Starts are counted, not deliveries, because a worker that dies takes
// down every message it holds: those waiting for a slot are delivered
// again though they never started, and would be given up with the task
// that killed it, delivery after delivery. A task's first delivery
// counts as a start without asking the server (it costs the fast path
// nothing); later ones are counted in the result bucket (see
// countStart), just before the task runs.
func (w *worker) restart(t task) bool {
	starts, err := w.countStart(t.t.Key)
	switch {
	case err != nil:
		w.opts.Logger.Error("cluster worker: counting a start; the task will be delivered again", "task", t.t.Key, "err", err)
		w.commit(t.h, false)
		return false
	case starts > w.maxStarts:
		w.store(t.t.Key, t.h, resultMsg{Worker: w.opts.Name, Poison: starts - 1})
		return false
	}
	return true
}

// countStart records one more start of task key after its first
// delivery's and returns its starts so far, that one included.
func (w *worker) countStart(key string) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), w.timing.ackWait)
	defer cancel()
	k := startsPrefix + key
	for {
		e, err := w.kv.Get(ctx, k)
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			_, err = w.kv.Create(ctx, k, []byte("2"))
			if err == nil {
				return 2, nil
			}
		case err == nil:
			n, perr := strconv.Atoi(string(e.Value()))
			if perr != nil {
				return 0, fmt.Errorf("a start count of %q", e.Value())
			}
			_, err = w.kv.Update(ctx, k, []byte(strconv.Itoa(n+1)), e.Revision())
			if err == nil {
				return n + 1, nil
			}
		}
		// Another worker counted first (the task was delivered twice
		// at once): count again.
		if !errors.Is(err, jetstream.ErrKeyExists) && !isWrongLastSeq(err) {
			return 0, err
		}
	}
}

// storedResult is the result stored under key, if there is one.
func (w *worker) storedResult(key string) ([]byte, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), w.timing.ackWait)
	defer cancel()
	e, err := w.kv.Get(ctx, key)
	if err != nil {
		return nil, false
	}
	return e.Value(), true
}

// split queues each task of a redelivered batch as a message of its own
// (a task whose result is stored is only sent to its coordinator again),
// then acks the batch; if a task cannot be queued, the batch is delivered
// again. The single messages carry the batch's deliveries so far, and
// their message ID is the task's key: a batch split twice queues each
// task once.
func (w *worker) split(msg *nats.Msg, b *batchMsg, ts []taskMsg, delivered int) {
	ctx, cancel := context.WithTimeout(context.Background(), w.timing.ackWait)
	defer cancel()
	if stored, ok := w.storedResult(groupKey(msg, ts[0].Key)); ok {
		w.resend(stored) // an earlier delivery stored them all
		msg.Ack()
		return
	}
	for i, t := range ts {
		if stored, ok := w.storedResult(t.Key); ok {
			w.out.add(t.Key, stored)
			continue
		}
		one := batchMsg{Job: b.Job, Params: b.Params, Print: b.Print, Tasks: b.Tasks[i : i+1], Prior: b.Prior + delivered - 1}
		data, err := marshal(one)
		if err == nil {
			m := nats.NewMsg(msg.Subject)
			m.Data = data
			m.Header.Set(jetstream.MsgIDHeader, t.Key)
			_, err = w.js.PublishMsg(ctx, m)
		}
		if err != nil {
			w.opts.Logger.Error("cluster worker: splitting a batch; it will be delivered again", "task", t.Key, "err", err)
			msg.Nak()
			return
		}
	}
	w.out.flush()
	msg.Ack()
}

// groupKey is the result key of a batch's results stored together: the
// batch's message ID, which the coordinator made one (it is
// coordinator.run.g.N); "" when the message has none such, and then the
// results are stored task by task.
func groupKey(msg *nats.Msg, first string) string {
	id := msg.Header.Get(jetstream.MsgIDHeader)
	parts := strings.Split(id, ".")
	if len(parts) != 4 || parts[2] != "g" || !strings.HasPrefix(first, parts[0]+"."+parts[1]+".") {
		return ""
	}
	return id
}

// resend sends a stored group of results to its coordinator again.
func (w *worker) resend(stored []byte) {
	var d doneMsg
	if err := unmarshal(stored, &d); err != nil || len(d.Keys) != len(d.Results) {
		w.opts.Logger.Error("cluster worker: undecodable stored results", "err", err)
		return
	}
	for i, k := range d.Keys {
		w.out.add(k, d.Results[i])
	}
}

// heartbeat tells the server, every AckWait/4, that the held messages are
// still being worked on, and (automatic prefetch) hands back those that
// waited a tick for a slot; the returned function stops it and waits.
func (w *worker) heartbeat() (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(w.timing.ackWait / 4)
		defer tick.Stop()
		var handing atomic.Bool // a handBack runs (it waits for the server)
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				w.mu.Lock()
				for h := range w.held {
					h.msg.InProgress()
				}
				w.mu.Unlock()
				if w.opts.Prefetch == 0 && handing.CompareAndSwap(false, true) {
					cutoff := time.Now().Add(-w.timing.ackWait / 4)
					wg.Go(func() { defer handing.Store(false); w.handBack(cutoff) })
				}
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// handBack gives the queue back the single tasks that an automatic
// prefetch took and that have waited for a slot since before cutoff (a
// heartbeat's tick): the tasks it measured were short, these are not
// (the slots are still busy), and another worker may be idle. Each is
// published again as a new message, which any worker may take, and its
// message here is acked; the puller prefetches no more until the slots'
// tasks say again that they are short. A task that cannot be published
// waits here again.
func (w *worker) handBack(cutoff time.Time) {
	ts := w.tasks.takeWaiting(cutoff)
	if len(ts) == 0 {
		return
	}
	w.pull.slowed(w.timing.ackWait / 4)
	ctx, cancel := context.WithTimeout(context.Background(), w.timing.ackWait)
	defer cancel()
	var back []task
	for _, t := range ts {
		m := nats.NewMsg(t.h.msg.Subject)
		m.Data = t.h.msg.Data
		// A new ID: the server would take the old one for a duplicate.
		m.Header.Set(jetstream.MsgIDHeader, t.h.msg.Header.Get(jetstream.MsgIDHeader)+".b"+randomID())
		if _, err := w.js.PublishMsg(ctx, m); err != nil {
			w.opts.Logger.Warn("cluster worker: handing a task back; it waits here", "task", t.t.Key, "err", err)
			back = append(back, t)
			continue
		}
		t.h.msg.Ack()
		w.release(t.h)
		w.pull.done(0, t.h.suspect)
	}
	if len(back) > 0 {
		w.tasks.put(back)
	}
}

// cancel stops the task stored under key, or remembers it so that it
// never starts.
func (w *worker) cancel(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if r := w.running[key]; r != nil {
		r.cancel()
		return
	}
	w.cancelled.add(key)
}

// handle runs one delivered task and stores its result. The stored result
// is the commit point: only after it is the message acked.
func (w *worker) handle(t task) {
	if t.h.suspect {
		w.alone.Lock()
		defer w.alone.Unlock()
	} else {
		w.alone.RLock()
		defer w.alone.RUnlock()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if !w.start(t.t.Key, cancel) {
		w.commit(t.h, true)
		return
	}
	if t.h.suspect && !w.restart(t) {
		w.finish(t.t.Key)
		return
	}
	res := w.run(ctx, t.b, &t.t)
	w.finish(t.t.Key)
	w.store(t.t.Key, t.h, res)
}

// start records a running task; false if it was cancelled already.
func (w *worker) start(key string, cancel context.CancelFunc) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cancelled.has(key) {
		return false
	}
	w.running[key] = &runningTask{cancel: cancel}
	return true
}

func (w *worker) finish(key string) {
	w.mu.Lock()
	delete(w.running, key)
	w.mu.Unlock()
}

// commit counts one task of h off: its result is stored (ok) or could not
// be. The last one acks h's message, or has it delivered again if a
// result could not be stored.
func (w *worker) commit(h *held, ok bool) {
	w.mu.Lock()
	h.left--
	h.failed = h.failed || !ok
	last := h.left == 0
	group := last && !h.failed && h.group != ""
	if last && !group {
		delete(w.held, h)
	}
	w.mu.Unlock()
	switch {
	case !last:
	case h.failed:
		h.msg.Nak()
	case group:
		w.storeGroup(h)
	default:
		h.msg.Ack()
	}
}

// groupBytes bounds a group of results stored under one key (the
// server's max payload is 1 MiB); a larger group is stored task by task.
const groupBytes = 768 << 10

// storeGroup stores the results of a batch's tasks under its group key,
// expecting no earlier entry; once the server has them (see stored) they
// go to the coordinator and the batch is acked.
func (w *worker) storeGroup(h *held) {
	w.mu.Lock()
	d := h.results
	if len(d.Keys) == 0 { // every task was cancelled
		delete(w.held, h)
	}
	w.mu.Unlock()
	if len(d.Keys) == 0 {
		h.msg.Ack()
		return
	}
	data, err := marshal(d)
	if err != nil || len(data) > groupBytes {
		w.storeEach(h, d)
		return
	}
	w.mu.Lock()
	w.storing[h.group] = h
	w.mu.Unlock()
	m := nats.NewMsg(resultSubjectPrefix + h.group)
	m.Data = data
	if _, err := w.js.PublishMsgAsync(m, jetstream.WithExpectLastSequencePerSubject(0)); err != nil {
		w.storeFailed(w.js, m, err)
	}
}

// storeEach stores a group's results task by task instead.
func (w *worker) storeEach(h *held, d doneMsg) {
	w.mu.Lock()
	h.group, h.left = "", len(d.Keys)
	w.mu.Unlock()
	for i, k := range d.Keys {
		w.storeOne(k, h, d.Results[i])
	}
}

// run computes one task on a graph of its own and returns what to store.
func (w *worker) run(ctx context.Context, b *batchMsg, t *taskMsg) resultMsg {
	res := resultMsg{Worker: w.opts.Name}
	rg, err := w.graphs.get(b.Job, b.Params, b.Print)
	if err != nil {
		res.Err = err.Error()
		return res
	}
	v, err := w.compute(ctx, rg, b.Job, t)
	if err != nil {
		res.fail(err)
		return res
	}
	data, err := codec.MarshalCell(reflectTypeOfResult(rg.x.Task(t.ID)), v)
	if err != nil {
		res.Err = fmt.Sprintf("cluster: encoding the result: %v", asTypeError(rg.x.Key(t.ID), err))
		return res
	}
	if len(data) > inlineLimit {
		if _, err := w.obj.PutBytes(ctx, t.Key, data); err != nil {
			res.Err = fmt.Sprintf("cluster: storing the result: %v", err)
			return res
		}
		res.Obj = t.Key
		return res
	}
	res.Data = data
	return res
}

// fail records err, keeping a panic's stack.
func (r *resultMsg) fail(err error) {
	r.Err = err.Error()
	var p *panicked
	if errors.As(err, &p) {
		r.Err, r.Panic, r.Stack = fmt.Sprint(p.value), true, p.stack
	}
}

// compute runs node t.ID on private copies of it and of its arguments:
// the arguments' values are decoded into the copies' cells, and the
// node's copy reads them from there (constants it reads from the graph).
func (w *worker) compute(ctx context.Context, rg *rebuilt, job string, t *taskMsg) (any, error) {
	if t.ID < 0 || t.ID >= rg.x.Len() || rg.x.Kind(t.ID) != graph.KindTask {
		return nil, fmt.Errorf("cluster: job %q has no task %d", job, t.ID)
	}
	ids := make([]int32, 0, len(t.Args)+1)
	for _, a := range t.Args {
		if !slices.Contains(rg.x.Deps(t.ID), a.ID) || slices.Contains(ids, a.ID) {
			return nil, fmt.Errorf("cluster: task %s: node %d is not one of its arguments", rg.x.Key(t.ID), a.ID)
		}
		ids = append(ids, a.ID)
	}
	ids = append(ids, int32(t.ID))
	copies := rg.x.Copy(ids)
	for k, a := range t.Args {
		if err := w.load(ctx, copies[k], a); err != nil {
			return nil, fmt.Errorf("cluster: argument %s: %w", rg.x.Key(int(a.ID)), err)
		}
	}
	node := copies[len(copies)-1]
	if err := protect(ctx, node); err != nil {
		return nil, err
	}
	return node.Value(), nil
}

// load decodes one argument into its cell.
func (w *worker) load(ctx context.Context, cell graph.Task, a argMsg) error {
	data := a.Data
	if a.Obj != "" {
		var err error
		if data, err = w.obj.GetBytes(ctx, a.Obj); err != nil {
			return err
		}
	}
	return codec.UnmarshalCell(data, cell.Result())
}

// panicked is a task's panic on a worker.
type panicked struct {
	value any
	stack []byte
}

func (p *panicked) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// protect runs t, turning a panic into an error that keeps the stack: a
// task's panic must not take its worker down.
func protect(ctx context.Context, t graph.Task) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicked{value: v, stack: debug.Stack()}
		}
	}()
	return t.Run(ctx)
}

// store commits a task's result: it is published to the result bucket,
// expecting no earlier entry under key (the first stored result wins),
// and the task is counted off its message once the server has it (see
// stored). The coordinator is also sent the result directly (see
// resultsOut), which saves it a trip through a stream; that goes first,
// so that the server passes it on before it stores the result (a chain's
// next task waits for it). The coordinator may so take a result that is
// never stored (the worker dies before it sends the store): the task is
// then delivered again, and the coordinator ignores the second result,
// as it does any result that a store then loses to an earlier one.
func (w *worker) store(key string, h *held, res resultMsg) {
	data, err := marshal(res)
	if err != nil {
		w.opts.Logger.Error("cluster worker: encoding a result", "task", key, "err", err)
		w.commit(h, false)
		return
	}
	if h.group != "" { // stored with the group's other results (see commit)
		w.mu.Lock()
		h.results.Keys = append(h.results.Keys, key)
		h.results.Results = append(h.results.Results, data)
		w.mu.Unlock()
		w.commit(h, true)
		return
	}
	w.storeOne(key, h, data)
}

func (w *worker) storeOne(key string, h *held, data []byte) {
	w.mu.Lock()
	w.storing[key] = h
	w.mu.Unlock()
	m := nats.NewMsg(resultSubjectPrefix + key)
	m.Data = data
	w.out.add(key, data)
	if _, err := w.js.PublishMsgAsync(m, jetstream.WithExpectLastSequencePerSubject(0)); err != nil {
		w.storeFailed(w.js, m, err)
	}
}

// stored counts off the task whose result the bucket now holds, or, for a
// group, sends its results and acks its batch.
func (w *worker) stored(_ jetstream.JetStream, m *nats.Msg, _ *jetstream.PubAck) {
	key := strings.TrimPrefix(m.Subject, resultSubjectPrefix)
	w.mu.Lock()
	h := w.storing[key]
	delete(w.storing, key)
	group := h != nil && h.group == key
	if group {
		delete(w.held, h)
	}
	w.mu.Unlock()
	if h == nil {
		return
	}
	if !group {
		if afterStore != nil {
			afterStore(key)
		}
		w.commit(h, true)
		return
	}
	for _, k := range h.results.Keys {
		if afterStore != nil {
			afterStore(k)
		}
	}
	// Acked before the results go out: a worker dying in between leaves
	// them in the bucket only, where the coordinator looks when it hears
	// nothing for a while (Cluster.sweepIfQuiet).
	h.msg.Ack()
	if afterAck != nil {
		afterAck(h.results.Keys, w.nc.Flush)
	}
	for i, k := range h.results.Keys {
		w.out.add(k, h.results.Results[i])
	}
}

// storeFailed handles a result the bucket refused: one stored already
// under its key (an earlier delivery's) counts as stored; any other
// failure leaves the task to be delivered again.
func (w *worker) storeFailed(js jetstream.JetStream, m *nats.Msg, err error) {
	if isWrongLastSeq(err) {
		w.stored(js, m, nil)
		return
	}
	key := strings.TrimPrefix(m.Subject, resultSubjectPrefix)
	w.mu.Lock()
	h := w.storing[key]
	delete(w.storing, key)
	w.mu.Unlock()
	w.opts.Logger.Error("cluster worker: result not stored; the task will be delivered again", "task", key, "err", err)
	switch {
	case h == nil:
	case h.group == key:
		w.mu.Lock()
		delete(w.held, h)
		w.mu.Unlock()
		h.msg.Nak()
	default:
		w.commit(h, false)
	}
}

// onDelivery, if set, runs when a message is delivered, before any of its
// tasks starts (tests: a worker that dies there).
var onDelivery func(*batchMsg, []taskMsg)

// afterStore, if set, runs between storing a result and acking its task
// (tests: a worker that dies there).
var afterStore func(key string)

// afterAck, if set, runs after a batch's results were stored and the
// batch acked, before its results went out (tests: a worker that dies
// there; flush sends the ack first).
var afterAck func(keys []string, flush func() error)

// recentKeys remembers the last few hundred cancelled keys: a cancel can
// overtake its task's delivery.
type recentKeys struct {
	ring [256]string
	next int
}

func (r *recentKeys) add(k string) {
	r.ring[r.next] = k
	r.next = (r.next + 1) % len(r.ring)
}

func (r *recentKeys) has(k string) bool {
	for _, s := range r.ring {
		if s == k {
			return true
		}
	}
	return false
}
