package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

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
	// report is called exactly once: by whoever takes the pending task
	// out of the inflight set (a result, a cancellation, the poison
	// advisory, a failed publish, Close).
	report func(worker string, err error)
	seq    uint64   // the message's stream sequence, once published (under inflight.mu)
	objs   []string // argument objects to delete when done

	stopMu  sync.Mutex
	stop    func() bool // stops the context's AfterFunc
	stopped bool        // finish ran: a stop set later is called at once
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

// inflight is the set of pending tasks, by result key and by stream
// sequence. Taking a task out is what entitles the taker to report it.
type inflight struct {
	mu    sync.Mutex
	byKey map[string]*pending
	bySeq map[uint64]*pending
}

func (f *inflight) add(p *pending) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.byKey == nil {
		f.byKey, f.bySeq = map[string]*pending{}, map[uint64]*pending{}
	}
	f.byKey[p.key] = p
}

// placed records key's sequence; false if key is no longer pending.
func (f *inflight) placed(key string, seq uint64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.byKey[key]
	if p == nil {
		return false
	}
	p.seq = seq
	f.bySeq[seq] = p
	return true
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
	f.remove(p)
	return p
}

func (f *inflight) takeSeq(seq uint64) *pending {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := f.bySeq[seq]
	f.remove(p)
	return p
}

func (f *inflight) takeAll() []*pending {
	f.mu.Lock()
	defer f.mu.Unlock()
	ps := make([]*pending, 0, len(f.byKey))
	for _, p := range f.byKey {
		ps = append(ps, p)
	}
	clear(f.byKey)
	clear(f.bySeq)
	return ps
}

func (f *inflight) remove(p *pending) {
	if p != nil {
		delete(f.byKey, p.key)
		delete(f.bySeq, p.seq)
	}
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
	if err := unmarshal(data, p.task.Result()); err != nil {
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
