package sched

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"golang.org/x/sync/semaphore"

	"github.com/seed001e6470/taskgraph/graph"
)

// Resources admit tasks that declared graph.Uses. A limit holds for a
// pool: the top run and the graphs its tasks spawn draw on one semaphore
// per resource, so nested work cannot exceed it.
//
// A task takes its resources in the order of their names, one at a time,
// and never waits for one while holding one that comes later, so tasks
// waiting for each other's resources cannot form a cycle. A task that
// cannot have a resource does not block its worker: it waits in the
// resource's queue, first come, first served, and whoever gives the
// resource back grants it to the queue's head while it fits (so a large
// request is not starved by a stream of small ones), then pushes the
// granted task onto its own deque to go on.
type resources struct {
	lim     *limiter
	uses    [][]use  // per local task, sorted by name; nil for tasks that use none
	granted [][]bool // per local task and use: given by a releaser, not yet taken
	mu      sync.Mutex
}

type use struct {
	res    *resource
	amount int64
}

// limiter holds a pool's resources by name.
type limiter struct {
	mu  sync.Mutex
	res map[string]*resource
}

type resource struct {
	name    string
	limit   int64
	sem     *semaphore.Weighted
	mu      sync.Mutex // orders TryAcquire+enqueue against Release+grant
	waiting []waiter
}

type waiter struct {
	r *run
	i int32
	k int // which of the task's uses
}

// newResources checks every request of r's tasks against the limits (the
// shared ones first, then the run's own) and returns nil when no task of
// the plan uses a resource. A task's requests of one resource are added
// up: their sum must fit the limit.
func newResources(r *run, limits map[string]int64) (*resources, error) {
	p := r.p
	if p.opts == nil {
		return nil, nil
	}
	var rs *resources
	for i, o := range p.opts {
		if o == nil || len(o.Resources) == 0 {
			continue
		}
		if rs == nil {
			rs = &resources{lim: r.limiter(), uses: make([][]use, p.len()), granted: make([][]bool, p.len())}
		}
		us, err := rs.lim.uses(o.Resources, limits, p.ids[i], r)
		if err != nil {
			return nil, err
		}
		rs.uses[i], rs.granted[i] = us, make([]bool, len(us))
	}
	return rs, nil
}

// uses resolves one task's requests: summed per name, sorted by name.
func (l *limiter) uses(reqs []graph.Resource, limits map[string]int64, id int32, r *run) ([]use, error) {
	sum := map[string]int64{}
	var names []string
	for _, u := range reqs {
		if _, ok := sum[u.Name]; !ok {
			names = append(names, u.Name)
		}
		sum[u.Name] += u.Amount
	}
	slices.Sort(names)
	us := make([]use, 0, len(names))
	key := r.x.Key(int(id))
	for _, name := range names {
		res, err := l.get(name, limits)
		if err != nil {
			return nil, fmt.Errorf("%w: task %s uses %q, which has no limit (set Scheduler.Resources)", ErrResource, key, name)
		}
		if sum[name] > res.limit {
			return nil, fmt.Errorf("%w: task %s needs %d of %q in all, more than its limit %d", ErrResource, key, sum[name], name, res.limit)
		}
		us = append(us, use{res, sum[name]})
	}
	return us, nil
}

// limiter is where r's tasks take resources from: its pool's, shared by
// the top run and every graph spawned inside it, or one of its own.
func (r *run) limiter() *limiter {
	if r.pool == nil {
		return &limiter{res: map[string]*resource{}}
	}
	pl := r.pool
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if pl.limits == nil {
		pl.limits = &limiter{res: map[string]*resource{}}
	}
	return pl.limits
}

// get returns the resource called name: the pool's, or a new one with the
// run's limit.
func (l *limiter) get(name string, limits map[string]int64) (*resource, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if res := l.res[name]; res != nil {
		return res, nil
	}
	limit, ok := limits[name]
	if !ok {
		return nil, ErrResource
	}
	res := &resource{name: name, limit: limit, sem: semaphore.NewWeighted(limit)}
	l.res[name] = res
	return res, nil
}

// acquire takes all of task i's resources, or queues it for the first it
// cannot have and returns false. What it took before that it keeps (see
// the ordering rule above); a releaser grants it the rest and requeues it.
func (rs *resources) acquire(r *run, i int32) bool {
	for k, u := range rs.uses[i] {
		if rs.holds(i, k) {
			continue
		}
		res := u.res
		res.mu.Lock()
		ok := len(res.waiting) == 0 && res.sem.TryAcquire(u.amount)
		if !ok {
			res.waiting = append(res.waiting, waiter{r, i, k})
		}
		res.mu.Unlock()
		if !ok {
			return false
		}
		rs.grant(i, k)
	}
	return true
}

func (rs *resources) holds(i int32, k int) bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.granted[i][k]
}

func (rs *resources) grant(i int32, k int) {
	rs.mu.Lock()
	rs.granted[i][k] = true
	rs.mu.Unlock()
}

// release gives back what task i holds and returns the waiting tasks it
// granted their last resource to, for the caller to queue: they are ready
// to go on. (Queueing is the worker's business, not the resource's.)
func (rs *resources) release(i int32) (ready []waiter) {
	for k, u := range rs.uses[i] {
		rs.mu.Lock()
		held := rs.granted[i][k]
		rs.granted[i][k] = false
		rs.mu.Unlock()
		if held {
			ready = append(ready, u.res.give(u.amount)...)
		}
	}
	return ready
}

// releaseAll gives back what tasks that never ran still hold (granted
// while the run was stopping), and returns the tasks that granted, as
// release does.
func (rs *resources) releaseAll() (ready []waiter) {
	for i := range rs.uses {
		ready = append(ready, rs.release(int32(i))...)
	}
	return ready
}

// give returns amount and grants the queue's head, first come first
// served, as long as it fits, and returns the granted tasks. Waiters of
// runs that stopped are dropped.
func (res *resource) give(amount int64) []waiter {
	res.mu.Lock()
	res.sem.Release(amount)
	var granted []waiter
	for len(res.waiting) > 0 {
		h := res.waiting[0]
		if h.r.halted() {
			res.waiting = res.waiting[1:]
			continue
		}
		if !res.sem.TryAcquire(h.r.res.uses[h.i][h.k].amount) {
			break
		}
		granted = append(granted, h)
		res.waiting = res.waiting[1:]
	}
	res.mu.Unlock()
	for _, h := range granted {
		h.r.res.grant(h.i, h.k)
	}
	return granted
}

// lend gives back what task i holds while it waits for a graph it
// spawned: the spawned tasks count against the same limits, and would
// otherwise wait for their own parent. It tells whether i held anything,
// and returns the tasks that granted, as release does.
func (rs *resources) lend(i int32) (held bool, ready []waiter) {
	for k := range rs.uses[i] {
		held = held || rs.holds(i, k)
	}
	if held {
		ready = rs.release(i)
	}
	return held, ready
}

// reclaim takes back, in name order, what lend gave back, waiting in line
// with everyone else (first come, first served). A task whose run is
// cancelled meanwhile goes on without: it is about to end.
func (rs *resources) reclaim(ctx context.Context, i int32) {
	for k, u := range rs.uses[i] {
		if u.res.sem.Acquire(ctx, u.amount) != nil {
			return
		}
		rs.grant(i, k)
	}
}
