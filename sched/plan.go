package sched

import (
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/seed001e6470/taskgraph/graph"
)

// A plan is what a run needs to know about the part of a graph that some
// targets depend on, indexed by *local* task number. Local numbers are the
// static order: a depth-first post-order from the targets, visiting
// arguments in argument order. That is the order in which a plain recursive
// evaluation would compute the values ("finish what you started", like
// Dask's ordering); it is topological, and a lower number means a higher
// static priority. Value leaves are not tasks: they are never run and never
// released, so the plan leaves them out.
//
// Everything a worker reads about task i sits in slots[i] (a quarter of a
// cache line), and the edge lists are two flat arrays (CSR), so running a
// task chases no pointer but the task's own.
//
// A plan depends only on the graph and the targets; graphs only grow, so a
// plan stays valid and is cached for the next run of the same targets (see
// graphState). It holds no pointer to the graph, so that the cache does not
// keep a graph alive.
type plan struct {
	targets []int32 // graph IDs of the unique targets, in the caller's order
	tlocal  []int32 // local number of each target; -1 for a Value target

	slots []slot       // one per task, and one more that ends the last task's edge lists
	ids   []int32      // local -> graph ID
	tasks []graph.Task // local -> the graph's own task, once the plan is run again (see reused)
	deps  []int32      // task arguments, as local numbers (see edge)
	outs  []int32      // dependents, as local numbers, ascending per task
	roots []int32      // tasks with no task arguments, ascending
	opts  []*graph.Options
	// remote lists the tasks marked graph.Remote, for an executor to check
	// before a run hands them over (see Preparer).
	remote []int

	// With priorities (graph.Priority), prio holds each task's, and
	// serialOrder the reference order: among ready tasks, the highest
	// priority first, then the lowest static number. Both nil otherwise.
	prio        []int32
	serialOrder []int32

	// Shared counters exist only where two workers may race: for tasks
	// with several arguments (a pending count, each occurrence counted)
	// and results with several readers (a reader count, +1 for a target).
	// The rest, most tasks of chains and trees, need none, and a run
	// starts by copying this short array.
	counts0 []int32
}

// slot holds no pointer, so a plan of millions of tasks costs the garbage
// collector little to scan: only the tasks array holds pointers. It is 16
// bytes: a plan is made for every graph that is run, and on a machine
// where fresh memory is slow to touch (a page fault per 4 KiB) its size
// shows in the cost of a first run. So the ends of a task's edge lists are
// the next slot's starts, and a chain link's dependent is read from outs.
type slot struct {
	dep int32 // the task's arguments are deps[dep : the next slot's dep]
	out int32 // its dependents are outs[out : the next slot's out]
	cnt int32 // its first counter in counts0 (see hasPending, hasReaders)
	f   flags
}

type flags uint8

const (
	isTarget flags = 1 << iota
	isWide         // many arguments: workers count them down in batches
	isRanked       // has a priority: becomes ready into the pool's ranked queues
	// isPlain: the result holds no pointers, so releasing it frees nothing
	// and skips the call that would zero it (Executable.HoldsPointers).
	isPlain
	// isQuiet: settling the task has nothing to do: it is not a target and
	// its arguments are plain results it alone reads (most chain links).
	isQuiet
	// isLink: the task's single dependent has no other argument (the next
	// link of a chain): it is ready as soon as this task is done, with
	// nothing to count.
	isLink
	hasPending // counts0[cnt] counts the task's arguments down
	hasReaders // counts0[cnt], or cnt+1 after a pending count, counts its readers down
)

// has tells whether f has all of g set.
func (f flags) has(g flags) bool { return f&g == g }

// with returns f with g set when on is true.
func (f flags) with(g flags, on bool) flags {
	if on {
		return f | g
	}
	return f
}

// readers is the index of the task's reader count in counts0.
func (s *slot) readers() int32 {
	if s.f.has(hasPending) {
		return s.cnt + 1
	}
	return s.cnt
}

// An entry of plan.deps is an argument's local number d, or ^d (negative)
// when this task is the argument's only reader, so that releasing it needs
// neither its counter nor even a look at its slot.
func edge(e int32) (d int32, onlyReader bool) {
	if e < 0 {
		return ^e, true
	}
	return e, false
}

