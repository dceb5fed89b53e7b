package cluster

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/seed001e6470/taskgraph/codec"
	"github.com/seed001e6470/taskgraph/graph"
)

// Job is an executor for the graphs of one registered job: its tasks run
// on the cluster's workers, which rebuild the graph from the job's name
// and parameters. Plug it into a run with sched.WithExecutor; the tasks
// built with graph.Remote go to it, the others run locally.
//
// The graph given to the run must be the one the job's builder makes
// from these parameters (workers check its fingerprint and refuse a
// different one with ErrMismatch).
type Job struct {
	c      *Cluster
	name   string
	params []byte

	mu   sync.Mutex
	runs map[*graph.Graph]*jobRun // the current run of each graph
}

// jobRun is one run of a graph: its ID keeps its results apart from those
// of other runs of the same graph.
type jobRun struct {
	id    string
	print []byte

	mu sync.Mutex
	// stored are the results a predecessor of a named coordinator stored
	// for this run, by key (see Options.Name); each is taken once.
	stored map[string][]byte
}

// newRun starts a run of g. A named coordinator's run is known by its
// job, parameters and graph, so that a successor finds its results; an
// unnamed one's by a count.
func (j *Job) newRun(g *graph.Graph) *jobRun {
	r := &jobRun{print: fingerprint(g)}
	if j.c.opts.Name == "" {
		r.id = "r" + strconv.FormatUint(j.c.runs.Add(1), 10)
		return r
	}
	h := sha256.New()
	for _, part := range [][]byte{[]byte(j.name), j.params, r.print} {
		fmt.Fprintf(h, "%d:", len(part))
		h.Write(part)
	}
	r.id = "r" + hex.EncodeToString(h.Sum(nil)[:8])
	return r
}

// takeStored returns the stored result of key, once. A run with none
// (every run of an unnamed coordinator) takes no lock: stored is set
// before the run's first task is submitted and never replaced.
func (r *jobRun) takeStored(key string) []byte {
	if r.stored == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	data := r.stored[key]
	delete(r.stored, key)
	return data
}

// Job returns an executor for job name with params (encoded as CBOR: a
// plain value type, as the job's builder takes).
func (c *Cluster) Job(name string, params any) (*Job, error) {
	data, err := marshal(params)
	if err != nil {
		return nil, fmt.Errorf("cluster: job %q: parameters: %w", name, err)
	}
	return &Job{c: c, name: name, params: data, runs: map[*graph.Graph]*jobRun{}}, nil
}

// prepare starts a run of g: it checks that every task in ids can travel,
// that a worker of this build is there, and (with Options.Registry) that
// the job's builder makes g.
func (j *Job) prepare(ctx context.Context, g *graph.Graph, ids []int) error {
	if j.c.closed.Load() {
		return fmt.Errorf("cluster: job %q: %w", j.name, ErrClosed)
	}
	for _, id := range ids {
		if err := travels(g, id); err != nil {
			return err
		}
	}
	r := j.newRun(g)
	if reg := j.c.opts.Registry; reg != nil {
		if err := j.sameGraph(reg, r.print, g); err != nil {
			return err
		}
	}
	if err := j.c.ping(ctx); err != nil {
		return err
	}
	if j.c.opts.Name != "" {
		var err error
		if r.stored, err = j.c.storedOf(ctx, r); err != nil {
			return err
		}
	}
	j.mu.Lock()
	j.runs[g] = r
	j.mu.Unlock()
	return nil
}

// travels checks that node id's result and arguments round-trip.
func travels(g *graph.Graph, id int) error {
	for _, n := range append([]int32{int32(id)}, graph.ExecutableOf(g).Deps(id)...) {
		if n != int32(id) && g.Kind(int(n)) == graph.KindValue {
			continue // constants do not travel: the rebuilt graph has them
		}
		if err := typeErr(g.Key(int(n)), reflectTypeOfResult(taskOf(g, int(n)))); err != nil {
			return err
		}
	}
	return nil
}

func (j *Job) sameGraph(reg *Registry, print []byte, g *graph.Graph) error {
	mine, err := reg.build(j.name, j.params)
	if err != nil {
		return err
	}
	if p := fingerprint(mine); !bytes.Equal(p, print) {
		return fmt.Errorf("%w: job %q rebuilt here has %d nodes (fingerprint %x); the graph to run has %d (%x)",
			ErrMismatch, j.name, mine.Len(), p, g.Len(), print)
	}
	return nil
}

// run returns g's current run, starting one if Prepare was not called.
func (j *Job) run(g *graph.Graph) *jobRun {
	j.mu.Lock()
	defer j.mu.Unlock()
	r := j.runs[g]
	if r == nil {
		r = j.newRun(g)
		j.runs[g] = r
	}
	return r
}

