package sched_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// The property test builds random graphs of int tasks (chains, fan-outs and
// fan-ins, trees, diamonds, repeated arguments, Value leaves, CallSlice and
// Gather, tasks with options and resources), injects errors and panics into
// random tasks, and computes two target sets alternately with 1, 2 and 8
// workers, fail-fast and keep-going. Every run is checked against a model
// evaluated here by plain recursion, and every parallel run against the
// reference run (Workers(1)) of the same target set.

type fault uint8

const (
	noFault       fault = iota
	errFault            // returns its error (a plain-form task panics with it)
	panicFault          // panics with a string
	panicErrFault       // panics with its error
	flakyFault          // fails its first attempt only (it has Retries(1))
)

// pnode is the model of one graph node, indexed by graph ID.
type pnode struct {
	value    bool  // a Value leaf
	internal bool  // a task without a user function (Gather): never counted
	konst    int   // a Value's constant
	deps     []int // graph IDs of the direct arguments
	args     []int // graph IDs of the values the task mixes (a Gather's inputs for its reader)
	name     string
	ctxForm  bool // may return an error; plain forms panic instead
	retries  int
	uses     int64
	priority int
	remote   bool // handed to the run's executor, when it has one
	fault    fault
	err      error // what a faulty task fails with
}

type pgraph struct {
	g     *graph.Graph
	ints  []graph.Delayed[int] // handles usable as arguments and targets
	nodes []pnode
	calls []atomic.Int32 // attempts per graph ID in the current run
	limit int64          // of resource "slot"
	inUse atomic.Int64
	over  atomic.Bool // "slot" was ever over its limit
}

func panicValue(id int) string { return fmt.Sprintf("boom in task %d", id) }

// mix is every task's computation: order-sensitive in its arguments, so a
// wrong or swapped argument shows in the result.
func mix(id int, xs []int) int {
	h := uint64(id)*0x9E3779B97F4A7C15 + 1
	for _, x := range xs {
		h ^= uint64(x)
		h *= 0x100000001b3
	}
	return int(h >> 8)
}

// body is what task id does when it runs.
func (pg *pgraph) body(id int, xs []int) (int, error) {
	n := &pg.nodes[id]
	attempt := pg.calls[id].Add(1)
	if n.uses > 0 {
		if pg.inUse.Add(n.uses) > pg.limit {
			pg.over.Store(true)
		}
		defer pg.inUse.Add(-n.uses)
	}
	switch n.fault {
	case errFault:
		return 0, n.err
	case panicFault:
		panic(panicValue(id))
	case panicErrFault:
		panic(n.err)
	case flakyFault:
		if attempt == 1 {
			return 0, n.err
		}
	}
	return mix(id, xs), nil
}

func (pg *pgraph) plain(id int, xs []int) int {
	v, err := pg.body(id, xs)
	if err != nil {
		panic(err)
	}
	return v
}