// wideFanIn is the argument count from which a task's pending counter is
// counted down in batches (see worker.ready): below it, contention is rare
// and batching would only add work.
const wideFanIn = 16

func (p *plan) len() int { return len(p.slots) - 1 }

// args returns task i's arguments (see edge).
func (p *plan) args(i int32) []int32 { return p.deps[p.slots[i].dep:p.slots[i+1].dep] }

// dependents returns the tasks that read task i's result, ascending.
func (p *plan) dependents(i int32) []int32 { return p.outs[p.slots[i].out:p.slots[i+1].out] }

// link returns task i's single dependent when that one has no other
// argument, or -1.
func (p *plan) link(i int32) int32 {
	if s := &p.slots[i]; s.f.has(isLink) {
		return p.outs[s.out]
	}
	return -1
}

// reused is called when p is run again. A plan's first run looks its
// tasks up in the graph; a plan run again keeps a table of them in run
// order, which saves an indirection (and, for a graph built in another
// order than it runs, a cache miss) per task. The table is not made for
// the first run: an array of interfaces as long as the plan costs 16 bytes
// a task to allocate and 2 words a task for the garbage collector to scan,
// which a graph built to be run once (the common case) would pay for
// nothing.
//
// Only a run that holds the graph's cells calls it (see graphState), so
// the table is made once.
func (p *plan) reused(x graph.Executable) {
	if p.tasks != nil {
		return
	}
	tasks := make([]graph.Task, len(p.ids))
	for i, id := range p.ids {
		tasks[i] = x.Task(int(id))
	}
	p.tasks = tasks
}

// sameTargets tells whether p was made for exactly these targets.
func (p *plan) sameTargets(targets []int32) bool {
	return p != nil && slices.Equal(p.targets, targets)
}

// newPlan culls the graph to what targets need and orders it: O(V+E) in
// the size of the needed part, plus one mark per graph node.
func newPlan(g graph.Executable, targets []int32) (*plan, error) {
	p := &plan{targets: targets, tlocal: make([]int32, len(targets))}
	sc := takeScratch()
	defer sc.putBack()
	// local: 0 unvisited, -1 on the stack, k+1 is local number k
	local := sc.marks(g.Len())
	ids, nd, err := g.PostOrder(p.targets, local, make([]int32, 0, len(local)), &sc.order)
	if err != nil {
		return nil, err
	}
	n := len(ids)
	p.ids = ids

	p.slots = make([]slot, n+1)
	p.deps = make([]int32, 0, nd)
	for k, id := range targets {
		l := local[id] - 1
		p.tlocal[k] = l
		if l >= 0 {
			p.slots[l].f |= isTarget
		}
	}

	// Pass 1: arguments, and a count of dependents (kept in out). Roots
	// and counters are gathered in scratch memory and copied out at their
	// exact size: growing them by append would allocate several times
	// their size in fresh memory.
	roots, counts := sc.roots[:0], sc.counts[:0]
	defer func() { sc.roots, sc.counts = roots[:0], counts[:0] }()
	for i, id := range ids {
		s := &p.slots[i]
		s.dep = int32(len(p.deps))
		s.f = s.f.with(isPlain, !g.HoldsPointers(int(id)))
		for _, d := range g.Deps(int(id)) {
			if l := local[d]; l > 0 {
				p.deps = append(p.deps, l-1)
				p.slots[l-1].out++
			}
		}
		switch a := int32(len(p.deps)) - s.dep; {
		case a == 0:
			roots = append(roots, int32(i))
		case a > 1:
			s.f |= hasPending
			s.f = s.f.with(isWide, a >= wideFanIn)
		}
	}
	p.slots[n].dep = int32(len(p.deps))
	p.roots = slices.Clone(roots)

	// Pass 2: where each task's dependents end (a counting sort of the
	// reversed edges, filled backwards in pass 3), and the shared counters.
	off := int32(0)
	for i := range n {
		s := &p.slots[i]
		c := s.out
		off += c
		s.out = off
		s.cnt = int32(len(counts))
		if s.f.has(hasPending) {
			counts = append(counts, p.slots[i+1].dep-s.dep)
		}
		if t := s.f.has(isTarget); c > 1 || (c == 1 && t) {
			s.f |= hasReaders
			counts = append(counts, c+b2i(t))
		}
	}
	p.slots[n].out = off
	p.counts0 = slices.Clone(counts)

	// Pass 3, from the last task back: fill the dependents (each list
	// ascending, so sorted by priority), and mark the edges to results
	// with a single reader. When task i is reached, every task after it
	// has been, so i's own list is complete: whether it hands over to a
	// chain link can be told.
	p.outs = make([]int32, nd)
	for i := int32(n) - 1; i >= 0; i-- {
		s := &p.slots[i]
		if lo := s.out; p.slots[i+1].out-lo == 1 && !p.slots[p.outs[lo]].f.has(hasPending) {
			s.f |= isLink
		}
		q := !s.f.has(isTarget)
		for k := s.dep; k < p.slots[i+1].dep; k++ {
			d := p.deps[k]
			sd := &p.slots[d]
			sd.out--
			p.outs[sd.out] = i
			if !sd.f.has(hasReaders) {
				p.deps[k] = ^d
			}
			q = q && !sd.f.has(hasReaders) && sd.f.has(isPlain)
		}
		s.f = s.f.with(isQuiet, q)
	}
	return p, p.readOptions(g)
}

