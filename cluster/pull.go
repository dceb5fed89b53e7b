package cluster

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// puller asks the build's consumer for task messages, as many as the
// worker has room for, and hands each one over the moment it arrives.
//
// It talks the pull protocol itself rather than through the client's
// message iterator because the iterator keeps a window of messages that
// the server has delivered but the worker has not taken: nothing
// heartbeats those, so a prefetched message waiting behind long tasks
// would be delivered again elsewhere after AckWait. Here a delivered
// message is the worker's at once (it heartbeats it from then on), and
// the room is counted in messages delivered and not yet run, so a worker
// never holds more than its slots plus its prefetch.
//
// An automatic prefetch follows the messages' run time: the worker holds
// as many messages beyond its slots as its slots get through in
// prefetchWait, at most maxPrefetch. Trivial tasks then arrive several to
// a pull and wait for a slot without a round trip to the server, and a
// worker given long tasks takes one per slot, so that it holds back no
// work that an idle worker could take. It asks for its prefetch only
// while it is busy, and those requests expire soon (prefetchExpiry): an
// idle worker has only its slots' requests parked, so a burst of long
// tasks spreads over the idle workers. While it holds a message that was
// delivered before (a suspect: its worker may have died of it), it
// prefetches nothing.
//
// Prefetch is safe against a task that kills its worker because workers
// count a task's starts, not its deliveries (see worker.restart): the
// messages that waited in a dying worker are delivered again, but not
// given up for it.
type puller struct {
	nc      *nats.Conn
	subject string // where pull requests go
	inbox   string // where the server delivers
	sub     *nats.Subscription
	closed  chan struct{} // the subscription is gone: no more deliveries
	slots   int           // the worker's
	// prefetch is WorkerOptions.Prefetch: 0 automatic, > 0 that many,
	// < 0 none.
	prefetch int
	t        timing
	log      *slog.Logger
	deliver  func(*nats.Msg)

	mu     sync.Mutex
	asked  int     // asked for and neither delivered nor expired
	busy   int     // delivered and not yet run (see done)
	perMsg float64 // the slot time of a message, averaged (ns; 0: none yet)
	// suspects are the messages delivered before among the busy ones:
	// while there are any, an automatic prefetch is none.
	suspects int
	seen     time.Time // the last message of any kind, heartbeats too
	stopped  bool      // draining: ask for nothing more
	refused  bool      // the server refused a request (see received)
}

// pullRequest is the body of a pull request (JetStream's JSON API).
type pullRequest struct {
	Batch     int           `json:"batch"`
	Expires   time.Duration `json:"expires"`
	Heartbeat time.Duration `json:"idle_heartbeat"`
}

// Automatic prefetch (see puller).
const (
	prefetchWait   = time.Millisecond
	maxPrefetch    = 16
	prefetchExpiry = 200 * time.Millisecond
)

// newPuller subscribes to a fresh inbox for cons's deliveries; deliver
// runs for each task message, on the subscription's goroutine. The
// worker runs slots tasks at once and holds prefetch messages more
// (-1: automatic).
func newPuller(nc *nats.Conn, cons jetstream.Consumer, slots, prefetch int, t timing, log *slog.Logger, deliver func(*nats.Msg)) (*puller, error) {
	info := cons.CachedInfo()
	if info == nil {
		return nil, fmt.Errorf("cluster: worker: the consumer has no info")
	}
	p := &puller{
		nc:       nc,
		subject:  "$JS.API.CONSUMER.MSG.NEXT." + info.Stream + "." + info.Name,
		inbox:    nc.NewInbox(),
		closed:   make(chan struct{}),
		slots:    slots,
		prefetch: prefetch,
		t:        t,
		log:      log,
		deliver:  deliver,
		seen:     time.Now(),
	}
	sub, err := nc.Subscribe(p.inbox, p.received)
	if err != nil {
		return nil, fmt.Errorf("cluster: worker: %w", err)
	}
	// Deliveries are the worker's to hold; they never pile up here
	// beyond room, so the client's limits do not apply.
	sub.SetPendingLimits(-1, -1)
	sub.SetClosedHandler(func(string) { close(p.closed) })
	p.sub = sub
	return p, nil
}

// room is how many messages the worker holds that it has not run, at
// most (under p.mu).
func (p *puller) room() int {
	switch {
	case p.prefetch > 0:
		return p.slots + p.prefetch
	case p.prefetch < 0:
		return p.slots
	}
	if p.busy == 0 || p.perMsg == 0 || p.suspects > 0 {
		return p.slots
	}
	n := float64(prefetchWait) * float64(p.slots) / p.perMsg
	return p.slots + int(min(n, maxPrefetch))
}

