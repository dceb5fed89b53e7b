package cluster

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/seed001e6470/taskgraph/codec"
	"github.com/seed001e6470/taskgraph/graph"
)

var (
	// ErrUnknownJob: a task names a job that the worker's Registry does
	// not have (the worker is a program that did not register it).
	ErrUnknownJob = errors.New("cluster: unknown job")
	// ErrDuplicateJob: Register was given a name already registered.
	ErrDuplicateJob = errors.New("cluster: job registered twice")
	// ErrMismatch: a job's builder made a different graph on the worker
	// than on the coordinator (a builder that depends on the clock, map
	// order, the directory, or a program of another version).
	ErrMismatch = errors.New("cluster: rebuilt graph differs from the coordinator's")
)

// A Registry names the jobs a program can rebuild: the contract that lets
// a worker run a task of a graph it never received. Go cannot ship a
// closure, so coordinator and workers run the same program; a job is a
// builder registered under a name, and a task travels as (job name,
// parameters, node ID). The worker calls the builder with the same
// parameters, checks that the graph it got has the coordinator's
// structure (see fingerprint), and runs the node.
//
// Builders must therefore be deterministic: the same parameters give the
// same nodes in the same order. The zero Registry is empty and ready to
// use; it is safe for concurrent use.
type Registry struct {
	mu   sync.RWMutex
	jobs map[string]builder
}

// builder rebuilds a job's graph from its encoded parameters.
type builder func(params []byte) (*graph.Graph, error)

// Register adds a job to r: build makes the job's graph from parameters
// of type P, which travel encoded (as CBOR), so P must be a plain value
// type (exported fields; no functions, channels or interfaces).
func Register[P any](r *Registry, name string, build func(P) (*graph.Graph, error)) error {
	if name == "" || build == nil {
		return fmt.Errorf("cluster: Register needs a name and a builder")
	}
	if err := codec.Check(reflect.TypeFor[P]()); err != nil {
		return fmt.Errorf("cluster: job %q: parameters: %w", name, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.jobs[name]; ok {
		return fmt.Errorf("%w: %q", ErrDuplicateJob, name)
	}
	if r.jobs == nil {
		r.jobs = map[string]builder{}
	}
	r.jobs[name] = func(params []byte) (*graph.Graph, error) {
		var p P
		if err := unmarshal(params, &p); err != nil {
			return nil, fmt.Errorf("cluster: job %q: parameters: %w", name, err)
		}
		return build(p)
	}
	return nil
}

// Names lists the registered jobs, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.jobs))
	for n := range r.jobs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// build rebuilds job name's graph from its encoded parameters.
func (r *Registry) build(name string, params []byte) (*graph.Graph, error) {
	r.mu.RLock()
	b := r.jobs[name]
	r.mu.RUnlock()
	if b == nil {
		return nil, fmt.Errorf("%w %q (this program registers: %v)", ErrUnknownJob, name, r.Names())
	}
	g, err := b(params)
	if err != nil {
		return nil, fmt.Errorf("cluster: job %q: %w", name, err)
	}
	if g == nil {
		return nil, fmt.Errorf("cluster: job %q: its builder returned no graph", name)
	}
	if err := g.Err(); err != nil {
		return nil, fmt.Errorf("cluster: job %q: %w", name, err)
	}
	return g, nil
}

// fingerprint is a digest of g's structure: every node's name, kind and
// arguments, in ID order. Two graphs with equal fingerprints have the same
// node at every ID, as far as names tell; what the functions compute is
// the builder's promise (the same program on both sides).
func fingerprint(g *graph.Graph) []byte {
	x := graph.ExecutableOf(g)
	h := sha256.New()
	var buf []byte
	buf = binary.AppendUvarint(buf, uint64(x.Len()))
	for id := range x.Len() {
		name := x.Name(id)
		buf = binary.AppendUvarint(buf, uint64(len(name)))
		buf = append(buf, name...)
		buf = append(buf, byte(x.Kind(id)))
		deps := x.Deps(id)
		buf = binary.AppendUvarint(buf, uint64(len(deps)))
		for _, d := range deps {
			buf = binary.AppendUvarint(buf, uint64(d))
		}
		if len(buf) > 4096 {
			h.Write(buf)
			buf = buf[:0]
		}
	}
	h.Write(buf)
	return h.Sum(nil)[:16]
}
