package sched

import (
	"fmt"
	"slices"

	"github.com/seed001e6470/taskgraph/graph"
)

// A plan is what a run needs to know about the part of a graph that some
// targets depend on, in flat arrays indexed by *local* task number. Local
// numbers are the static order: a depth-first post-order from the targets,
// visiting arguments in argument order. That is the order in which a plain
// recursive evaluation would compute the values ("finish what you started",
// like Dask's ordering), it is topological, and a lower number means a
// higher static priority. Value leaves are not tasks: they are never run
// and never released, so the plan leaves them out.
//
// A plan depends only on the graph and the targets; graphs only grow, so a
// plan stays valid and is cached for the next run of the same targets.
type plan struct {
	g       *graph.Graph
	targets []int32 // graph IDs of the unique targets, in the caller's order
	tlocal  []int32 // local number of each target; -1 for a Value target

	ids      []int32      // local -> graph ID
	tasks    []graph.Task // local -> executable
	depOff   []int32      // task deps of local i: deps[depOff[i]:depOff[i+1]]
	deps     []int32
	outOff   []int32 // dependents of local i: outs[outOff[i]:outOff[i+1]], ascending
	outs     []int32
	pending0 []int32 // number of task arguments (each occurrence counts)
	waiters0 []int32 // dependents still to read the result, +1 for a target
	roots    []int32 // tasks with no task arguments, ascending
	target   []bool  // local -> is a target (its result is kept)
	opts     []*graph.Options
}

func (p *plan) len() int { return len(p.ids) }

// sameTargets tells whether p was made for exactly these targets.
func (p *plan) sameTargets(g *graph.Graph, targets []int32) bool {
	return p != nil && p.g == g && slices.Equal(p.targets, targets)
}

// newPlan culls g to what targets need and orders it. O(V+E) in the size
// of the needed part, plus one pass to allocate a mark per graph node.
func newPlan(g *graph.Graph, targets []int32) (*plan, error) {
	p := &plan{g: g, targets: targets, tlocal: make([]int32, len(targets))}
	local := make([]int32, g.Len()) // 0 unvisited, -1 on the stack, k+1 assigned k
	p.order(local)
	n := len(p.ids)

	p.tasks = make([]graph.Task, n)
	p.depOff = make([]int32, n+1)
	p.pending0 = make([]int32, n)
	outDeg := make([]int32, n+1)
	for i, id := range p.ids {
		p.tasks[i] = g.TaskOf(int(id))
		for _, d := range g.Deps(int(id)) {
			if l := local[d]; l > 0 {
				p.deps = append(p.deps, l-1)
				outDeg[l-1]++
			}
		}
		p.depOff[i+1] = int32(len(p.deps))
		p.pending0[i] = p.depOff[i+1] - p.depOff[i]
		if p.pending0[i] == 0 {
			p.roots = append(p.roots, int32(i))
		}
	}

	// Dependents: a counting sort of the reversed edges. Filling in
	// ascending order of the dependent keeps every list sorted by priority.
	p.outOff = make([]int32, n+1)
	for i := range n {
		p.outOff[i+1] = p.outOff[i] + outDeg[i]
	}
	p.outs = make([]int32, len(p.deps))
	fill := outDeg[:n]
	copy(fill, p.outOff[:n])
	for i := range n {
		for _, d := range p.deps[p.depOff[i]:p.depOff[i+1]] {
			p.outs[fill[d]] = int32(i)
			fill[d]++
		}
	}

	p.waiters0 = make([]int32, n)
	p.target = make([]bool, n)
	for i := range n {
		p.waiters0[i] = p.outOff[i+1] - p.outOff[i]
	}
	for k, id := range targets {
		l := local[id] - 1
		p.tlocal[k] = l
		if l >= 0 && !p.target[l] {
			p.target[l] = true
			p.waiters0[l]++
		}
	}
	return p, p.readOptions()
}

// order assigns local numbers in depth-first post-order from the targets,
// with an explicit stack: graphs may be far deeper than a goroutine stack.
func (p *plan) order(local []int32) {
	type frame struct{ id, next int32 }
	var stack []frame
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
				if local[d] == 0 && g.Kind(int(d)) == graph.KindTask {
					local[d] = -1
					stack = append(stack, frame{d, 0})
				}
				continue
			}
			p.ids = append(p.ids, f.id)
			local[f.id] = int32(len(p.ids))
			stack = stack[:len(stack)-1]
		}
	}
}

// readOptions collects per-task options, if any task has some, and checks
// what can be checked before anything runs.
func (p *plan) readOptions() error {
	for i, id := range p.ids {
		o := p.g.OptionsOf(int(id))
		if o == nil || (o.Priority == 0 && o.Retries == 0 && o.Timeout == 0 && len(o.Resources) == 0) {
			continue
		}
		if p.opts == nil {
			p.opts = make([]*graph.Options, len(p.ids))
		}
		p.opts[i] = o
		for _, r := range o.Resources {
			if r.Amount <= 0 {
				return fmt.Errorf("%w: task %s uses %d of resource %q", ErrResource, p.g.Key(int(id)), r.Amount, r.Name)
			}
		}
	}
	return nil
}