// addTask adds a task reading args, in one of the forms that fits their
// number, with random options.
func (pg *pgraph) addTask(t *rapid.T, args []graph.Delayed[int], slice bool) graph.Delayed[int] {
	g := pg.g
	id := g.Len()
	n := pnode{name: rapid.SampledFrom([]string{"load", "mix", "sum", "tile", "reduce"}).Draw(t, "name")}
	for _, a := range args {
		n.deps = append(n.deps, a.ID())
	}
	n.args = n.deps
	n.ctxForm = slice || len(args) == 0 || rapid.Bool().Draw(t, "ctxForm")
	var opts []graph.Option
	if rapid.Bool().Draw(t, "retries") {
		n.retries = 1
		opts = append(opts, graph.Retries(1))
	}
	if rapid.Bool().Draw(t, "uses") {
		n.uses = rapid.Int64Range(1, pg.limit).Draw(t, "amount")
		opts = append(opts, graph.Uses("slot", n.uses))
	}
	if p := rapid.IntRange(-2, 2).Draw(t, "priority"); p != 0 {
		n.priority = p
		opts = append(opts, graph.Priority(p))
	}
	if rapid.IntRange(0, 2).Draw(t, "remote") == 0 {
		n.remote = true
		opts = append(opts, graph.Remote())
	}
	pg.nodes = append(pg.nodes, n)

	var d graph.Delayed[int]
	switch {
	case slice:
		d = graph.CallSlice(g, n.name, func(_ context.Context, xs []int) (int, error) { return pg.body(id, xs) }, args, opts...)
	case len(args) == 0:
		d = graph.Source(g, n.name, func(context.Context) (int, error) { return pg.body(id, nil) }, opts...)
	case len(args) == 1 && n.ctxForm:
		d = graph.CallCtx(g, n.name, func(_ context.Context, a int) (int, error) { return pg.body(id, []int{a}) }, args[0], opts...)
	case len(args) == 1:
		d = graph.Call(g, n.name, func(a int) int { return pg.plain(id, []int{a}) }, args[0], opts...)
	case len(args) == 2 && n.ctxForm:
		d = graph.CallCtx2(g, n.name, func(_ context.Context, a, b int) (int, error) { return pg.body(id, []int{a, b}) }, args[0], args[1], opts...)
	case len(args) == 2:
		d = graph.Call2(g, n.name, func(a, b int) int { return pg.plain(id, []int{a, b}) }, args[0], args[1], opts...)
	case len(args) == 3 && n.ctxForm:
		d = graph.CallCtx3(g, n.name, func(_ context.Context, a, b, c int) (int, error) { return pg.body(id, []int{a, b, c}) }, args[0], args[1], args[2], opts...)
	case len(args) == 3:
		d = graph.Call3(g, n.name, func(a, b, c int) int { return pg.plain(id, []int{a, b, c}) }, args[0], args[1], args[2], opts...)
	default:
		panic("addTask: no form for this many arguments")
	}
	if d.ID() != id {
		t.Fatalf("new task got ID %d, want %d (its creation index)", d.ID(), id)
	}
	pg.ints = append(pg.ints, d)
	return d
}

func (pg *pgraph) addValue(t *rapid.T) graph.Delayed[int] {
	k := rapid.IntRange(-100, 100).Draw(t, "const")
	pg.nodes = append(pg.nodes, pnode{value: true, konst: k, name: "x"})
	d := graph.Value(pg.g, "x", k)
	pg.ints = append(pg.ints, d)
	return d
}

// addGather adds Gather(args) and a task summing the gathered slice.
func (pg *pgraph) addGather(t *rapid.T, args []graph.Delayed[int]) graph.Delayed[int] {
	gid := pg.g.Len()
	gn := pnode{internal: true, name: "gather"}
	for _, a := range args {
		gn.deps = append(gn.deps, a.ID())
	}
	pg.nodes = append(pg.nodes, gn)
	gathered := graph.Gather(pg.g, "gather", args)
	if gathered.ID() != gid {
		t.Fatalf("Gather got ID %d, want %d", gathered.ID(), gid)
	}
	id := pg.g.Len()
	n := pnode{name: "fold", deps: []int{gid}, args: gn.deps}
	pg.nodes = append(pg.nodes, n)
	d := graph.Call(pg.g, "fold", func(xs []int) int { return pg.plain(id, xs) }, gathered)
	pg.ints = append(pg.ints, d)
	return d
}

func (pg *pgraph) pick(t *rapid.T) graph.Delayed[int] {
	return pg.ints[rapid.IntRange(0, len(pg.ints)-1).Draw(t, "arg")]
}

func (pg *pgraph) picks(t *rapid.T, lo, hi int) []graph.Delayed[int] {
	n := rapid.IntRange(lo, hi).Draw(t, "nargs")
	out := make([]graph.Delayed[int], n)
	for i := range out {
		out[i] = pg.pick(t)
	}
	return out
}

