package diag_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/seed001e6470/taskgraph/graph"
	"github.com/seed001e6470/taskgraph/graph/dot"
	"github.com/seed001e6470/taskgraph/sched"
	"github.com/seed001e6470/taskgraph/sched/diag"
)

// pipeline is two loads, the square of each and their sum: five tasks.
func pipeline() graph.Delayed[int] {
	var g graph.Graph
	load := func(context.Context) (int, error) { return 3, nil }
	square := func(x int) int { return x * x }
	a := graph.Call(&g, "square", square, graph.Source(&g, "load", load))
	b := graph.Call(&g, "square", square, graph.Source(&g, "load", load))
	return graph.Call2(&g, "sum", add, a, b)
}

// replay feeds p a made-up run of pipeline on two workers, with a fixed
// clock, as the scheduler's hooks would: so that the examples print the
// same figures on every machine.
//
//	worker 0: load#0 0–10ms, square#1 10–40ms, sum#4 40–45ms
//	worker 1: load#2 0–20ms, square#3 20–35ms
func replay(p *diag.Profiler) {
	d := pipeline()
	g := d.Graph()
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	h := p.Hooks()
	h.RunStart(sched.RunInfo{Graph: g, Tasks: 5, Workers: 2, Start: t0})
	for _, t := range []struct{ id, worker, from, to int }{
		{0, 0, 0, 10}, {2, 1, 0, 20}, {1, 0, 10, 40}, {3, 1, 20, 35}, {4, 0, 40, 45},
	} {
		h.TaskDone(sched.TaskEvent{Graph: g, ID: t.id, Name: g.Name(t.id), Worker: t.worker,
			Start: t0.Add(ms(t.from)), Duration: ms(t.to - t.from), State: sched.Done})
	}
	h.RunDone(sched.RunStats{Tasks: 5, Done: 5, Elapsed: ms(46), PeakLive: 2})
}

func ExampleNewProfiler() {
	d := pipeline()
	p := diag.NewProfiler()
	sum, err := sched.Compute(context.Background(), d, sched.Workers(1), sched.WithHooks(p.Hooks()))
	pr, _ := p.Profile()
	fmt.Println(sum, err)
	fmt.Printf("%d tasks, %d done, on %d worker; critical path of %d tasks\n",
		pr.Tasks, pr.Done, pr.Workers, len(pr.CriticalPath))
	// Output:
	// 18 <nil>
	// 5 tasks, 5 done, on 1 worker; critical path of 3 tasks
}

func ExampleSampleEvery() {
	// Sample heap, goroutines and CPU every millisecond. The profiler
	// samples once more when the run starts and when it ends.
	p := diag.NewProfiler(diag.SampleEvery(time.Millisecond))
	_, _ = sched.Compute(context.Background(), pipeline(), sched.WithHooks(p.Hooks()))
	fmt.Println(len(p.Samples()) >= 2)

	// SampleEvery(0) turns sampling off: no goroutine, no samples.
	p = diag.NewProfiler(diag.SampleEvery(0))
	_, _ = sched.Compute(context.Background(), pipeline(), sched.WithHooks(p.Hooks()))
	fmt.Println(len(p.Samples()))
	// Output:
	// true
	// 0
}

func ExampleProfiler_Records() {
	p := diag.NewProfiler(diag.SampleEvery(0))
	_, _ = sched.Compute(context.Background(), pipeline(), sched.Workers(1), sched.WithHooks(p.Hooks()))
	for _, r := range p.Records() {
		fmt.Println(r.Key, r.Worker, r.State, r.End.After(r.Start) || r.End.Equal(r.Start))
	}
	// Output:
	// load#0 0 done true
	// square#1 0 done true
	// load#2 0 done true
	// square#3 0 done true
	// sum#4 0 done true
}

func ExampleProfiler_Samples() {
	p := diag.NewProfiler(diag.SampleEvery(time.Millisecond))
	_, _ = sched.Compute(context.Background(), pipeline(), sched.WithHooks(p.Hooks()))
	s := p.Samples()
	first, last := s[0], s[len(s)-1]
	fmt.Println(first.Goroutines > 0, first.HeapBytes > 0, last.At >= first.At, last.CPU >= first.CPU)
	// Output:
	// true true true true
}

