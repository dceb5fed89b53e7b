package dashboard

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/seed001e6470/taskgraph/graph/dot"
	"github.com/seed001e6470/taskgraph/sched/diag/gantt"
)

// ErrNotLoopback is returned by Listen for an address that other machines
// could reach, unless the caller allowed it.
var ErrNotLoopback = errors.New("dashboard: not a loopback address")

//go:embed assets/index.html assets/app.js assets/app.css assets/uplot/uPlot.iife.min.js assets/uplot/uPlot.min.css
var assets embed.FS

// Listen listens on addr ("127.0.0.1:8787"; port 0 picks a free one). An
// address that is not on the loopback interface (any other IP, a host
// name other than localhost, or an empty host, which means every
// interface) is refused with ErrNotLoopback unless public is true: the
// page shows what a run does to anyone who can reach it.
func Listen(addr string, public bool) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("dashboard: address %q: %w", addr, err)
	}
	if !public && !isLoopback(host) {
		return nil, fmt.Errorf("%w: %q (serving beyond this machine needs an explicit choice)", ErrNotLoopback, addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	return l, nil
}

// IsLoopback tells whether a listening address stays on this machine.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && isLoopback(host)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// Serve serves d's Handler on l until ctx is done or d is closed, then
// ends the event streams, shuts the server down and returns (nil after
// ctx, ErrClosed after Close). It closes l.
func (d *Dashboard) Serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{Handler: d.Handler(), ReadHeaderTimeout: 10 * time.Second}
	srv.RegisterOnShutdown(func() { d.Close() })
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	var why error
	select {
	case <-ctx.Done():
	case <-d.closed:
		why = ErrClosed
	case err := <-served:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	<-served
	return errors.Join(why, err)
}

// Handler serves the dashboard, read-only:
//
//	/               the page
//	/events         Server-Sent Events: "snapshot" (a Snapshot), then
//	                "frame" (a Frame) a few times a second, "stages" and
//	                "failures" when those change, and "done" (a Final)
//	/api/snapshot   the Snapshot as JSON
//	/download/...   the finished run's files (Final.Downloads)
//
// It answers only GET and HEAD, and only to requests whose Host is
// localhost, an IP address or one of Options.AllowHosts, so that a web
// page on another site cannot read it through a host name of its own
// that resolves to this machine (DNS rebinding).
func (d *Dashboard) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", d.asset("assets/index.html", "text/html; charset=utf-8"))
	mux.HandleFunc("GET /app.js", d.asset("assets/app.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET /app.css", d.asset("assets/app.css", "text/css; charset=utf-8"))
	mux.HandleFunc("GET /uPlot.iife.min.js", d.asset("assets/uplot/uPlot.iife.min.js", "text/javascript; charset=utf-8"))
	mux.HandleFunc("GET /uPlot.min.css", d.asset("assets/uplot/uPlot.min.css", "text/css; charset=utf-8"))
	mux.HandleFunc("GET /events", d.serveEvents)
	mux.HandleFunc("GET /api/snapshot", d.serveSnapshot)
	mux.HandleFunc("GET /download/{file}", d.serveDownload)
	return d.guard(mux)
}

func (d *Dashboard) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !d.hostAllowed(r.Host) {
			http.Error(w, "dashboard: unexpected Host header", http.StatusMisdirectedRequest)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "dashboard: read-only", http.StatusMethodNotAllowed)
			return
		}
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:")
		next.ServeHTTP(w, r)
	})
}

func (d *Dashboard) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") || net.ParseIP(host) != nil {
		return true
	}
	for _, a := range d.o.AllowHosts {
		if strings.EqualFold(host, a) {
			return true
		}
	}
	return false
}

func (d *Dashboard) asset(name, ctype string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := assets.ReadFile(name)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", ctype)
		w.Write(b)
	}
}

func (d *Dashboard) serveSnapshot(w http.ResponseWriter, r *http.Request) {
	s := d.Snapshot()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(s)
}

