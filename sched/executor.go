package sched

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
)

// Executor runs tasks away from the run's own workers: in other processes,
// on other machines. A run hands it the tasks marked graph.Remote (see
// WithExecutor); everything else runs on the run's workers, and one graph
// mixes both freely.
//
// Submit hands task h over and returns at once: it never waits for the
// task. The executor sends what the task needs (h.Task.Args(), its
// arguments' values; h.Graph and h.ID say which task it is), runs it
// elsewhere, stores the result into h.Task (through h.Task.Result(), a
// pointer to decode into: h.Task is the run's own, which is not always
// the graph's) and then calls done, once, from any goroutine, with a nil
// Report.Err; or calls done once with the task's error. An executor in
// the same process may simply call h.Task.Run. ctx ends when the run stops or the attempt's
// timeout passes: the executor should then stop the task and report
// promptly (with ctx.Err()). A run does not return before every hand-off
// has been reported.
//
// While a task is away, the worker that handed it over runs other work;
// the task's dependents become ready when its report has been taken in.
// Retries (one Submit per attempt), timeouts, hooks, keep-going,
// AsCompleted, cancellation and the release of results work for handed-off
// tasks as for any other. With Workers(1), the reference schedule, the run
// waits for each hand-off in place, in the static order.
type Executor interface {
	Submit(ctx context.Context, h Handoff, done func(Report))
}

// Handoff is a task given to an Executor.
type Handoff struct {
	Graph   *graph.Graph
	ID      int        // the node's ID in Graph
	Name    string     // as hooks and errors show it
	Attempt int        // 0 for the first try; retries count up
	Task    graph.Task // the run's task: its arguments, and where its result goes
}

// Report is how an Executor says a hand-off ended.
type Report struct {
	Err    error  // nil: the result is stored in the task
	Worker string // who ran it ("host/pid"): TaskEvent.Where, TaskError.Where
}

// Preparer is an Executor that checks, before a run starts, that it can
// run the tasks the run will hand it (that their arguments and results can
// travel, say): an error here fails the run before any task runs.
type Preparer interface {
	Prepare(ctx context.Context, g *graph.Graph, ids []int) error
}

// remote tells whether task i is handed to the run's executor.
func (r *run) remote(i int32) bool {
	return r.exec != nil && r.p.opts != nil && r.p.opts[i] != nil && r.p.opts[i].Remote
}

// handoff is a hand-off in flight, and then its report.
type handoff struct {
	r       *run
	i       int32
	attempt int
	start   time.Time
	worker  int // the worker that handed it over, for hooks
	cancel  context.CancelFunc
	rep     Report
	taken   atomic.Bool // reported once already
}

// attemptCtx is the context of one attempt of a handed-off task: the
// run's, with the task's timeout.
func (r *run) attemptCtx(i int32, h *handoff) context.Context {
	ctx, cancel := r.ctx, context.CancelFunc(func() {})
	if o := r.p.opts[i]; o.Timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
	}
	h.cancel = cancel
	return ctx
}

// awaitAway is a hand-off of the serial reference: it waits in place.
func (r *run) awaitAway(ctx context.Context, i int32, attempt int) (string, error) {
	ch := make(chan Report, 1)
	var taken atomic.Bool
	r.exec.Submit(ctx, r.handoff(i, attempt), func(rep Report) {
		if !taken.Swap(true) {
			ch <- rep
		}
	})
	rep := <-ch
	return rep.Worker, rep.Err
}

func (r *run) handoff(i int32, attempt int) Handoff {
	return Handoff{Graph: r.x.Graph(), ID: int(r.p.ids[i]), Name: r.name(i), Attempt: attempt, Task: r.task(i)}
}

// An inbox takes reports from any goroutine and gives them to the pool's
// workers, which take them in before anything else (they count as urgent
// work, see pool.urgent).
type inbox struct {
	mu   sync.Mutex
	list []*handoff
}

// deliver is an executor's done: it queues the report and wakes a worker.
func (pl *pool) deliver(h *handoff, rep Report) {
	if h.taken.Swap(true) {
		return // reported twice: the executor's bug; the first report stands
	}
	h.cancel()
	h.rep = rep
	pl.in.mu.Lock()
	pl.in.list = append(pl.in.list, h)
	pl.in.mu.Unlock()
	pl.urgent.Add(1)
	h.r.away.Done()
	pl.wakeOne()
}

// takeReport returns a queued report, if any.
func (pl *pool) takeReport() *handoff {
	pl.in.mu.Lock()
	defer pl.in.mu.Unlock()
	if len(pl.in.list) == 0 {
		return nil
	}
	h := pl.in.list[0]
	pl.in.list[0] = nil
	pl.in.list = pl.in.list[1:]
	pl.urgent.Add(-1)
	return h
}