func ExampleProfiler_Profile() {
	p := diag.NewProfiler(diag.SampleEvery(0))
	replay(p)
	pr, _ := p.Profile()
	fmt.Printf("wall %v, busy %v, utilisation %.1f%%\n", pr.Wall, pr.Busy, 100*pr.Utilisation)
	for k, w := range pr.PerWorker {
		fmt.Printf("worker %d: %d tasks, busy %v\n", k, w.Tasks, w.Busy)
	}
	fmt.Print("critical path ", pr.CriticalTime, ":")
	for _, r := range pr.CriticalPath {
		fmt.Print(" ", r.Key)
	}
	fmt.Println()
	// Output:
	// wall 46ms, busy 80ms, utilisation 87.0%
	// worker 0: 3 tasks, busy 45ms
	// worker 1: 2 tasks, busy 35ms
	// critical path 45ms: load#0 square#1 sum#4
}

func ExampleProfiler_Slowest() {
	p := diag.NewProfiler(diag.SampleEvery(0))
	replay(p)
	for _, r := range p.Slowest(2) {
		fmt.Println(r.Key, r.Duration())
	}
	// Output:
	// square#1 30ms
	// load#2 20ms
}

func ExampleProfiler_Summary() {
	p := diag.NewProfiler(diag.SampleEvery(0))
	replay(p) // a run with a fixed clock; a real one attaches p.Hooks()
	_ = p.Summary(os.Stdout)
	// Output:
	// tasks          5: 5 done, 0 failed, 0 skipped, 0 not run
	// workers        2
	// wall           46ms
	// busy           80ms, 87.0% of workers × wall
	// critical path  45ms, 97.8% of wall, 3 tasks: load#0 → square#1 → sum#4
	// peak live      2 results
	//
	// worker  tasks  busy  utilisation
	// 0       3      45ms  97.8%
	// 1       2      35ms  76.1%
	//
	// stage   tasks  failed  total  mean    max
	// load    2      0       30ms   15ms    20ms
	// square  2      0       45ms   22.5ms  30ms
	// sum     1      0       5ms    5ms     5ms
	//
	// slowest   worker  start  duration  state
	// square#1  0       10ms   30ms      done
	// load#2    1       0s     20ms      done
	// square#3  1       20ms   15ms      done
	// load#0    0       0s     10ms      done
	// sum#4     0       40ms   5ms       done
}

func ExampleProfiler_WriteTrace() {
	p := diag.NewProfiler(diag.SampleEvery(0))
	replay(p)
	var buf bytes.Buffer
	_ = p.WriteTrace(&buf) // or diag.WriteFile("trace.json", p.WriteTrace)
	for _, line := range strings.Split(buf.String(), "\n") {
		if strings.Contains(line, `"ph":"X"`) {
			fmt.Println(strings.TrimPrefix(line, ","))
		}
	}
	// Output:
	// {"name":"load","cat":"task","ph":"X","ts":0,"dur":10000,"pid":1,"tid":0,"args":{"id":0,"key":"load#0","state":"done"}}
	// {"name":"load","cat":"task","ph":"X","ts":0,"dur":20000,"pid":1,"tid":1,"args":{"id":2,"key":"load#2","state":"done"}}
	// {"name":"square","cat":"task","ph":"X","ts":10000,"dur":30000,"pid":1,"tid":0,"args":{"id":1,"key":"square#1","state":"done"}}
	// {"name":"square","cat":"task","ph":"X","ts":20000,"dur":15000,"pid":1,"tid":1,"args":{"id":3,"key":"square#3","state":"done"}}
	// {"name":"sum","cat":"task","ph":"X","ts":40000,"dur":5000,"pid":1,"tid":0,"args":{"id":4,"key":"sum#4","state":"done"}}
}

