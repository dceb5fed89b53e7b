package sched

import (
	"sync"
	"sync/atomic"
)

// item names a ready task in a deque: its run's number in the pool and
// its local number. Deques hold no pointers, so the garbage collector never
// scans them and pushing a task needs no write barrier.
type item struct {
	rid uint32 // the run's number in the pool; 0: no item
	i   int32
}

func (it item) ok() bool { return it.rid != 0 }

// topRun is the number of a pool's top-level run.
const topRun = 1

// deque is one worker's queue of ready tasks. Its owner pushes and pops
// the newest end (LIFO: depth-first, finishing what it started); thieves
// take the oldest half. It is a slice under a mutex: an uncontended lock is
// a couple of atomic operations, and stealing a batch under a lock is
// simple and obviously correct where a lock-free deque with batch steals
// is neither.
//
// Under mu:
//   - q[head:] are the queued items, oldest first; q[:head] are slots whose
//     items were stolen, reclaimed when the deque empties (head = 0).
//   - roots, when not empty, is older than everything in q: initially ready
//     tasks of the pool's top run, read in place from its plan instead of
//     copied into q (a wide graph has as many as it has tasks). roots[0] is
//     the newest (popped first), the end the oldest (stolen first). A
//     segment shares the plan's array and is only ever cut, never
//     appended to, so two deques may hold disjoint parts of one array.
//   - size = len(q) - head + len(roots). It is also read without mu, as a
//     hint: a zero size lets the owner and thieves skip the lock; a look
//     under the lock decides.
type deque struct {
	mu    sync.Mutex
	q     []item
	head  int
	roots []int32
	size  atomic.Int32
}

// queued is the number of items; mu is held.
func (d *deque) queued() int32 { return int32(len(d.q) - d.head + len(d.roots)) }

func (d *deque) push(it item) {
	d.mu.Lock()
	d.q = append(d.q, it)
	d.size.Store(d.queued())
	d.mu.Unlock()
}

// pushOldestFirst pushes items, the last of them ending up newest.
func (d *deque) pushOldestFirst(its []item) {
	if len(its) == 0 {
		return
	}
	d.mu.Lock()
	d.q = append(d.q, its...)
	d.size.Store(d.queued())
	d.mu.Unlock()
}

// setRoots makes roots the deque's segment of initially ready tasks; the
// deque must be empty.
func (d *deque) setRoots(roots []int32) {
	d.mu.Lock()
	d.roots = roots
	d.size.Store(d.queued())
	d.mu.Unlock()
}

// pop takes the newest item.
func (d *deque) pop() item {
	if d.size.Load() == 0 {
		return item{}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var it item
	switch {
	case len(d.q) > d.head:
		it = d.q[len(d.q)-1]
		d.q = d.q[:len(d.q)-1]
		if len(d.q) == d.head {
			d.q, d.head = d.q[:0], 0
		}
	case len(d.roots) > 0:
		it = item{topRun, d.roots[0]}
		d.roots = d.roots[1:]
	default:
		return item{}
	}
	d.size.Store(d.queued())
	return it
}

// loot is what a thief took: a batch of items (oldest first) or a segment
// of roots (newest first), and whether the victim has any left.
type loot struct {
	items []item
	roots []int32
	left  bool
}

// stealHalf takes the oldest half of d (at least one item), appending
// items to buf.
func (d *deque) stealHalf(buf []item) loot {
	if d.size.Load() == 0 {
		return loot{}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	n := int(d.queued())
	if n == 0 {
		return loot{}
	}
	k := (n + 1) / 2
	if len(d.roots) > 0 {
		// Roots are the oldest: take from their end, at most the segment.
		k = min(k, len(d.roots))
		rest := len(d.roots) - k
		seg := d.roots[rest:]
		d.roots = d.roots[:rest:rest]
		d.size.Store(d.queued())
		return loot{roots: seg, left: d.queued() > 0}
	}
	buf = append(buf, d.q[d.head:d.head+k]...)
	d.head += k
	if d.head == len(d.q) {
		d.q, d.head = d.q[:0], 0
	}
	d.size.Store(d.queued())
	return loot{items: buf, left: d.queued() > 0}
}

// keep stores what a thief took besides the one item it runs now: a
// segment becomes the thief's own when its deque is empty (a thief's
// normally is), otherwise it is copied in.
func (d *deque) keep(l loot) {
	switch {
	case len(l.roots) > 1:
		d.mu.Lock()
		if d.queued() == 0 {
			d.roots = l.roots[1:]
		} else {
			for j := len(l.roots) - 1; j > 0; j-- { // oldest first
				d.q = append(d.q, item{topRun, l.roots[j]})
			}
		}
		d.size.Store(d.queued())
		d.mu.Unlock()
	case len(l.items) > 1:
		d.pushOldestFirst(l.items[:len(l.items)-1])
	}
}

// first is the item of l a thief runs now: the newest it took.
func (l loot) first() item {
	switch {
	case len(l.roots) > 0:
		return item{topRun, l.roots[0]}
	case len(l.items) > 0:
		return l.items[len(l.items)-1]
	}
	return item{}
}

// more tells whether work is left in either deque after a steal.
func (l loot) more() bool { return l.left || len(l.items) > 1 || len(l.roots) > 1 }