// scratch is planning memory reused from plan to plan: building a graph
// and running it once (the common case) should not pay for fresh marks
// and a fresh stack as deep as the graph every time.
type scratch struct {
	local  []int32
	order  graph.OrderScratch
	roots  []int32
	counts []int32
}

// spare is the scratch of the last plan made. A sync.Pool would drop it
// at every garbage collection, and building a large graph triggers a few:
// the marks, a stack as deep as a chain and the lists of roots and
// counters were then allocated afresh for most plans. One spare is kept,
// as long as each of its arrays is at most maxSpare entries (a few MiB);
// concurrent planners beyond the first get fresh memory.
var spare atomic.Pointer[scratch]

const maxSpare = 1 << 19

func takeScratch() *scratch {
	if sc := spare.Swap(nil); sc != nil {
		return sc
	}
	return new(scratch)
}

func (sc *scratch) putBack() {
	if max(cap(sc.local), cap(sc.roots), cap(sc.counts)) <= maxSpare {
		spare.Store(sc)
	}
}

// marks returns n zeroed marks.
func (sc *scratch) marks(n int) []int32 {
	if cap(sc.local) < n {
		sc.local = make([]int32, n)
		return sc.local
	}
	sc.local = sc.local[:n]
	clear(sc.local)
	return sc.local
}

// readOptions collects per-task options, if any task has some, and checks
// what can be checked before anything runs.
func (p *plan) readOptions(g graph.Executable) error {
	if !g.HasOptions() {
		return nil
	}
	for i := range p.len() {
		id := int(p.ids[i])
		o, ok := g.Options(id)
		if !ok || (o.Priority == 0 && o.Retries == 0 && o.Timeout == 0 && len(o.Resources) == 0 && !o.Remote) {
			continue
		}
		if p.opts == nil {
			p.opts = make([]*graph.Options, p.len())
		}
		p.opts[i] = &o
		if o.Remote {
			p.remote = append(p.remote, id)
		}
		if o.Priority != 0 {
			if p.prio == nil {
				p.prio = make([]int32, p.len())
			}
			p.prio[i] = graph.ClampPriority(o.Priority)
			p.slots[i].f |= isRanked
		}
		for _, r := range o.Resources {
			if r.Amount <= 0 {
				return fmt.Errorf("%w: task %s uses %d of resource %q", ErrResource, g.Key(id), r.Amount, r.Name)
			}
		}
	}
	if p.prio != nil {
		for i := range int32(p.len()) {
			// A ranked task is never handed over directly.
			if j := p.link(i); j >= 0 && p.slots[j].f.has(isRanked) {
				p.slots[i].f &^= isLink
			}
		}
		return p.rankSerialOrder(g)
	}
	return nil
}

// rankSerialOrder is the reference order with priorities: graph's
// RunOrder, in local numbers.
func (p *plan) rankSerialOrder(g graph.Executable) error {
	order, err := g.RunOrder(p.targets)
	if err != nil {
		return err
	}
	local := make(map[int32]int32, len(p.ids))
	for i, id := range p.ids {
		local[id] = int32(i)
	}
	p.serialOrder = make([]int32, len(order))
	for k, id := range order {
		p.serialOrder[k] = local[id]
	}
	return nil
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
