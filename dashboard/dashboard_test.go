package dashboard_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/seed001e6470/taskgraph/dashboard"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
)

// Every test ends with a check that no goroutine outlived it: the frame
// goroutine belongs to the run, the event streams to the server.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fan is n tasks named "leaf" that each sleep for pause, a "join" of
// them, and its result: n+1 tasks in two stages.
func fan(n int, pause time.Duration) graph.Delayed[int] {
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	leaves := graph.CallN(&g, "leaf", n, func(_ context.Context, k, x int) (int, error) {
		time.Sleep(pause)
		return k + x, nil
	}, x)
	return graph.CallSlice(&g, "join", func(_ context.Context, xs []int) (int, error) {
		s := 0
		for _, v := range xs {
			s += v
		}
		return s, nil
	}, leaves)
}

// event is one Server-Sent Event.
type event struct {
	name string
	data string
}

// readEvents reads an event stream until it ends.
func readEvents(t *testing.T, r io.Reader) []event {
	t.Helper()
	var evs []event
	var cur event
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.name != "" {
				evs = append(evs, cur)
			}
			cur = event{}
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data += strings.TrimPrefix(line, "data: ")
		}
	}
	return evs
}

// stream opens /events on srv and returns a channel with what it read
// once the stream ends.
func stream(t *testing.T, url string) <-chan []event {
	t.Helper()
	resp, err := http.Get(url + "/events")
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	out := make(chan []event, 1)
	go func() {
		defer resp.Body.Close()
		out <- readEvents(t, resp.Body)
	}()
	return out
}

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("%v in %.200s", err, s)
	}
	return v
}

// TestEvents watches a run through /events: a snapshot, frames while it
// goes, then done; the counts add up to the run's tasks in every frame
// and to all of them in the last.
func TestEvents(t *testing.T) {
	const n = 200
	d := dashboard.New(dashboard.Options{FrameEvery: 5 * time.Millisecond})
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	evs := stream(t, srv.URL)
	res := fan(n, 200*time.Microsecond)
	v, err := sched.Compute(context.Background(), res, sched.Workers(2), sched.WithHooks(d.Hooks()))
	if err != nil || v != n*(n+1)/2 {
		t.Fatalf("Compute = %d, %v", v, err)
	}
	got := <-evs

	if len(got) < 3 || got[0].name != "snapshot" || got[len(got)-1].name != "done" {
		t.Fatalf("events %v: want snapshot, ..., done", names(got))
	}
	var frames []dashboard.Frame
	for _, e := range got[1 : len(got)-1] {
		switch e.name {
		case "frame":
			frames = append(frames, decode[dashboard.Frame](t, e.data))
		case "stages", "failures":
		default:
			t.Fatalf("unexpected event %q", e.name)
		}
	}
	snap := decode[dashboard.Snapshot](t, got[0].data)
	frames = append(snap.Frames, frames...)
	if len(frames) < 2 {
		t.Fatalf("%d frames for a run of %d×200µs on 2 workers", len(frames), n)
	}
	for k, fr := range frames {
		if k > 0 && fr.Seq != frames[k-1].Seq+1 {
			t.Fatalf("frame %d has seq %d after %d", k, fr.Seq, frames[k-1].Seq)
		}
		if sum := stageSum(fr); sum != fr.Done+fr.Failed+fr.Skipped+fr.NotRun {
			t.Fatalf("frame %d: stages add up to %d, the frame says %d", k, sum, fr.Done)
		}
	}
	last := frames[len(frames)-1]
	if last.Done != n+1 || stageSum(last) != n+1 {
		t.Fatalf("last frame: done %d, stages %d, want %d", last.Done, stageSum(last), n+1)
	}
	if mid := frames[len(frames)/2]; mid.Done >= n+1 && frames[0].Done != 0 {
		t.Errorf("no frame while the run went: first %d, middle %d", frames[0].Done, mid.Done)
	}
	fin := decode[dashboard.Final](t, got[len(got)-1].data)
	if fin.WallMs <= 0 || fin.Error != "" {
		t.Errorf("final %+v", fin)
	}

	s := d.Snapshot()
	if s.State != "done" || s.Total != n+1 || s.Done != n+1 {
		t.Errorf("snapshot: state %s, %d of %d done", s.State, s.Done, s.Total)
	}
	if want := []dashboard.Stage{{Name: "leaf", Total: n}, {Name: "join", Total: 1}}; fmt.Sprint(s.Stages) != fmt.Sprint(want) {
		t.Errorf("stages %v, want %v", s.Stages, want)
	}
	if want := []dashboard.Edge{{From: 0, To: 1, Deps: n}}; fmt.Sprint(s.Edges) != fmt.Sprint(want) {
		t.Errorf("edges %v, want %v", s.Edges, want)
	}
}