func ExampleProfiler_WriteJSON() {
	p := diag.NewProfiler(diag.SampleEvery(0))
	replay(p)
	var buf bytes.Buffer
	_ = p.WriteJSON(&buf) // or diag.WriteFile("prof.json", p.WriteJSON)
	var doc struct {
		Tasks        int
		CriticalPath struct{ Tasks []string } `json:"critical_path"`
		Records      []struct {
			Key     string
			StartUs float64 `json:"start_us"`
			EndUs   float64 `json:"end_us"`
		}
	}
	_ = json.Unmarshal(buf.Bytes(), &doc)
	fmt.Println(doc.Tasks, doc.CriticalPath.Tasks)
	fmt.Printf("%+v\n", doc.Records[0])
	// Output:
	// 5 [load#0 square#1 sum#4]
	// {Key:load#0 StartUs:0 EndUs:10000}
}

func ExampleReadJSON() {
	p := diag.NewProfiler(diag.SampleEvery(0))
	replay(p)
	var saved bytes.Buffer
	_ = p.WriteJSON(&saved) // or diag.WriteFile("prof.json", p.WriteJSON)

	q, err := diag.ReadJSON(&saved) // or the file, opened
	if err != nil {
		fmt.Println(err)
		return
	}
	pr, _ := q.Profile()
	fmt.Println(pr.Tasks, "tasks in", pr.Wall, "on", pr.Workers, "workers")
	for _, r := range pr.CriticalPath {
		fmt.Println(r.Key, r.Duration())
	}
	fmt.Println("slowest:", q.Slowest(1)[0].Key)

	_, err = diag.ReadJSON(strings.NewReader(`{"version": 1, "tasks": 5}`))
	fmt.Println(err)
	// Output:
	// 5 tasks in 46ms on 2 workers
	// load#0 10ms
	// square#1 30ms
	// sum#4 5ms
	// slowest: square#1
	// diag: not a valid profile: start "" is not an RFC 3339 time
}

// A trace keeps less than a profile: the tasks that ran, the workers and
// the samples, with times from the start of the run.
func ExampleReadTrace() {
	p := diag.NewProfiler(diag.SampleEvery(0))
	replay(p)
	var saved bytes.Buffer
	_ = p.WriteTrace(&saved) // or diag.WriteFile("trace.json", p.WriteTrace)

	t, err := diag.ReadTrace(&saved) // or the file, opened
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(t.Records), "tasks on", t.Workers, "workers")
	for _, r := range t.Records {
		fmt.Println(r.Key, "on worker", r.Worker, "from", r.Start.Sub(time.Time{}), "for", r.Duration())
	}

	// A profile is not a trace.
	_, err = diag.ReadTrace(strings.NewReader(`{"version": 1, "tasks": 5}`))
	fmt.Println(err)
	// Output:
	// 5 tasks on 2 workers
	// load#0 on worker 0 from 0s for 10ms
	// load#2 on worker 1 from 0s for 20ms
	// square#1 on worker 0 from 10ms for 30ms
	// square#3 on worker 1 from 20ms for 15ms
	// sum#4 on worker 0 from 40ms for 5ms
	// diag: not a trace: traceEvents is missing
}

func ExampleProfiler_DotStats() {
	d := pipeline()
	p := diag.NewProfiler(diag.SampleEvery(0))
	_, _ = sched.Compute(context.Background(), d, sched.Workers(1), sched.WithHooks(p.Hooks()))
	// p.DotStats is what dot.Options.Stats wants:
	opts := &dot.Options{Color: dot.ByState, Stats: p.DotStats}
	var buf bytes.Buffer
	fmt.Println(dot.Write(&buf, d.Graph(), opts))
	s, ok := p.DotStats(d.ID())
	fmt.Println(s.State, ok)
	// Output:
	// <nil>
	// done true
}

func ExampleProgress() {
	// On a terminal (os.Stderr, usually) the bar is drawn as the run
	// goes; Force draws it anywhere, here into a buffer.
	var buf bytes.Buffer
	bar := diag.Progress(&buf, diag.ProgressOptions{Force: true})
	_, _ = sched.Compute(context.Background(), pipeline(), sched.WithHooks(bar))
	out := buf.String()
	final := out[strings.LastIndexByte(out, '\r')+1:]
	fmt.Println(regexp.MustCompile(`\d+% .*\(\d+/\d+`).FindString(final))
	// Output:
	// 100% |████████████████████████████████████████| (5/5
}

func ExampleIsTerminal() {
	fmt.Println(diag.IsTerminal(new(bytes.Buffer)))
	// Output:
	// false
}