// drawGraph builds a random graph out of shapes.
func drawGraph(t *rapid.T) *pgraph {
	pg := &pgraph{g: new(graph.Graph), limit: rapid.Int64Range(1, 2).Draw(t, "limit")}
	for range rapid.IntRange(1, 14).Draw(t, "steps") {
		if len(pg.ints) == 0 {
			if rapid.Bool().Draw(t, "firstIsValue") {
				pg.addValue(t)
			} else {
				pg.addTask(t, nil, false)
			}
			continue
		}
		switch rapid.IntRange(0, 8).Draw(t, "shape") {
		case 0: // a leaf
			if rapid.Bool().Draw(t, "value") {
				pg.addValue(t)
			} else {
				pg.addTask(t, nil, false)
			}
		case 1: // a chain
			d := pg.pick(t)
			for range rapid.IntRange(1, 8).Draw(t, "chainLen") {
				d = pg.addTask(t, []graph.Delayed[int]{d}, false)
			}
		case 2: // a fan-out of one value, maybe fanned in again
			x := pg.pick(t)
			outs := make([]graph.Delayed[int], rapid.IntRange(2, 6).Draw(t, "width"))
			for i := range outs {
				outs[i] = pg.addTask(t, []graph.Delayed[int]{x}, false)
			}
			if rapid.Bool().Draw(t, "fanIn") {
				pg.addTask(t, outs, true)
			}
		case 3: // a binary-tree reduction of some values
			level := pg.picks(t, 2, 8)
			for len(level) > 1 {
				var next []graph.Delayed[int]
				for i := 0; i+1 < len(level); i += 2 {
					next = append(next, pg.addTask(t, level[i:i+2], false))
				}
				if len(level)%2 == 1 {
					next = append(next, level[len(level)-1])
				}
				level = next
			}
		case 4: // a diamond
			x := pg.pick(t)
			b := pg.addTask(t, []graph.Delayed[int]{x}, false)
			c := pg.addTask(t, []graph.Delayed[int]{x}, false)
			pg.addTask(t, []graph.Delayed[int]{b, c}, false)
		case 5: // one argument given twice (or three times)
			a := pg.pick(t)
			if rapid.Bool().Draw(t, "thrice") {
				pg.addTask(t, []graph.Delayed[int]{a, pg.pick(t), a}, false)
			} else {
				pg.addTask(t, []graph.Delayed[int]{a, a}, false)
			}
		case 6: // a call on random arguments
			pg.addTask(t, pg.picks(t, 1, 3), false)
		case 7: // a CallSlice fan-in of random arguments (repeats allowed)
			pg.addTask(t, pg.picks(t, 0, 8), true)
		case 8: // Gather, then a task folding the slice
			pg.addGather(t, pg.picks(t, 0, 6))
		}
	}
	pg.calls = make([]atomic.Int32, pg.g.Len())
	if err := pg.g.Err(); err != nil {
		t.Fatalf("building failed: %v", err)
	}
	if pg.g.Len() != len(pg.nodes) {
		t.Fatalf("graph has %d nodes, model %d", pg.g.Len(), len(pg.nodes))
	}

	// Faults go into a few random tasks: often none or one, so that fail-fast
	// runs can be compared error for error.
	var tasks []int
	for id, n := range pg.nodes {
		if !n.value && !n.internal {
			tasks = append(tasks, id)
		}
	}
	if len(tasks) > 0 {
		for range rapid.IntRange(0, 3).Draw(t, "faults") {
			id := rapid.SampledFrom(tasks).Draw(t, "faulty")
			n := &pg.nodes[id]
			n.fault = fault(rapid.IntRange(1, 4).Draw(t, "fault"))
			if n.fault == flakyFault && n.retries == 0 {
				n.fault = errFault
			}
			n.err = fmt.Errorf("task %d failed", id)
		}
	}
	return pg
}

// ranked is the documented reference order with priorities: repeatedly the
// ready task of highest priority, then earliest in the static order. A
// plain quadratic loop, to be obviously right.
func (pg *pgraph) ranked(static []int) []int {
	pos := map[int]int{}
	for k, id := range static {
		pos[id] = k
	}
	done := map[int]bool{}
	var out []int
	for len(out) < len(static) {
		best := -1
		for _, id := range static {
			if done[id] {
				continue
			}
			ready := true
			for _, d := range pg.nodes[id].deps {
				if _, needed := pos[d]; needed && !done[d] {
					ready = false
				}
			}
			if ready && (best < 0 || pg.nodes[id].priority > pg.nodes[best].priority) {
				best = id
			}
		}
		done[best] = true
		out = append(out, best)
	}
	return out
}

// model is what a run of some targets must do.
type model struct {
	needed []bool // tasks (not Values) the targets depend on
	upBad  []bool // a dependency failed or was skipped
	fails  []bool // the task itself fails (after its retries)
	failed []int  // needed tasks that fail with all dependencies fine (keep-going reports these)
	order  []int  // the documented static order of the needed tasks
	vals   []int
}

