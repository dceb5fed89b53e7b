package cluster

import (
	"bytes"
	"fmt"
	"sync"

	"github.com/seed001e6470/taskgraph/graph"
)

// graphCache keeps a worker's rebuilt graphs, one per job and parameters.
// A graph is only read once built: each task runs on private copies of
// itself and its arguments (graph.Executable.Copy), so tasks of one job
// run at once without sharing a cell. Bounded: when a worker has seen
// more than maxJobs jobs, it forgets them all and rebuilds on demand.
type graphCache struct {
	reg  *Registry
	mu   sync.Mutex
	jobs map[string]*rebuilt
}

const maxJobs = 16

// rebuilt is one job's graph, built once, and its fingerprint.
type rebuilt struct {
	once  sync.Once
	g     *graph.Graph
	x     graph.Executable
	print []byte
	err   error
}

func jobKey(job string, params []byte) string { return job + "\x00" + string(params) }

// get returns job's graph built from params, checked against the
// coordinator's fingerprint: one in which the coordinator's node IDs are
// the same nodes.
func (p *graphCache) get(job string, params, print []byte) (*rebuilt, error) {
	k := jobKey(job, params)
	p.mu.Lock()
	rg := p.jobs[k]
	if rg == nil {
		if p.jobs == nil || len(p.jobs) >= maxJobs {
			p.jobs = map[string]*rebuilt{}
		}
		rg = &rebuilt{}
		p.jobs[k] = rg
	}
	p.mu.Unlock()
	rg.once.Do(func() {
		rg.g, rg.err = p.reg.build(job, params)
		if rg.err == nil {
			rg.x = graph.ExecutableOf(rg.g)
			rg.print = fingerprint(rg.g)
		}
	})
	if rg.err != nil {
		return nil, rg.err
	}
	if !bytes.Equal(rg.print, print) {
		return nil, fmt.Errorf("%w: job %q (%d nodes here, fingerprint %x; the coordinator's is %x)",
			ErrMismatch, job, rg.g.Len(), rg.print, print)
	}
	return rg, nil
}
