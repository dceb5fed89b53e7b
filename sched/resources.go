package sched

import (
	"fmt"
	"slices"
	"sync"

	"golang.org/x/sync/semaphore"
)

// resources admits tasks that declared graph.Uses. A task takes all its
// resources or none (no holding one while waiting for another, so no
// deadlock), and a task that cannot have them does not block its worker:
// it waits in the resource's queue, and whoever gives the resource back
// pushes it onto its own deque to try again.
type resources struct {
	r    *run
	uses [][]use // per local task; nil for tasks that use none
}

type use struct {
	res    *resource
	amount int64
}

type resource struct {
	sem     *semaphore.Weighted
	mu      sync.Mutex // orders TryAcquire+enqueue against Release+dequeue
	waiting []int32
}

// newResources checks every request against the scheduler's limits; nil
// when no task of the plan uses a resource.
func newResources(p *plan, limits map[string]int64) (*resources, error) {
	if p.opts == nil {
		return nil, nil
	}
	var rs *resources
	sems := map[string]*resource{}
	for i, o := range p.opts {
		if o == nil || len(o.Resources) == 0 {
			continue
		}
		if rs == nil {
			rs = &resources{uses: make([][]use, p.len())}
		}
		for _, u := range o.Resources {
			limit, ok := limits[u.Name]
			key := p.g.Key(int(p.ids[i]))
			switch {
			case !ok:
				return nil, fmt.Errorf("%w: task %s uses %q, which has no limit (set Scheduler.Resources)", ErrResource, key, u.Name)
			case u.Amount > limit:
				return nil, fmt.Errorf("%w: task %s needs %d of %q, more than its limit %d", ErrResource, key, u.Amount, u.Name, limit)
			}
			r := sems[u.Name]
			if r == nil {
				r = &resource{sem: semaphore.NewWeighted(limit)}
				sems[u.Name] = r
			}
			rs.uses[i] = append(rs.uses[i], use{r, u.Amount})
		}
	}
	return rs, nil
}

// acquire takes all of task i's resources, or queues it and returns false.
func (rs *resources) acquire(i int32, w *worker) bool {
	uses := rs.uses[i]
	for k, u := range uses {
		u.res.mu.Lock()
		ok := u.res.sem.TryAcquire(u.amount)
		if !ok {
			u.res.waiting = append(u.res.waiting, i)
		}
		u.res.mu.Unlock()
		if !ok {
			for _, taken := range uses[:k] {
				taken.give(rs.r, w)
			}
			return false
		}
	}
	return true
}

func (rs *resources) release(i int32, w *worker) {
	for _, u := range rs.uses[i] {
		u.give(rs.r, w)
	}
}

// give returns the amount and requeues as many waiters as it might admit
// (at least one); those that still cannot run queue again.
func (u use) give(run *run, w *worker) {
	r := u.res
	r.mu.Lock()
	r.sem.Release(u.amount)
	n := min(len(r.waiting), int(max(u.amount, 1)))
	retry := slices.Clone(r.waiting[:n])
	r.waiting = r.waiting[n:]
	r.mu.Unlock()
	for _, t := range retry {
		w.enqueue(run, t)
	}
}