// submit queues attempt of node id of g and returns; report is called
// once, when the result is stored in the node's task or the attempt
// failed. When ctx ends first, the attempt is deleted from the queue or
// cancelled on its worker, and reported with ctx's cause.
func (j *Job) submit(ctx context.Context, g *graph.Graph, id, attempt int, task graph.Task, name string, report func(string, error)) {
	c := j.c
	r := j.run(g)
	key := c.id + "." + r.id + "." + strconv.Itoa(id) + "." + strconv.Itoa(attempt)
	p := &pending{key: key, name: name, g: g, id: id, task: task, job: j, run: r, report: report}
	if stored := r.takeStored(key); stored != nil {
		c.deliver(p, stored) // a predecessor's worker ran it (Options.Name)
		return
	}
	enc, err := j.message(ctx, p)
	if err != nil {
		p.fail(c, err)
		return
	}
	p.enc = enc
	lone := c.inflight.add(p)
	if c.closed.Load() {
		if p := c.inflight.take(key); p != nil {
			p.fail(c, ErrClosed) // no sender is left to send it
		}
		return
	}
	p.setStop(context.AfterFunc(ctx, func() { c.abort(key, context.Cause(ctx)) }))
	if lone {
		c.publish([]*pending{p}) // nothing to wait for: no batch is coming
		return
	}
	c.out.put(p)
}

// message encodes p's task with its arguments' values (the run's own,
// from p.task).
func (j *Job) message(ctx context.Context, p *pending) ([]byte, error) {
	t := taskMsg{Key: p.key, ID: p.id}
	x := graph.ExecutableOf(p.g)
	deps, vals := x.Deps(p.id), p.task.Args()
	if len(deps) != len(vals) {
		return nil, fmt.Errorf("cluster: task %s has %d arguments but %d dependencies", p.name, len(vals), len(deps))
	}
	for i, d := range deps {
		if x.Kind(int(d)) == graph.KindValue || slices.ContainsFunc(t.Args, func(a argMsg) bool { return a.ID == d }) {
			continue // constants do not travel; a repeated argument travels once
		}
		a, err := j.argument(ctx, p, i, int(d), vals[i])
		if err != nil {
			return nil, err
		}
		t.Args = append(t.Args, a)
	}
	return marshal(t)
}

// argument encodes dependency d of p, putting a large value in the
// object store.
func (j *Job) argument(ctx context.Context, p *pending, i, d int, v any) (argMsg, error) {
	data, err := codec.MarshalCell(reflectTypeOfResult(taskOf(p.g, d)), v)
	if err != nil {
		return argMsg{}, fmt.Errorf("cluster: task %s: encoding argument %d: %w", p.name, i, asTypeError(p.g.Key(d), err))
	}
	if len(data) <= inlineLimit {
		return argMsg{ID: int32(d), Data: data}, nil
	}
	obj := p.key + ".a" + strconv.Itoa(d)
	if _, err := j.c.obj.PutBytes(ctx, obj, data); err != nil {
		return argMsg{}, fmt.Errorf("cluster: task %s: storing argument %d (%s): %w", p.name, i, p.g.Key(d), err)
	}
	p.objs = append(p.objs, obj)
	return argMsg{ID: int32(d), Obj: obj}, nil
}

// abort stops a pending task whose context ended: its message is deleted
// if it is still queued and holds no other wanted task, its worker is told
// to cancel it if it runs.
func (c *Cluster) abort(key string, cause error) {
	p, seq := c.inflight.abort(key)
	if p == nil {
		return // reported already
	}
	if seq != 0 {
		c.wg.Go(func() { c.deleteTask(seq) })
	}
	c.nc.Publish(cancelSubject+c.opts.build, []byte(key))
	p.fail(c, cause)
}

// storedOf reads the results stored for run r, as a named coordinator's
// predecessor left them: each successful task's, by key (a batch's are
// stored together, and listed one by one). A stored failure is deleted,
// so that the task runs again and its new result can be stored.
func (c *Cluster) storedOf(ctx context.Context, r *jobRun) (map[string][]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	stored := map[string][]byte{}
	err := c.eachStored(ctx, c.id+"."+r.id+".>", func(e jetstream.KeyValueEntry) {
		if !isGroupKey(e.Key()) {
			if succeeded(e.Value()) {
				stored[e.Key()] = e.Value()
			} else {
				c.kv.Delete(ctx, e.Key())
			}
			return
		}
		var d doneMsg
		if unmarshal(e.Value(), &d) != nil || len(d.Keys) != len(d.Results) {
			return // unreadable: its tasks run again
		}
		for i, k := range d.Keys {
			if succeeded(d.Results[i]) {
				stored[k] = d.Results[i]
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: reading the stored results of run %s: %w", r.id, err)
	}
	return stored, nil
}

// succeeded tells whether a stored result is a task's value.
func succeeded(stored []byte) bool {
	var res resultMsg
	return unmarshal(stored, &res) == nil && res.Err == "" && res.Poison == 0
}