// serveEvents streams the dashboard: the snapshot, then what changes, until
// the run is over, the client goes or the dashboard is closed.
func (d *Dashboard) serveEvents(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "dashboard: streaming unsupported", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	d.complete()
	d.mu.Lock()
	snap, static, ch := d.snapshotLocked(), d.static, d.changed
	d.mu.Unlock()
	if err := writeEvent(w, "snapshot", snap); err != nil {
		return
	}
	fl.Flush()
	if snap.Final != nil {
		writeEvent(w, "done", snap.Final)
		return
	}
	s := stream{seq: -1, static: static, failures: len(snap.Failures)}
	if n := len(snap.Frames); n > 0 {
		s.seq = snap.Frames[n-1].Seq
	}
	ping := time.NewTicker(15 * time.Second)
	defer ping.Stop()
	for done := false; !done; {
		select {
		case <-r.Context().Done():
			return
		case <-d.closed:
			return
		case <-ping.C:
			io.WriteString(w, ": ping\n\n")
			fl.Flush()
			continue
		case <-ch:
		}
		var err error
		if ch, done, err = d.catchUp(w, &s); err != nil {
			return
		}
		fl.Flush()
	}
}

// stream is what one event stream has sent.
type stream struct {
	seq, static, failures int
}

// catchUp writes what changed since s, and returns the channel to wait on
// next and whether the run is over.
func (d *Dashboard) catchUp(w io.Writer, s *stream) (chan struct{}, bool, error) {
	d.complete()
	d.mu.Lock()
	snap, static, ch := d.snapshotLocked(), d.static, d.changed
	d.mu.Unlock()
	if static != s.static {
		s.static = static
		if err := writeEvent(w, "stages", map[string]any{"stages": snap.Stages, "edges": snap.Edges}); err != nil {
			return nil, false, err
		}
	}
	for _, fr := range snap.Frames {
		if fr.Seq > s.seq {
			s.seq = fr.Seq
			if err := writeEvent(w, "frame", fr); err != nil {
				return nil, false, err
			}
		}
	}
	if len(snap.Failures) != s.failures {
		s.failures = len(snap.Failures)
		if err := writeEvent(w, "failures", snap.Failures); err != nil {
			return nil, false, err
		}
	}
	if snap.Final != nil {
		return ch, true, writeEvent(w, "done", snap.Final)
	}
	return ch, false, nil
}

func writeEvent(w io.Writer, event string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b)
	return err
}

// downloads lists the files the finished run offers. The caller holds mu.
func (d *Dashboard) downloads() []Download {
	var ds []Download
	if d.profile != nil || d.o.Profiler != nil {
		ds = append(ds, Download{"profile (JSON)", "/download/profile.json"})
	}
	if d.o.Profiler != nil {
		ds = append(ds, Download{"Chrome trace", "/download/trace.json"},
			Download{"Gantt chart (SVG)", "/download/gantt.svg"},
			Download{"stage graph (DOT)", "/download/graph.dot"})
	}
	return append(ds, Download{"this page, self-contained", "/download/report.html"})
}

func (d *Dashboard) serveDownload(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	over, g, replayed, title := d.snap.Final != nil, d.g, d.profile, d.snap.Title
	d.mu.Unlock()
	if !over {
		http.Error(w, "dashboard: the run is not over", http.StatusNotFound)
		return
	}
	p := d.o.Profiler
	var write func(io.Writer) error
	ctype := "application/json"
	switch file := r.PathValue("file"); {
	case file == "report.html":
		write, ctype = d.WriteReport, "text/html; charset=utf-8"
	case file == "profile.json" && replayed != nil:
		write = func(w io.Writer) error { _, err := w.Write(replayed); return err }
	case p == nil:
	case file == "profile.json":
		write = p.WriteJSON
	case file == "trace.json":
		write = p.WriteTrace
	case file == "gantt.svg":
		write, ctype = func(w io.Writer) error { return gantt.Write(w, p, "svg") }, "image/svg+xml"
	case file == "graph.dot" && g != nil:
		write, ctype = func(w io.Writer) error {
			return dot.Write(w, g, &dot.Options{View: dot.Collapsed, Color: dot.ByDuration, Stats: p.DotStats,
				Targets: d.o.Targets, Title: title})
		}, "text/vnd.graphviz; charset=utf-8"
	}
	if write == nil {
		http.NotFound(w, r)
		return
	}
	var buf bytes.Buffer // whole, so that a failure is an error status, not half a file
	if err := write(&buf); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", r.PathValue("file")))
	w.Write(buf.Bytes())
}
