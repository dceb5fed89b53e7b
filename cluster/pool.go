package cluster

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/seed001e6470/taskgraph/graph"
)

// graphPool keeps a worker's rebuilt graphs, per job and parameters. A
// task's arguments and result live in its graph's cells, so two tasks
// running at once each need a graph of their own: get takes one (building
// it if none is free) and put returns it. Building is lazy (nothing runs),
// so a graph per concurrently running task costs little.
type graphPool struct {
	reg *Registry
	mu  sync.Mutex
	// free graphs by job key. Bounded: when a worker has seen more than
	// maxJobs jobs, the pool forgets them all and rebuilds on demand.
	free map[string][]*rebuilt
}

const maxJobs = 16

// rebuilt is one rebuilt graph and its fingerprint.
type rebuilt struct {
	g     *graph.Graph
	print []byte
}

func jobKey(job string, params []byte) string { return job + "\x00" + string(params) }

// get returns a graph of job built from params whose fingerprint is
// print: one the coordinator's node IDs are valid in.
func (p *graphPool) get(job string, params, print []byte) (*rebuilt, error) {
	k := jobKey(job, params)
	p.mu.Lock()
	var rg *rebuilt
	if fs := p.free[k]; len(fs) > 0 {
		rg, p.free[k] = fs[len(fs)-1], fs[:len(fs)-1]
	}
	p.mu.Unlock()
	if rg == nil {
		g, err := p.reg.build(job, params)
		if err != nil {
			return nil, err
		}
		rg = &rebuilt{g: g, print: fingerprint(g)}
	}
	if !bytes.Equal(rg.print, print) {
		return nil, fmt.Errorf("%w: job %q (%d nodes here, fingerprint %x; the coordinator's is %x)",
			ErrMismatch, job, rg.g.Len(), rg.print, print)
	}
	return rg, nil
}

func (p *graphPool) put(job string, params []byte, rg *rebuilt) {
	k := jobKey(job, params)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.free == nil || len(p.free) >= maxJobs && p.free[k] == nil {
		p.free = map[string][]*rebuilt{}
	}
	p.free[k] = append(p.free[k], rg)
}
