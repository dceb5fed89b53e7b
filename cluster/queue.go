package cluster

import (
	"sync"
	"time"
)

// taskQueue holds a worker's delivered tasks until a slot takes them,
// first in first out. It has no bound of its own: what it holds is
// bounded by the puller's room (messages) times the tasks of a message.
type taskQueue struct {
	mu     sync.Mutex
	cond   *sync.Cond
	tasks  []task
	head   int
	closed bool
}

func (q *taskQueue) init() {
	if q.cond == nil {
		q.cond = sync.NewCond(&q.mu)
	}
}

// put queues ts.
func (q *taskQueue) put(ts []task) {
	q.mu.Lock()
	q.init()
	q.tasks = append(q.tasks, ts...)
	q.mu.Unlock()
	if len(ts) == 1 {
		q.cond.Signal()
	} else {
		q.cond.Broadcast()
	}
}

// take waits for a task; false once the queue is closed and empty.
func (q *taskQueue) take() (task, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.init()
	for q.head == len(q.tasks) && !q.closed {
		q.cond.Wait()
	}
	if q.head == len(q.tasks) {
		return task{}, false
	}
	t := q.tasks[q.head]
	q.tasks[q.head] = task{}
	q.head++
	if q.head == len(q.tasks) {
		q.tasks, q.head = q.tasks[:0], 0
	}
	return t, true
}

// takeWaiting removes and returns the tasks that are alone in their
// message, were delivered before cutoff and not delivered before (see
// worker.handBack).
func (q *taskQueue) takeWaiting(cutoff time.Time) []task {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []task
	kept := q.tasks[:q.head]
	for _, t := range q.tasks[q.head:] {
		if t.h.tasks == 1 && !t.h.suspect && t.h.at.Before(cutoff) {
			out = append(out, t)
		} else {
			kept = append(kept, t)
		}
	}
	clear(q.tasks[len(kept):])
	q.tasks = kept
	return out
}

// len is how many tasks wait.
func (q *taskQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.tasks) - q.head
}

// close wakes the slots to end once the queue is empty.
func (q *taskQueue) close() {
	q.mu.Lock()
	q.init()
	q.closed = true
	q.mu.Unlock()
	q.cond.Broadcast()
}