func names(evs []event) []string {
	var ns []string
	for _, e := range evs {
		ns = append(ns, e.name)
	}
	return ns
}

func stageSum(fr dashboard.Frame) int {
	n := 0
	for _, s := range fr.Stages {
		n += s.Done + s.Failed + s.Skipped + s.NotRun
	}
	return n
}

// TestLateStream opens the stream after the run: the snapshot already
// holds the whole run, and done follows at once.
func TestLateStream(t *testing.T) {
	d := dashboard.New(dashboard.Options{})
	if _, err := sched.Compute(context.Background(), fan(10, 0), sched.WithHooks(d.Hooks())); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	got := <-stream(t, srv.URL)
	if fmt.Sprint(names(got)) != "[snapshot done]" {
		t.Fatalf("events %v", names(got))
	}
	if s := decode[dashboard.Snapshot](t, got[0].data); s.Done != 11 || s.Final == nil {
		t.Errorf("snapshot: %d done, final %v", s.Done, s.Final)
	}
}

// TestSnapshotAPI reads /api/snapshot as a client would: plain JSON with
// the run's total and done.
func TestSnapshotAPI(t *testing.T) {
	d := dashboard.New(dashboard.Options{})
	if _, err := sched.Compute(context.Background(), fan(5, 0), sched.WithHooks(d.Hooks())); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/api/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	if m["total"] != 6.0 || m["done"] != 6.0 || m["state"] != "done" {
		t.Errorf("total %v, done %v, state %v", m["total"], m["done"], m["state"])
	}
}

// TestHandlerGuards: foreign Host headers and writes are refused.
func TestHandlerGuards(t *testing.T) {
	d := dashboard.New(dashboard.Options{AllowHosts: []string{"box.lan"}})
	h := d.Handler()
	for _, c := range []struct {
		method, host, path string
		want               int
	}{
		{"GET", "127.0.0.1:8787", "/", 200},
		{"GET", "localhost:8787", "/api/snapshot", 200},
		{"GET", "[::1]:8787", "/app.js", 200},
		{"GET", "box.lan:8787", "/uPlot.iife.min.js", 200},
		{"GET", "evil.example:8787", "/api/snapshot", http.StatusMisdirectedRequest},
		{"GET", "localhost.evil.example", "/", http.StatusMisdirectedRequest},
		{"POST", "127.0.0.1:8787", "/api/snapshot", http.StatusMethodNotAllowed},
		{"GET", "127.0.0.1:8787", "/download/profile.json", http.StatusNotFound}, // no run yet
		{"GET", "127.0.0.1:8787", "/nosuch", http.StatusNotFound},
	} {
		req := httptest.NewRequest(c.method, "http://"+c.host+c.path, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s %s (Host %s): %d, want %d", c.method, c.path, c.host, rec.Code, c.want)
		}
	}
}

func TestListen(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "example.com:0"} {
		if l, err := dashboard.Listen(addr, false); !errors.Is(err, dashboard.ErrNotLoopback) {
			if l != nil {
				l.Close()
			}
			t.Errorf("Listen(%q) = %v, want ErrNotLoopback", addr, err)
		}
	}
	if _, err := dashboard.Listen("127.0.0.1", false); err == nil || errors.Is(err, dashboard.ErrNotLoopback) {
		t.Errorf("Listen without a port: %v", err)
	}
	for _, c := range []struct {
		addr   string
		public bool
	}{{"127.0.0.1:0", false}, {"localhost:0", false}, {"0.0.0.0:0", true}} {
		l, err := dashboard.Listen(c.addr, c.public)
		if err != nil {
			t.Errorf("Listen(%q, %v): %v", c.addr, c.public, err)
			continue
		}
		l.Close()
	}
}

// TestServe: Serve returns when its context is done, ending a stream that
// is still open, and its goroutines with it (goleak checks).
func TestServe(t *testing.T) {
	d := dashboard.New(dashboard.Options{})
	l, err := dashboard.Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- d.Serve(ctx, l) }()
	evs := stream(t, "http://"+l.Addr().String()) // a run that never comes
	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	if got := <-evs; fmt.Sprint(names(got)) != "[snapshot]" {
		t.Errorf("events %v", names(got))
	}
	l2, err := dashboard.Listen("127.0.0.1:0", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Serve(context.Background(), l2); !errors.Is(err, dashboard.ErrClosed) {
		t.Errorf("Serve after Close: %v", err)
	}
}