func ExampleLog() {
	// Times and durations differ from run to run: leave them out here.
	drop := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey || a.Key == "duration" || a.Key == "elapsed" {
			return slog.Attr{}
		}
		return a
	}
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: drop}))
	var g graph.Graph
	x := graph.Value(&g, "x", 1)
	bad := graph.CallCtx(&g, "check", func(context.Context, int) (int, error) { return 0, errBoom }, x)
	_, _ = sched.Compute(context.Background(), graph.Call(&g, "inc", inc, bad),
		sched.Workers(1), sched.WithHooks(diag.Log(logger)))
	// Output:
	// level=INFO msg="run start" tasks=2 workers=1
	// level=DEBUG msg="task start" task=check id=1 worker=0
	// level=ERROR msg="task failed" task=check id=1 worker=0 error="task check#1: boom"
	// level=DEBUG msg="task not run" task=inc id=2
	// level=ERROR msg="run failed" tasks=2 done=0 failed=1 skipped=0 not_run=1 peak_live=0 error="task check#1: boom"
}

func ExampleDot() {
	d := pipeline()
	var rec dot.Recorder
	_, _ = sched.Compute(context.Background(), d, sched.Workers(1), sched.WithHooks(diag.Dot(&rec)))
	// rec.Stats is what dot.Options.Stats wants:
	//	dot.Write(w, d.Graph(), &dot.Options{Color: dot.ByDuration, Stats: rec.Stats})
	for id := range d.Graph().Len() {
		s, _ := rec.Stats(id)
		fmt.Println(d.Graph().Key(id), s.State)
	}
	// Output:
	// load#0 done
	// square#1 done
	// load#2 done
	// square#3 done
	// sum#4 done
}

// Hooks of one's own are a sched.Hooks value: here, tasks counted by
// name. Task callbacks run on the workers, concurrently: guard what they
// share, and keep them quick.
func Example_customHooks() {
	var mu sync.Mutex
	count := map[string]int{}
	hooks := sched.Hooks{
		TaskDone: func(ev sched.TaskEvent) {
			mu.Lock()
			count[ev.Name]++
			mu.Unlock()
		},
		RunDone: func(st sched.RunStats) { fmt.Println("run done:", st.Done, "tasks") },
	}
	_, _ = sched.Compute(context.Background(), pipeline(), sched.WithHooks(hooks))
	fmt.Println(count)
	// Output:
	// run done: 5 tasks
	// map[load:2 square:2 sum:1]
}

func ExampleCombine() {
	p := diag.NewProfiler(diag.SampleEvery(0))
	var done int
	hooks := diag.Combine(p.Hooks(), sched.Hooks{RunDone: func(st sched.RunStats) { done = st.Done }})
	_, _ = sched.Compute(context.Background(), pipeline(), sched.WithHooks(hooks))
	fmt.Println(done, len(p.Records()))
	// Output:
	// 5 5
}

func ExampleNew() {
	dir, _ := os.MkdirTemp("", "diag")
	defer os.RemoveAll(dir)
	// What "taskgraph run PIPELINE --progress --profile prof.json --trace
	// trace.json" asks for. (A Gantt chart is gantt.Output("run.png") in
	// Outputs: package sched/diag/gantt.)
	s, err := diag.New(diag.Options{
		Progress: true, // drawn only when stderr is a terminal
		Profile:  filepath.Join(dir, "prof.json"),
		Trace:    filepath.Join(dir, "trace.json"),
	})
	if err != nil { // an output that cannot be created: nothing has run
		fmt.Println(err)
		return
	}
	sum, err := sched.Compute(context.Background(), pipeline(), sched.WithHooks(s.Hooks()))
	fmt.Println(sum, err, s.Close(err))
	for _, name := range []string{"prof.json", "trace.json"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		fmt.Println(name, err == nil && fi.Size() > 0)
	}
	pr, _ := s.Profiler().Profile()
	fmt.Println(pr.Done, "tasks done")
	// Output:
	// 18 <nil> <nil>
	// prof.json true
	// trace.json true
	// 5 tasks done
}

