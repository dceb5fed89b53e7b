package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/seed001e6470/taskgraph/codec"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// pending is one submitted task attempt, from Submit until its report.
type pending struct {
	key  string
	name string
	g    *graph.Graph
	id   int
	task graph.Task // the run's task: its arguments, and where its result goes
	job  *Job
	run  *jobRun
	enc  []byte // the encoded taskMsg
	// report is called exactly once: by whoever takes the pending task
	// out of the inflight set (a result, a cancellation, the poison
	// advisory, a failed publish, Close).
	report func(worker string, err error)
	batch  *sent    // the message it travels in, once sent (under inflight.mu)
	objs   []string // argument objects to delete when done

	stopMu  sync.Mutex
	stop    func() bool // stops the context's AfterFunc
	stopped bool        // finish ran: a stop set later is called at once
}

// sent is one task message on its way: its tasks are pending until each
// is reported. It is found by its message ID until the server acks the
// publish, then by its stream sequence.
type sent struct {
	id      string
	seq     uint64 // 0 until the publish is acked
	tasks   int
	left    int // tasks still pending
	aborted int // tasks taken out because their context ended
}

// setStop records how to stop p's context watch; if p is finished
// already, it stops it now.
func (p *pending) setStop(stop func() bool) {
	p.stopMu.Lock()
	done := p.stopped
	if !done {
		p.stop = stop
	}
	p.stopMu.Unlock()
	if done {
		stop()
	}
}

// inflight is the set of pending tasks, by result key, and of the
// messages they travel in. Taking a task out is what entitles the taker
// to report it.
type inflight struct {
	mu    sync.Mutex
	byKey map[string]*pending
	byID  map[string]*sent // messages whose publish is not acked yet
	bySeq map[uint64]*sent // messages in the stream with tasks pending
}

// add adds p and tells whether it is the only pending task (a lone task
// is sent at once; others may wait to travel together).
func (f *inflight) add(p *pending) (lone bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.byKey == nil {
		f.byKey, f.byID, f.bySeq = map[string]*pending{}, map[string]*sent{}, map[uint64]*sent{}
	}
	f.byKey[p.key] = p
	return len(f.byKey) == 1
}

// send records that the tasks of ps still pending travel in message id,
// and returns them (none: nothing to send).
func (f *inflight) send(ps []*pending, id string) []*pending {
	f.mu.Lock()
	defer f.mu.Unlock()
	live := ps[:0:0]
	for _, p := range ps {
		if f.byKey[p.key] == p {
			live = append(live, p)
		}
	}
	if len(live) == 0 {
		return nil
	}
	b := &sent{id: id, tasks: len(live), left: len(live)}
	for _, p := range live {
		p.batch = b
	}
	f.byID[id] = b
	return live
}

// placed records message id's sequence. It tells whether the message is
// to be deleted: every task in it was aborted before the ack came.
func (f *inflight) placed(id string, seq uint64) (drop bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b := f.byID[id]
	if b == nil {
		return false
	}
	delete(f.byID, id)
	b.seq = seq
	if b.left == 0 {
		return b.aborted == b.tasks
	}
	f.bySeq[seq] = b
	return false
}

func (f *inflight) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.byKey)
}

func (f *inflight) empty() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.byKey) == 0
}

func (f *inflight) take(key string) *pending {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.byKey[key]
	f.remove(p, false)
	return p
}

// abort takes key out because its context ended; seq, if not 0, is a
// message in the stream that none of whose tasks is wanted any more.
func (f *inflight) abort(key string) (p *pending, seq uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p = f.byKey[key]
	return p, f.remove(p, true)
}

// takeSent takes out the tasks still pending in a message: the one with
// stream sequence seq, or (seq 0) the one with ID id.
func (f *inflight) takeSent(id string, seq uint64) []*pending {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b *sent
	if seq != 0 {
		b = f.bySeq[seq]
	} else {
		b = f.byID[id]
	}
	if b == nil {
		return nil
	}
	delete(f.byID, b.id)
	delete(f.bySeq, b.seq)
	var ps []*pending
	for _, p := range f.byKey {
		if p.batch == b {
			ps = append(ps, p)
		}
	}
	for _, p := range ps {
		f.remove(p, false)
	}
	return ps
}

func (f *inflight) takeAll() []*pending {
	f.mu.Lock()
	defer f.mu.Unlock()
	ps := make([]*pending, 0, len(f.byKey))
	for _, p := range f.byKey {
		ps = append(ps, p)
	}
	clear(f.byKey)
	clear(f.byID)
	clear(f.bySeq)
	return ps
}

// remove takes p out of the set and counts it off its message; it
// returns the message's sequence when the message is left with aborted
// tasks only (to be deleted).
func (f *inflight) remove(p *pending, aborted bool) (drop uint64) {
	if p == nil {
		return 0
	}
	delete(f.byKey, p.key)
	b := p.batch
	if b == nil {
		return 0
	}
	b.left--
	if aborted {
		b.aborted++
	}
	if b.left > 0 || b.seq == 0 {
		return 0 // still in use, or placed decides when its ack comes
	}
	delete(f.bySeq, b.seq)
	if b.aborted == b.tasks {
		return b.seq
	}
	return 0
}

// finish reports p with err (nil: its result is stored in its task).
func (p *pending) finish(c *Cluster, worker string, err error) {
	p.stopMu.Lock()
	stop := p.stop
	p.stopped = true
	p.stopMu.Unlock()
	if stop != nil {
		stop()
	}
	if len(p.objs) > 0 {
		c.deleteObjects(p.objs)
	}
	p.report(worker, err)
}

// fail reports p as failed before any worker had it.
func (p *pending) fail(c *Cluster, err error) { p.finish(c, "", err) }

func (c *Cluster) deleteObjects(names []string) {
	c.wg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, n := range names {
			c.obj.Delete(ctx, n)
		}
	})
}

// deliver decodes a stored result into p's task and reports it. A result
// in the object store is fetched on a goroutine of its own, so that a
// large value does not hold up the small ones behind it.
func (c *Cluster) deliver(p *pending, stored []byte) {
	var res resultMsg
	if err := unmarshal(stored, &res); err != nil {
		p.fail(c, fmt.Errorf("cluster: task %s: undecodable result: %w", p.name, err))
		return
	}
	if res.Poison > 0 {
		p.fail(c, &PoisonError{Task: p.name, Deliveries: res.Poison})
		return
	}
	if res.Err != "" {
		p.finish(c, res.Worker, &RemoteError{Worker: res.Worker, Err: res.remoteErr()})
		return
	}
	if res.Obj == "" {
		p.finish(c, res.Worker, c.decodeResult(p, res.Data))
		return
	}
	c.wg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		data, err := c.obj.GetBytes(ctx, res.Obj)
		if err == nil {
			err = c.decodeResult(p, data)
			c.obj.Delete(ctx, res.Obj)
		}
		p.finish(c, res.Worker, err)
	})
}

// decodeResult stores a task's encoded result into its cell.
func (c *Cluster) decodeResult(p *pending, data []byte) error {
	if err := codec.UnmarshalCell(data, p.task.Result()); err != nil {
		return fmt.Errorf("cluster: task %s: decoding its result: %w", p.name, err)
	}
	return nil
}

// remoteErr rebuilds a worker's error: its text, or a panic with its stack.
func (r *resultMsg) remoteErr() error {
	if r.Panic {
		return &sched.PanicError{Value: r.Err, Stack: r.Stack}
	}
	return errors.New(r.Err)
}
