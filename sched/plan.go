package sched

import (
	"container/heap"
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
// Everything a worker reads about task i sits in slots[i], one cache line,
// and the edge lists are two flat arrays (CSR), so running a task chases
// no pointer but the task's own.
//
// A plan depends only on the graph and the targets; graphs only grow, so a
// plan stays valid and is cached for the next run of the same targets.
type plan struct {
	g       *graph.Graph
	targets []int32 // graph IDs of the unique targets, in the caller's order
	tlocal  []int32 // local number of each target; -1 for a Value target

	slots []slot
	ids   []int32      // local -> graph ID
	tasks []graph.Task // local -> executable, once the plan is run again (see reused)
	deps  []int32      // task arguments, as local numbers (see edge)
	outs  []int32      // dependents, as local numbers, ascending per task
	roots []int32      // tasks with no task arguments, ascending
	opts  []*graph.Options

	// With priorities (graph.Priority), prio holds each task's, and
	// serialOrder the reference order: among ready tasks, the highest
	// priority first, then the lowest static number. Both nil otherwise.
	prio        []int32
	serialOrder []int32

	// Shared counters exist only where two workers may race: for tasks
	// with several arguments (pending) and results with several readers
	// (waiters). The rest, most tasks of chains and trees, need none, and
	// a run starts by copying these short arrays.
	pending0 []int32 // task arguments, each occurrence counted
	waiters0 []int32 // dependents reading the result, +1 for a target
}

// slot holds no pointer, so a plan of millions of tasks costs the garbage
// collector little to scan: only the tasks array holds pointers.
type slot struct {
	depLo, depHi int32 // deps[depLo:depHi]
	outLo, outHi int32 // outs[outLo:outHi]
	pending      int32 // index into pending0, or -1: one argument at most
	waiters      int32 // index into waiters0, or -1: one reader at most
	// only is the task's single dependent when that dependent has no
	// other argument (a link of a chain): it is ready as soon as this
	// task is done, with nothing to count. -1 otherwise.
	only int32
	// The flags share one byte: a slot is 32 bytes, two to a cache line,
	// where five bools made it 36 and every other slot straddled two.
	f flags
}

type flags uint8

const (
	isTarget flags = 1 << iota
	isWide         // many arguments: workers count them down in batches
	isRanked       // has a priority: becomes ready into the pool's ranked queues
	// isPlain: the result holds no pointers, so releasing it frees nothing
	// and skips the call that would zero it (graph.HoldsPointers).
	isPlain
	// isQuiet: settling the task has nothing to do: it is not a target and
	// its arguments are plain results it alone reads (most chain links).
	isQuiet
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

func (p *plan) len() int { return len(p.slots) }

// task returns local task i's executable.
func (p *plan) task(i int32) graph.Task {
	if p.tasks != nil {
		return p.tasks[i]
	}
	return p.g.TaskOf(int(p.ids[i]))
}

// reused is called when p is run again. A plan's first run looks its
// tasks up in the graph; a plan run again keeps a table of them in run
// order, which saves an indirection (and, for a graph built in another
// order than it runs, a cache miss) per task. The table is not made for
// the first run: an array of interfaces as long as the plan costs 16 bytes
// a task to allocate and 2 words a task for the garbage collector to scan,
// which a graph built to be run once (the common case) would pay for
// nothing.
func (p *plan) reused() {
	if p.tasks != nil {
		return
	}
	tasks := make([]graph.Task, len(p.ids))
	for i, id := range p.ids {
		tasks[i] = p.g.TaskOf(int(id))
	}
	p.tasks = tasks
}

// sameTargets tells whether p was made for exactly these targets.
func (p *plan) sameTargets(g *graph.Graph, targets []int32) bool {
	return p != nil && p.g == g && slices.Equal(p.targets, targets)
}

// newPlan culls g to what targets need and orders it: O(V+E) in the size
// of the needed part, plus one mark per graph node.
func newPlan(g *graph.Graph, targets []int32) (*plan, error) {
	p := &plan{g: g, targets: targets, tlocal: make([]int32, len(targets))}
	sc := takeScratch()
	defer sc.putBack()
	// local: 0 unvisited, -1 on the stack, k+1 is local number k
	local := sc.marks(g.Len())
	ids, nd := p.order(local, sc)
	n := len(ids)
	p.ids = ids

	p.slots = make([]slot, n)
	p.deps = make([]int32, 0, nd)
	for k, id := range targets {
		l := local[id] - 1
		p.tlocal[k] = l
		if l >= 0 {
			p.slots[l].f |= isTarget
		}
	}

	// Pass 1: arguments, and a count of dependents (kept in outHi).
	for i, id := range ids {
		s := &p.slots[i]
		s.depLo = int32(len(p.deps))
		s.f = s.f.with(isPlain, !g.HoldsPointers(int(id)))
		for _, d := range g.Deps(int(id)) {
			if l := local[d]; l > 0 {
				p.deps = append(p.deps, l-1)
				p.slots[l-1].outHi++
			}
		}
		s.depHi = int32(len(p.deps))
		s.pending = -1
		switch n := s.depHi - s.depLo; {
		case n == 0:
			p.roots = append(p.roots, int32(i))
		case n > 1:
			s.pending = int32(len(p.pending0))
			s.f = s.f.with(isWide, n >= wideFanIn)
			p.pending0 = append(p.pending0, n)
		}
	}

	// Pass 2: where each task's dependents go (a counting sort of the
	// reversed edges), and which results need a shared reader count.
	off := int32(0)
	for i := range p.slots {
		s := &p.slots[i]
		c := s.outHi
		s.outLo, s.outHi = off, off
		off += c
		s.waiters, s.only = -1, -1
		if c > 1 || (c == 1 && s.f.has(isTarget)) {
			s.waiters = int32(len(p.waiters0))
			p.waiters0 = append(p.waiters0, c+b2i(s.f.has(isTarget)))
		}
		if c == 1 {
			s.only = -2 // one dependent: found in pass 3
		}
	}

	// Pass 3: fill the dependents in ascending order (so every list is
	// sorted by priority), hand chain links over directly, and mark the
	// edges to results with a single reader.
	p.outs = make([]int32, nd)
	for i := range p.slots {
		s := &p.slots[i]
		q := !s.f.has(isTarget)
		for k := s.depLo; k < s.depHi; k++ {
			d := p.deps[k]
			sd := &p.slots[d]
			p.outs[sd.outHi] = int32(i)
			sd.outHi++
			if sd.only == -2 {
				sd.only = -1
				if s.pending < 0 {
					sd.only = int32(i)
				}
			}
			if sd.waiters < 0 {
				p.deps[k] = ^d
			}
			q = q && sd.waiters < 0 && sd.f.has(isPlain)
		}
		s.f = s.f.with(isQuiet, q)
	}
	return p, p.readOptions()
}

// order returns the needed task IDs in depth-first post-order from the
// targets, and how many task arguments they have in all. It uses an
// explicit stack: graphs may be far deeper than a goroutine's stack should
// grow.
func (p *plan) order(local []int32, sc *scratch) (ids []int32, taskDeps int) {
	stack := sc.stack[:0]
	defer func() { sc.stack = stack[:0] }()
	ids = make([]int32, 0, len(local))
	g := p.g
	for _, t := range p.targets {
		if local[t] != 0 || g.Kind(int(t)) == graph.KindValue {
			continue
		}
		local[t] = -1
		stack = append(stack[:0], frame{t, 0})
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			deps := g.Deps(int(f.id))
			if int(f.next) < len(deps) {
				d := deps[f.next]
				f.next++
				if g.Kind(int(d)) == graph.KindTask {
					taskDeps++
					if local[d] == 0 {
						local[d] = -1
						stack = append(stack, frame{d, 0})
					}
				}
				continue
			}
			ids = append(ids, f.id)
			local[f.id] = int32(len(ids))
			stack = stack[:len(stack)-1]
		}
	}
	return ids, taskDeps
}

// scratch is planning memory reused from plan to plan: building a graph
// and running it once (the common case) should not pay for fresh marks
// and a fresh stack as deep as the graph every time.
type scratch struct {
	local []int32
	stack []frame
}

type frame struct{ id, next int32 }

// spare is the scratch of the last plan made. A sync.Pool would drop it
// at every garbage collection, and building a large graph triggers a few:
// the marks and a stack as deep as a chain were then allocated afresh for
// most plans. One spare is kept, as long as it is at most maxSpare entries
// (a few MiB); concurrent planners beyond the first get fresh memory.
var spare atomic.Pointer[scratch]

const maxSpare = 1 << 19

func takeScratch() *scratch {
	if sc := spare.Swap(nil); sc != nil {
		return sc
	}
	return new(scratch)
}

func (sc *scratch) putBack() {
	if cap(sc.local) <= maxSpare && cap(sc.stack) <= maxSpare {
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
func (p *plan) readOptions() error {
	if !p.g.HasOptions() {
		return nil
	}
	for i := range p.slots {
		id := int(p.ids[i])
		o := p.g.OptionsOf(id)
		if o == nil || (o.Priority == 0 && o.Retries == 0 && o.Timeout == 0 && len(o.Resources) == 0) {
			continue
		}
		if p.opts == nil {
			p.opts = make([]*graph.Options, len(p.slots))
		}
		p.opts[i] = o
		if o.Priority != 0 {
			if p.prio == nil {
				p.prio = make([]int32, len(p.slots))
			}
			p.prio[i] = int32(max(min(o.Priority, 1<<30), -1<<30))
			p.slots[i].f |= isRanked
		}
		for _, r := range o.Resources {
			if r.Amount <= 0 {
				return fmt.Errorf("%w: task %s uses %d of resource %q", ErrResource, p.g.Key(id), r.Amount, r.Name)
			}
		}
	}
	if p.prio != nil {
		for i := range p.slots {
			// A ranked task is never handed over directly.
			if o := p.slots[i].only; o >= 0 && p.slots[o].f.has(isRanked) {
				p.slots[i].only = -1
			}
		}
		p.rankSerialOrder()
	}
	return nil
}

// rankSerialOrder is Kahn's algorithm over the plan, taking among ready
// tasks the one with the highest priority, then the lowest static number:
// without priorities it would give back the static order itself.
func (p *plan) rankSerialOrder() {
	pending := make([]int32, len(p.slots))
	for i := range p.slots {
		pending[i] = p.slots[i].depHi - p.slots[i].depLo
	}
	h := &rankHeap{p: p, xs: slices.Clone(p.roots)}
	heap.Init(h)
	for h.Len() > 0 {
		i := heap.Pop(h).(int32)
		p.serialOrder = append(p.serialOrder, i)
		s := &p.slots[i]
		for _, j := range p.outs[s.outLo:s.outHi] {
			if pending[j]--; pending[j] == 0 {
				heap.Push(h, j)
			}
		}
	}
}

type rankHeap struct {
	p  *plan
	xs []int32
}

func (h *rankHeap) Len() int { return len(h.xs) }
func (h *rankHeap) Less(a, b int) bool {
	i, j := h.xs[a], h.xs[b]
	if pi, pj := h.p.prio[i], h.p.prio[j]; pi != pj {
		return pi > pj
	}
	return i < j
}
func (h *rankHeap) Swap(a, b int) { h.xs[a], h.xs[b] = h.xs[b], h.xs[a] }
func (h *rankHeap) Push(x any)    { h.xs = append(h.xs, x.(int32)) }
func (h *rankHeap) Pop() any {
	x := h.xs[len(h.xs)-1]
	h.xs = h.xs[:len(h.xs)-1]
	return x
}

func b2i(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