func (pg *pgraph) model(targets []graph.Delayed[int]) model {
	n := len(pg.nodes)
	m := model{needed: make([]bool, n), upBad: make([]bool, n), fails: make([]bool, n), vals: make([]int, n)}
	for id, nd := range pg.nodes {
		switch {
		case nd.value:
			m.vals[id] = nd.konst
			continue
		case nd.internal:
		default:
			xs := make([]int, len(nd.args))
			for k, a := range nd.args {
				xs[k] = m.vals[a]
			}
			m.vals[id] = mix(id, xs)
			m.fails[id] = nd.fault != noFault && nd.fault != flakyFault
		}
		for _, d := range nd.deps {
			if m.upBad[d] || m.fails[d] {
				m.upBad[id] = true
			}
		}
	}
	var visit func(id int)
	visit = func(id int) {
		if m.needed[id] || pg.nodes[id].value {
			return
		}
		m.needed[id] = true
		for _, d := range pg.nodes[id].deps {
			visit(d)
		}
		m.order = append(m.order, id)
	}
	for _, t := range targets {
		visit(t.ID())
	}
	m.order = pg.ranked(m.order)
	for _, id := range m.order {
		if m.fails[id] && !m.upBad[id] {
			m.failed = append(m.failed, id)
		}
	}
	slices.Sort(m.failed)
	return m
}