// ask sends a pull request for the free room, if enough is free: half of
// it, so that a busy worker asks once per few messages, and the next
// messages are on their way before the last ones ran. A worker that
// waits always has a request parked at the server, so a lone task is
// delivered without a pull round trip.
func (p *puller) ask() {
	p.mu.Lock()
	room := p.room()
	n := room - p.asked - p.busy
	if p.stopped || n < max(1, room/2) {
		p.mu.Unlock()
		return
	}
	r := pullRequest{Batch: n, Expires: p.t.expiry, Heartbeat: p.t.heartbeat}
	if p.prefetch == 0 && p.asked+p.busy+n > p.slots { // prefetch (see puller)
		r.Expires, r.Heartbeat = prefetchExpiry, 0
	}
	p.asked += n
	p.mu.Unlock()
	req, _ := json.Marshal(r)
	if err := p.nc.PublishRequest(p.subject, p.inbox, req); err != nil {
		p.mu.Lock()
		p.asked = max(p.asked-n, 0)
		p.mu.Unlock()
		p.log.Warn("cluster worker: pull", "err", err)
	}
}

// suspect counts a busy message as delivered before.
func (p *puller) suspect() {
	p.mu.Lock()
	p.suspects++
	p.mu.Unlock()
}

// slowed records that the slots' messages take at least d now (some
// waited that long for a slot), so that an automatic prefetch holds none
// until shorter ones bring the average down again.
func (p *puller) slowed(d time.Duration) {
	p.mu.Lock()
	p.perMsg = max(p.perMsg, float64(d))
	p.mu.Unlock()
}

// done gives back the room of a message whose tasks have all run, for
// spent in all in the slots (0: none ran); suspect if it was counted so.
func (p *puller) done(spent time.Duration, suspect bool) {
	p.mu.Lock()
	p.busy = max(p.busy-1, 0)
	if suspect {
		p.suspects--
	}
	if spent > 0 {
		if p.perMsg == 0 {
			p.perMsg = float64(spent)
		} else {
			p.perMsg += (float64(spent) - p.perMsg) / 8
		}
	}
	p.mu.Unlock()
	p.ask()
}

// received takes one message on the inbox: a task (handed over), or a
// status of the server about the requests.
func (p *puller) received(m *nats.Msg) {
	status := ""
	if len(m.Data) == 0 && m.Header != nil {
		status = m.Header.Get("Status")
	}
	p.mu.Lock()
	p.seen = time.Now()
	if status == "" {
		p.asked = max(p.asked-1, 0)
		p.busy++
		p.mu.Unlock()
		p.deliver(m)
		return
	}
	p.mu.Unlock()
	switch status {
	case "100": // an idle heartbeat: the requests are alive
		return
	case "408", "409":
		// A request expired, or the server closed it; it says how much
		// of it was left undelivered.
		if left, err := strconv.Atoi(m.Header.Get("Nats-Pending-Messages")); err == nil {
			p.mu.Lock()
			p.asked = max(p.asked-left, 0)
			p.mu.Unlock()
			p.ask()
			return
		}
	}
	// A request refused outright (the consumer gone, a new leader): how
	// much of what was asked is still coming is unknown, so the puller
	// starts over at the next tick of watch, which keeps a refusal that
	// lasts from making it spin.
	p.log.Warn("cluster worker: pull refused", "status", status, "description", m.Header.Get("Description"))
	p.mu.Lock()
	p.refused = true
	p.mu.Unlock()
}

// restart forgets what was asked (the server lost it) and asks again.
func (p *puller) restart() {
	p.mu.Lock()
	p.asked, p.refused = 0, false
	p.seen = time.Now()
	p.mu.Unlock()
	p.ask()
}

// watch restarts the pulls when the server refused one or has been quiet
// for two heartbeats while requests were parked (a request lost with a
// connection or a server), until stop is closed.
func (p *puller) watch(stop <-chan struct{}) {
	tick := time.NewTicker(p.t.heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		p.mu.Lock()
		silent := p.asked > 0 && time.Since(p.seen) > 2*p.t.heartbeat
		lost := p.refused || silent
		p.mu.Unlock()
		if silent {
			p.log.Warn("cluster worker: the server stopped answering the pulls; asking again")
		}
		if lost {
			p.restart()
		} else {
			p.ask() // room freed while a request could not be sent
		}
	}
}

// drain asks for nothing more and unsubscribes; deliveries already on
// their way are still handed over. It returns once the last one was.
func (p *puller) drain() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	if err := p.sub.Drain(); err != nil {
		p.sub.Unsubscribe() // the connection is gone: so is the subscription
	}
	select {
	case <-p.closed:
	case <-time.After(p.t.ackWait):
		p.log.Warn("cluster worker: the pull subscription did not close")
	}
}
