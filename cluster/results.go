package cluster

import (
	"sync"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/nats-io/nats.go"
)

// A worker sends a result to its coordinator straight away when it has
// no other task running or waiting (a chain's next task waits for it);
// while it has, it gathers results, at most resultBatch or about
// resultBytes of them and for at most resultLinger, and sends them in one
// message per coordinator.
const (
	resultBatch  = 64
	resultBytes  = 256 << 10
	resultLinger = 500 * time.Microsecond
)

// resultsOut gathers a worker's results for their coordinators.
type resultsOut struct {
	w     *worker
	mu    sync.Mutex
	by    map[string]*doneMsg // by coordinator
	n     int
	bytes int
	timer *time.Timer // flushes gathered results after resultLinger
}

// add queues the stored result data of task key.
func (o *resultsOut) add(key string, data []byte) {
	o.mu.Lock()
	if o.by == nil {
		o.by = map[string]*doneMsg{}
	}
	coord := coordinatorOf(key)
	d := o.by[coord]
	if d == nil {
		d = &doneMsg{}
		o.by[coord] = d
	}
	d.Keys = append(d.Keys, key)
	d.Results = append(d.Results, cbor.RawMessage(data))
	o.n++
	o.bytes += len(data)
	now := o.n >= resultBatch || o.bytes >= resultBytes || o.w.idle()
	if !now && o.timer == nil {
		o.timer = time.AfterFunc(resultLinger, o.flush)
	}
	o.mu.Unlock()
	if now {
		o.flush()
	}
}

// flush sends the gathered results.
func (o *resultsOut) flush() {
	o.mu.Lock()
	by := o.by
	o.by, o.n, o.bytes = nil, 0, 0
	if o.timer != nil {
		o.timer.Stop()
		o.timer = nil
	}
	o.mu.Unlock()
	for coord, d := range by {
		data, err := marshal(d)
		if err != nil {
			o.w.opts.Logger.Error("cluster worker: encoding results", "err", err)
			continue
		}
		m := nats.NewMsg(doneSubject + coord)
		m.Data = data
		if err := o.w.nc.PublishMsg(m); err != nil {
			// The results are stored: the coordinator finds them when it
			// reconnects.
			o.w.opts.Logger.Warn("cluster worker: sending results", "err", err)
		}
	}
}

// idle tells whether no task runs or waits for a slot: a result just made
// is then the last one for a while.
func (w *worker) idle() bool {
	if w.tasks.len() > 0 {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.running) == 0
}