// skippedTargets are the targets that a failure upstream keeps from
// running, each once, sorted.
func (m model) skippedTargets(targets []graph.Delayed[int]) []int {
	var out []int
	for _, d := range targets {
		if id := d.ID(); m.upBad[id] && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// attempts is how many times task id runs in a complete run.
func (pg *pgraph) attempts(id int) int32 {
	n := pg.nodes[id]
	switch {
	case n.internal:
		return 0
	case n.fault == flakyFault:
		return 2
	case n.fault != noFault:
		return int32(1 + n.retries)
	}
	return 1
}

// checkCause checks that te is task id's failure, with the right cause.
func (pg *pgraph) checkCause(t *rapid.T, te *sched.TaskError, id int) {
	n := pg.nodes[id]
	if te.ID != id || te.Name != n.name {
		t.Fatalf("TaskError names %s#%d, want %s#%d", te.Name, te.ID, n.name, id)
	}
	var pe *sched.PanicError
	switch {
	case n.fault == errFault && n.ctxForm:
		if te.Err != n.err {
			t.Fatalf("task %d: cause %v, want its own error", id, te.Err)
		}
	case n.fault == panicFault:
		if !errors.As(te, &pe) || pe.Value != panicValue(id) {
			t.Fatalf("task %d: cause %#v, want a PanicError with %q", id, te.Err, panicValue(id))
		}
	default: // a panic with the task's error
		if !errors.As(te, &pe) || pe.Value != n.err || !errors.Is(te, n.err) {
			t.Fatalf("task %d: cause %#v, want a PanicError with its error", id, te.Err)
		}
	}
}

// hookLog records everything the hooks of one run say.
type hookLog struct {
	mu        sync.Mutex
	runStarts int
	runDones  int
	info      sched.RunInfo
	stats     sched.RunStats
	started   map[int]int
	done      map[int][]sched.TaskEvent
}

func newHookLog() *hookLog {
	return &hookLog{started: map[int]int{}, done: map[int][]sched.TaskEvent{}}
}

func (h *hookLog) hooks() sched.Hooks {
	return sched.Hooks{
		RunStart: func(i sched.RunInfo) { h.mu.Lock(); h.runStarts++; h.info = i; h.mu.Unlock() },
		TaskStart: func(e sched.TaskEvent) {
			h.mu.Lock()
			h.started[e.ID]++
			h.mu.Unlock()
		},
		TaskDone: func(e sched.TaskEvent) {
			h.mu.Lock()
			h.done[e.ID] = append(h.done[e.ID], e)
			h.mu.Unlock()
		},
		RunDone: func(s sched.RunStats) { h.mu.Lock(); h.runDones++; h.stats = s; h.mu.Unlock() },
	}
}

// outcome is what a run produced, for comparing with the reference run.
type outcome struct {
	vals   []int
	err    error
	failed []int // IDs of the TaskErrors
}

func TestPropertyRandomGraphs(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		pg := drawGraph(t)
		sets := [][]graph.Delayed[int]{
			rapid.SliceOfN(rapid.SampledFrom(pg.ints), 1, 4).Draw(t, "targets1"),
			rapid.SliceOfN(rapid.SampledFrom(pg.ints), 1, 4).Draw(t, "targets2"),
		}
		type config struct {
			workers   int
			keepGoing bool
			exec      bool // tasks marked Remote go to a fake executor
		}
		configs := []config{{1, false, false}, {1, true, false}, {2, false, false}, {2, true, false}, {8, false, false}, {8, true, false}, {1, false, false},
			{1, false, true}, {2, false, true}, {2, true, true}, {8, false, true}, {8, true, true}}
		ref := map[[2]int]outcome{} // by (target set, keepGoing)
		for _, c := range configs {
			for k, ts := range sets {
				hooked := rapid.Bool().Draw(t, "hooked")
				var exec *fakeExecutor
				if c.exec {
					exec = newFakeExecutor(rapid.Uint64().Draw(t, "execSeed"))
				}
				out := pg.run(t, ts, c.workers, c.keepGoing, hooked, exec)
				key := [2]int{k, int(b2i(c.keepGoing))}
				r, ok := ref[key]
				if !ok {
					ref[key] = out
					continue
				}
				compareOutcomes(t, pg, pg.model(ts), r, out, c.keepGoing)
			}
		}
	})
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// compareOutcomes checks a run against the reference run of the same
// targets: same values, and the same failures where the schedule does not
// decide which failure is reported.
func compareOutcomes(t *rapid.T, pg *pgraph, m model, ref, out outcome, keepGoing bool) {
	if (ref.err == nil) != (out.err == nil) {
		t.Fatalf("reference error %v, this run %v", ref.err, out.err)
	}
	if out.err == nil || keepGoing {
		if !slices.Equal(ref.vals, out.vals) {
			t.Fatalf("values %v, reference %v", out.vals, ref.vals)
		}
	}
	if keepGoing && !slices.Equal(ref.failed, out.failed) {
		t.Fatalf("failed tasks %v, reference %v", out.failed, ref.failed)
	}
	if !keepGoing && len(m.failed) == 1 {
		var a, b *sched.TaskError
		if !errors.As(ref.err, &a) || !errors.As(out.err, &b) || a.ID != b.ID || a.Name != b.Name || a.Err.Error() != b.Err.Error() {
			t.Fatalf("error %v, reference %v", out.err, ref.err)
		}
	}
}

// run computes targets once and checks the run against the model.
func (pg *pgraph) run(t *rapid.T, targets []graph.Delayed[int], workers int, keepGoing, hooked bool, exec *fakeExecutor) outcome {
	m := pg.model(targets)
	for i := range pg.calls {
		pg.calls[i].Store(0)
	}
	pg.over.Store(false)
	opts := []sched.Option{sched.Workers(workers), sched.Limit("slot", pg.limit)}
	if keepGoing {
		opts = append(opts, sched.KeepGoing())
	}
	var log *hookLog
	if hooked {
		log = newHookLog()
		opts = append(opts, sched.WithHooks(log.hooks()))
	}
	if exec != nil {
		opts = append(opts, sched.WithExecutor(exec))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	vals, err := sched.ComputeAll(ctx, targets, opts...)
	where := fmt.Sprintf("Workers(%d) keepGoing=%v executor=%v targets=%v", workers, keepGoing, exec != nil, ids(targets))
	if exec != nil {
		exec.check(t, where, pg, m)
	}

	if pg.over.Load() {
		t.Fatalf("%s: more than %d units of resource %q were held at once", where, pg.limit, "slot")
	}
	// Who ran, and how often.
	for id := range pg.nodes {
		calls, want := pg.calls[id].Load(), pg.attempts(id)
		switch {
		case !m.needed[id] && calls != 0:
			t.Fatalf("%s: task %d is not needed by the targets but ran %d times", where, id, calls)
		case m.upBad[id] && calls != 0:
			t.Fatalf("%s: task %d is downstream of a failure but ran %d times", where, id, calls)
		case calls > want:
			t.Fatalf("%s: task %d ran %d times, at most %d expected", where, id, calls, want)
		case m.needed[id] && !m.upBad[id] && calls != want && (keepGoing || len(m.failed) == 0):
			t.Fatalf("%s: task %d ran %d times, want %d", where, id, calls, want)
		}
	}

	out := outcome{vals: vals, err: err}
	switch {
	case len(m.failed) == 0:
		if err != nil {
			t.Fatalf("%s: unexpected error %v", where, err)
		}
	case keepGoing:
		joined, ok := err.(interface{ Unwrap() []error })
		if !ok {
			t.Fatalf("%s: error %v (%T) is not an errors.Join", where, err, err)
		}
		var skipped []int
		for _, e := range joined.Unwrap() {
			var te *sched.TaskError
			if !errors.As(e, &te) {
				t.Fatalf("%s: joined error %v is not a TaskError", where, e)
			}
			if te.Err == sched.ErrSkipped {
				skipped = append(skipped, te.ID)
				continue
			}
			pg.checkCause(t, te, te.ID)
			out.failed = append(out.failed, te.ID)
		}
		slices.Sort(out.failed)
		if !slices.Equal(out.failed, m.failed) {
			t.Fatalf("%s: failed tasks %v, want %v", where, out.failed, m.failed)
		}
		// Each skipped target (once, however often it was asked for) is
		// reported with ErrSkipped.
		slices.Sort(skipped)
		if want := m.skippedTargets(targets); !slices.Equal(skipped, want) {
			t.Fatalf("%s: targets reported skipped %v, want %v", where, skipped, want)
		}
		out.failed = append(out.failed, skipped...)
	default: // fail-fast: the error is one TaskError of a task that could fail first
		te, ok := err.(*sched.TaskError)
		if !ok {
			t.Fatalf("%s: error %v (%T), want a *sched.TaskError", where, err, err)
		}
		if !slices.Contains(m.failed, te.ID) {
			t.Fatalf("%s: failure reported for task %d, which cannot fail first (candidates %v)", where, te.ID, m.failed)
		}
		if workers == 1 { // the reference reports the first in the static order
			first := -1
			for _, id := range m.order {
				if slices.Contains(m.failed, id) {
					first = id
					break
				}
			}
			if te.ID != first {
				t.Fatalf("%s: reference reported task %d, the first failure in static order %v is %d", where, te.ID, m.order, first)
			}
		}
		pg.checkCause(t, te, te.ID)
	}
	if err == nil || keepGoing {
		for k, d := range targets {
			want := m.vals[d.ID()]
			if m.upBad[d.ID()] || m.fails[d.ID()] {
				want = 0 // no result, and nothing stale from an earlier run
			}
			if vals[k] != want {
				t.Fatalf("%s: target %d (task %d) = %d, want %d", where, k, d.ID(), vals[k], want)
			}
		}
	}
	if hooked {
		pg.checkHooks(t, where, log, m, workers, keepGoing, err)
	}
	return out
}

func (pg *pgraph) checkHooks(t *rapid.T, where string, h *hookLog, m model, workers int, keepGoing bool, err error) {
	if h.runStarts != 1 || h.runDones != 1 {
		t.Fatalf("%s: RunStart called %d times, RunDone %d times", where, h.runStarts, h.runDones)
	}
	tasks := 0
	for id := range pg.nodes {
		if !m.needed[id] {
			if len(h.done[id]) != 0 || h.started[id] != 0 {
				t.Fatalf("%s: hooks report culled task %d", where, id)
			}
			continue
		}
		tasks++
		if len(h.done[id]) != 1 {
			t.Fatalf("%s: TaskDone called %d times for task %d", where, len(h.done[id]), id)
		}
		e := h.done[id][0]
		calls := pg.calls[id].Load()
		wantState := sched.Done
		switch {
		case m.upBad[id] && keepGoing:
			wantState = sched.Skipped
		case m.upBad[id]:
			wantState = sched.NotRun
		case m.fails[id]:
			wantState = sched.Failed
		}
		if !keepGoing && err != nil && e.State == sched.NotRun && calls == 0 {
			wantState = sched.NotRun // fail-fast stopped the run first
		}
		if !keepGoing && e.State == sched.Failed && pg.nodes[id].fault == flakyFault {
			wantState = sched.Failed // fail-fast cancelled its retry
		}
		if e.State != wantState {
			t.Fatalf("%s: task %d ended %v, want %v", where, id, e.State, wantState)
		}
		if e.Name != pg.nodes[id].name {
			t.Fatalf("%s: TaskDone names task %d %q, want %q", where, id, e.Name, pg.nodes[id].name)
		}
		ran := e.State == sched.Done || e.State == sched.Failed
		if ran != (h.started[id] == 1) || h.started[id] > 1 {
			t.Fatalf("%s: task %d ended %v but TaskStart was called %d times", where, id, e.State, h.started[id])
		}
		if ran && (e.Worker < 0 || e.Worker >= workers || e.Start.IsZero()) {
			t.Fatalf("%s: task %d ran on worker %d (of %d), start %v", where, id, e.Worker, workers, e.Start)
		}
		if !ran && e.Worker != -1 {
			t.Fatalf("%s: task %d did not run but reports worker %d", where, id, e.Worker)
		}
		var te *sched.TaskError
		if (e.State == sched.Failed) != (e.Err != nil) || (e.Err != nil && (!errors.As(e.Err, &te) || te.ID != id)) {
			t.Fatalf("%s: task %d ended %v with error %v", where, id, e.State, e.Err)
		}
	}
	s := h.stats
	if s.Tasks != tasks || h.info.Tasks != tasks {
		t.Fatalf("%s: RunInfo.Tasks %d, RunStats.Tasks %d, want %d", where, h.info.Tasks, s.Tasks, tasks)
	}
	count := map[sched.State]int{}
	for _, es := range h.done {
		count[es[0].State]++
	}
	if s.Done != count[sched.Done] || s.Failed != count[sched.Failed] || s.Skipped != count[sched.Skipped] || s.NotRun != count[sched.NotRun] {
		t.Fatalf("%s: RunStats %+v, TaskDone states %v", where, s, count)
	}
	if s.Err != err {
		t.Fatalf("%s: RunStats.Err %v, Compute returned %v", where, s.Err, err)
	}
	if s.PeakLive < 0 || s.PeakLive > tasks {
		t.Fatalf("%s: PeakLive %d with %d tasks", where, s.PeakLive, tasks)
	}
	if want := max(workers, 1); h.info.Workers != want {
		t.Fatalf("%s: RunInfo.Workers %d, want %d", where, h.info.Workers, want)
	}
}

func ids(ds []graph.Delayed[int]) []int {
	out := make([]int, len(ds))
	for i, d := range ds {
		out[i] = d.ID()
	}
	return out
}

// fakeExecutor runs handed-off tasks on goroutines of its own after a
// random delay, as a remote executor would report them: from another
// goroutine, later, with errors and panics (as PanicErrors) reported back.
type fakeExecutor struct {
	mu     sync.Mutex
	rng    uint64
	wg     sync.WaitGroup
	handed map[int]int // graph ID -> hand-offs
}

func newFakeExecutor(seed uint64) *fakeExecutor {
	return &fakeExecutor{rng: seed | 1, handed: map[int]int{}}
}

func (f *fakeExecutor) delay() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rng ^= f.rng << 13
	f.rng ^= f.rng >> 7
	f.rng ^= f.rng << 17
	return time.Duration(f.rng%300) * time.Microsecond
}

func (f *fakeExecutor) Submit(ctx context.Context, h sched.Handoff, done func(sched.Report)) {
	d := f.delay()
	f.mu.Lock()
	f.handed[h.ID]++
	f.mu.Unlock()
	if got := len(h.Task.Args()); got != len(h.Graph.Deps(h.ID)) {
		panic(fmt.Sprintf("hand-off of task %d carries %d arguments, want %d", h.ID, got, len(h.Graph.Deps(h.ID))))
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		time.Sleep(d) // a task in flight runs to its end even if the run stops meanwhile
		err := runRecovered(ctx, h.Task)
		done(sched.Report{Err: err, Worker: "fake/1"})
		done(sched.Report{Err: errors.New("a second report must be ignored"), Worker: "fake/1"})
	}()
}

func runRecovered(ctx context.Context, t graph.Task) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &sched.PanicError{Value: v, Stack: []byte("remote stack")}
		}
	}()
	return t.Run(ctx)
}

// check waits for the executor's goroutines and checks that only remote
// tasks were handed to it.
func (f *fakeExecutor) check(t *rapid.T, where string, pg *pgraph, m model) {
	f.wg.Wait()
	for id, n := range f.handed {
		if !pg.nodes[id].remote || !m.needed[id] || int32(n) > pg.attempts(id) {
			t.Fatalf("%s: task %d (remote %v) handed off %d times", where, id, pg.nodes[id].remote, n)
		}
	}
}