func ExampleWriteFile() {
	p := diag.NewProfiler(diag.SampleEvery(0))
	replay(p)
	path := filepath.Join(os.TempDir(), "diag-example-trace.json")
	defer os.Remove(path)
	fmt.Println(diag.WriteFile(path, p.WriteTrace))
	b, _ := os.ReadFile(path)
	fmt.Println(json.Valid(b))
	// Output:
	// <nil>
	// true
}

// A file that appears whole or not at all.
func ExampleCreateOutput() {
	dir, _ := os.MkdirTemp("", "diag")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "result.txt")
	f, err := diag.CreateOutput(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Abort() // removes the temporary file unless Commit ran
	fmt.Fprintln(f, "pi ≈ 3.1416")
	_, err = os.Stat(path)
	fmt.Println("there before Commit:", err == nil)
	fmt.Println(f.Commit())
	b, _ := os.ReadFile(path)
	fmt.Print(string(b))
	// Output:
	// there before Commit: false
	// <nil>
	// pi ≈ 3.1416
}

func ExampleFormatOf() {
	fmt.Println(diag.FormatOf("out/run.PNG"), diag.FormatOf("run.svg"))
	// Output:
	// png svg
}

func ExampleProfiler_Hooks() {
	p := diag.NewProfiler(diag.SampleEvery(0))
	// With sched.WithHooks(p.Hooks()) for one run, or in a Scheduler for
	// all the runs it makes (the profiler keeps the last).
	s := sched.Scheduler{Workers: 1, Hooks: []sched.Hooks{p.Hooks()}}
	vs, err := s.Run(context.Background(), pipeline())
	pr, _ := p.Profile()
	fmt.Println(vs, err, pr.Done)
	// Output:
	// [18] <nil> 5
}

func ExampleSession_Close() {
	var summary bytes.Buffer
	s, _ := diag.New(diag.Options{Summary: &summary, SampleEvery: -1})
	_, err := sched.Compute(context.Background(), pipeline(), sched.WithHooks(s.Hooks()))
	// Close writes what the options asked for: here, the summary.
	fmt.Println(s.Close(err))
	fmt.Println(strings.SplitN(summary.String(), "\n", 2)[0])
	// Output:
	// <nil>
	// tasks          5: 5 done, 0 failed, 0 skipped, 0 not run
}

// An output of one's own, written from the profile after the run: here a
// one-line report. Write is given the run's error too.
func ExampleOutput() {
	dir, _ := os.MkdirTemp("", "diag")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "done.txt")
	s, err := diag.New(diag.Options{SampleEvery: -1, Outputs: []diag.Output{{
		Path: path,
		Write: func(w io.Writer, p *diag.Profiler, runErr error) error {
			pr, err := p.Profile()
			fmt.Fprintf(w, "%d tasks done, run error: %v\n", pr.Done, runErr)
			return err
		},
	}}})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = sched.Compute(context.Background(), pipeline(), sched.WithHooks(s.Hooks()))
	fmt.Println(s.Close(err), s.Written()[0] == path)
	b, _ := os.ReadFile(path)
	fmt.Print(string(b))
	// Output:
	// <nil> true
	// 5 tasks done, run error: <nil>
}

// Abort removes the files of a session whose diagnostics are not wanted
// (a run interrupted by Ctrl-C, say).
func ExampleSession_Abort() {
	dir, _ := os.MkdirTemp("", "diag")
	defer os.RemoveAll(dir)
	s, _ := diag.New(diag.Options{Profile: filepath.Join(dir, "prof.json")})
	entries, _ := os.ReadDir(dir)
	fmt.Println(len(entries), "temporary file")
	s.Abort()
	entries, _ = os.ReadDir(dir)
	fmt.Println(len(entries), "files")
	// Output:
	// 1 temporary file
	// 0 files
}

// A program that exits at once (a second Ctrl-C) first removes the
// temporary files of every output not yet committed.
func ExampleRemoveTemporaries() {
	dir, _ := os.MkdirTemp("", "diag")
	defer os.RemoveAll(dir)
	f, _ := diag.CreateOutput(filepath.Join(dir, "big.png"))
	fmt.Fprint(f, "half a picture")
	diag.RemoveTemporaries() // then os.Exit
	entries, _ := os.ReadDir(dir)
	fmt.Println(len(entries), "files;", f.Commit() != nil)
	// Output:
	// 0 files; true
}
