package dashboard_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/seed001e6470/taskgraph/dashboard"
	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
)

// squares is 8 tasks "square" and their "sum".
func squares() graph.Delayed[int] {
	var g graph.Graph
	x := graph.Value(&g, "x", 0)
	parts := graph.CallN(&g, "square", 8, func(_ context.Context, k, _ int) (int, error) { return k * k, nil }, x)
	return graph.CallSlice(&g, "sum", func(_ context.Context, xs []int) (int, error) {
		s := 0
		for _, v := range xs {
			s += v
		}
		return s, nil
	}, parts)
}

// A dashboard is a set of hooks for a run and what it made of them.
func Example() {
	res := squares()
	d := dashboard.New(dashboard.Options{Title: "squares", Targets: []graph.Node{res}})
	v, err := sched.Compute(context.Background(), res, sched.WithHooks(d.Hooks()))
	fmt.Println(v, err)
	s := d.Snapshot()
	fmt.Println(s.State, s.Done, "of", s.Total)
	for _, st := range s.Stages {
		fmt.Println(st.Name, st.Total)
	}
	// Output:
	// 140 <nil>
	// done 9 of 9
	// square 8
	// sum 1
}

// Handler mounts the page, its event stream and its JSON in a server of
// one's own.
func ExampleDashboard_Handler() {
	d := dashboard.New(dashboard.Options{})
	srv := httptest.NewServer(d.Handler())
	defer srv.Close()
	if _, err := sched.Compute(context.Background(), squares(), sched.WithHooks(d.Hooks())); err != nil {
		fmt.Println(err)
		return
	}
	resp, err := http.Get(srv.URL + "/api/snapshot")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var s struct{ Total, Done int }
	json.NewDecoder(resp.Body).Decode(&s)
	fmt.Println(s.Done, "of", s.Total)
	// Output: 9 of 9
}

// Serve serves the dashboard until its context is done.
func ExampleDashboard_Serve() {
	d := dashboard.New(dashboard.Options{})
	l, err := dashboard.Listen("127.0.0.1:0", false) // a free port
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error)
	go func() { served <- d.Serve(ctx, l) }()
	resp, err := http.Get("http://" + l.Addr().String() + "/")
	if err == nil {
		fmt.Println(resp.Status, resp.Header.Get("Content-Type"))
		resp.Body.Close()
	}
	stop()
	fmt.Println(<-served)
	// Output:
	// 200 OK text/html; charset=utf-8
	// <nil>
}

// Listen keeps the page on this machine unless told otherwise.
func ExampleListen() {
	_, err := dashboard.Listen("0.0.0.0:8787", false)
	fmt.Println(err)
	fmt.Println(dashboard.IsLoopback("localhost:8787"), dashboard.IsLoopback("[::1]:0"), dashboard.IsLoopback(":8787"))
	// Output:
	// dashboard: not a loopback address: "0.0.0.0:8787" (serving beyond this machine needs an explicit choice)
	// true true false
}

// Replay shows a saved profile (sched/diag's JSON) as the run went.
func ExampleReplay() {
	p := diag.NewProfiler()
	if _, err := sched.Compute(context.Background(), squares(), sched.WithHooks(p.Hooks())); err != nil {
		fmt.Println(err)
		return
	}
	var saved bytes.Buffer
	p.WriteJSON(&saved)

	d, err := dashboard.Replay(&saved, dashboard.Options{Title: "squares"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Close()
	s := d.Snapshot()
	fmt.Println(s.Replay, s.State, s.Done, "of", s.Total)
	// Output: true done 9 of 9
}

// WriteReport makes one HTML file of a finished run that opens anywhere.
func ExampleDashboard_WriteReport() {
	d := dashboard.New(dashboard.Options{})
	sched.Compute(context.Background(), squares(), sched.WithHooks(d.Hooks()))
	var page bytes.Buffer
	if err := d.WriteReport(&page); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.HasPrefix(page.String(), "<!doctype html>"), strings.Contains(page.String(), `src="`))
	// Output: true false
}

// Close ends the event streams; a closed dashboard's Serve returns at
// once.
func ExampleDashboard_Close() {
	d := dashboard.New(dashboard.Options{})
	d.Close()
	l, _ := dashboard.Listen("127.0.0.1:0", false)
	fmt.Println(d.Serve(context.Background(), l))
	// Output: dashboard: closed
}
