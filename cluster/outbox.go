package cluster

import (
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Batching. A task submitted while no other is pending is sent at once,
// alone: a chain of tasks never waits. Tasks submitted while others are
// pending go to the outbox, and a sender sends what gathered there,
// several tasks of one run per message (at most Options.Batch, and about
// batchBytes): a burst of ready tasks costs a few messages, not one each.
// The sender lingers while tasks keep arriving, at most lingerMax, and
// stops gathering once lingerQuiet passed with none.
//
// A message's tasks run on one worker, so messages stay small while few
// tasks are pending: one task per spread pending ones, so that a burst
// of a few dozen long tasks still reaches every worker, and only a large
// burst travels in full batches.
const (
	defaultBatch = 64
	batchBytes   = 512 << 10 // a message stays under the server's 1 MiB
	lingerQuiet  = 20 * time.Microsecond
	lingerMax    = 200 * time.Microsecond
	spread       = 32
)

// outbox holds the tasks waiting for the sender.
type outbox struct {
	mu    sync.Mutex
	queue []*pending
	wake  chan struct{} // cap 1: the queue was empty and now is not
}

func (o *outbox) put(p *pending) {
	o.mu.Lock()
	o.queue = append(o.queue, p)
	first := len(o.queue) == 1
	o.mu.Unlock()
	if first {
		select {
		case o.wake <- struct{}{}:
		default:
		}
	}
}

// gather returns the queued tasks once the queue holds limit of them, or
// stopped growing for quiet, or lingerMax passed.
func (o *outbox) gather(limit int, quiet time.Duration) []*pending {
	start := time.Now()
	last, since := -1, start
	for {
		o.mu.Lock()
		n := len(o.queue)
		now := time.Now()
		if n >= limit || n == last && now.Sub(since) >= quiet || now.Sub(start) >= max(lingerMax, quiet) {
			ps := o.queue
			o.queue = nil
			o.mu.Unlock()
			return ps
		}
		o.mu.Unlock()
		if n != last {
			last, since = n, now
		}
		runtime.Gosched()
	}
}

// sendLoop sends what the outbox gathers until stop is closed.
func (c *Cluster) sendLoop(stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		case <-c.out.wake:
		}
		for ps := c.out.gather(c.opts.Batch, c.opts.linger); len(ps) > 0; ps = c.out.gather(c.opts.Batch, c.opts.linger) {
			c.publish(ps)
		}
	}
}

// publish sends ps, consecutive tasks of one run together, in messages of
// at most Options.Batch tasks (fewer while few are pending, see spread)
// and about batchBytes.
func (c *Cluster) publish(ps []*pending) {
	most := min(max(c.inflight.count()/spread, 1), c.opts.Batch)
	for len(ps) > 0 {
		n, size := 1, len(ps[0].enc)
		for n < len(ps) && n < most && ps[n].run == ps[0].run && ps[n].job == ps[0].job &&
			size+len(ps[n].enc) <= batchBytes {
			size += len(ps[n].enc)
			n++
		}
		c.publishBatch(ps[:n])
		ps = ps[n:]
	}
}

// publishBatch sends the tasks of ps still pending in one message; the
// server's ack (see published) says where it sits in the stream.
func (c *Cluster) publishBatch(ps []*pending) {
	j, r := ps[0].job, ps[0].run
	// The message ID is also the key under which a worker stores the
	// results of a batch together (see worker.storeGroup).
	id := c.id + "." + r.id + ".g." + c.instance + strconv.FormatUint(c.batches.Add(1), 10)
	ps = c.inflight.send(ps, id)
	if len(ps) == 0 {
		return // all cancelled while they waited
	}
	b := batchMsg{Job: j.name, Params: j.params, Print: r.print, Tasks: make([]cbor.RawMessage, len(ps))}
	for i, p := range ps {
		b.Tasks[i] = p.enc
	}
	data, err := marshal(b)
	if err == nil {
		m := nats.NewMsg(taskSubject(c.opts.build, r.id))
		m.Data = data
		m.Header.Set(jetstream.MsgIDHeader, id)
		_, err = c.js.PublishMsgAsync(m)
	}
	if err != nil {
		for _, p := range c.inflight.takeSent(id, 0) {
			p.fail(c, fmt.Errorf("cluster: queueing task %s: %w", p.name, err))
		}
	}
}
