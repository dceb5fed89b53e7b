package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/seed001e6470/taskgraph/tasks/pipeline"
)

// Every registered pipeline is a cluster job, rebuilt from its arguments.
func TestPipelineJobs(t *testing.T) {
	var names []string
	for _, p := range pipeline.All() {
		names = append(names, p.Name)
	}
	got := pipelineJobs().Names()
	slices.Sort(got)
	slices.Sort(names)
	if !slices.Equal(got, names) {
		t.Fatalf("jobs %v, pipelines %v", got, names)
	}
}

func TestClusterFlags(t *testing.T) {
	for _, f := range []clusterFlags{{local: -1}, {url: "nats://x", local: 2}, {local: 2, resume: "n"}, {url: "nats://x", resume: "a.b"}} {
		if err := f.check(); !errors.Is(err, pipeline.ErrParam) {
			t.Errorf("%+v: %v, want a parameter error", f, err)
		}
	}
	for _, f := range []clusterFlags{{local: 2}, {url: "nats://x", resume: "nightly-7"}} {
		if err := f.check(); err != nil {
			t.Errorf("%+v: %v", f, err)
		}
	}
}

// runJSON runs args with --json and returns the report.
func runJSON(t *testing.T, args ...string) (jsonReport, string) {
	t.Helper()
	code, out, stderr := tg(t, append(args, "--json")...)
	var r jsonReport
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != 0 || !r.OK {
		t.Fatalf("%v: exit %d, %v; stdout %q, stderr %q", args, code, err, out, stderr)
	}
	return r, stderr
}

// The remote tasks of a run with --local-cluster run in the worker
// processes, none in the command's own: the testing pipeline counts the
// tasks running at once in its process, and here that stays 0; a failing
// task's error names a worker, not this process.
func TestLocalClusterRunsRemotely(t *testing.T) {
	r, _ := runJSON(t, "run", "testing", "--n=6", "--local-cluster=2")
	res := r.Result.(map[string]any)
	if res["tasks"] != float64(6) || res["peak"] != float64(0) {
		t.Fatalf("result %v: want 6 tasks, none of them run here (peak 0)", res)
	}
	code, _, stderr := tg(t, "run", "testing", "--n=3", "--fail=1", "--local-cluster=1")
	host, _ := os.Hostname()
	at := strings.Index(stderr, " on "+host+"/")
	if code != ExitFailure || at < 0 {
		t.Fatalf("exit %d, stderr %q: want a failure naming a worker on %s", code, stderr, host)
	}
	pid, _ := strconv.Atoi(strings.FieldsFunc(stderr[at+len(" on "+host+"/"):], func(r rune) bool { return r < '0' || r > '9' })[0])
	if pid == os.Getpid() || pid == 0 {
		t.Fatalf("the failed task ran in process %d (this one is %d): %q", pid, os.Getpid(), stderr)
	}
}

// Every pipeline run on a local cluster prints the result the local run
// prints (π to every digit, the same pixel sum), and no note that it ran
// locally after all.
func TestPipelinesOnLocalCluster(t *testing.T) {
	for _, args := range [][]string{
		{"run", "mandelbrot", "--out=", "--width=96", "--height=64", "--max-iter=200", "--tiles=12"},
		{"run", "pi", "--samples=200000", "--chunks=6"},
		{"run", "generators", "--n=50000"},
		{"run", "generators", "--n=100000", "--seq=fibonacci"},
	} {
		local, _ := runJSON(t, args...)
		remote, stderr := runJSON(t, append(args, "--local-cluster=2")...)
		if !reflect.DeepEqual(remote.Result, local.Result) {
			t.Errorf("%v: on the cluster %v, here %v", args, remote.Result, local.Result)
		}
		if strings.Contains(stderr, "note:") {
			t.Errorf("%v: %q", args, stderr)
		}
	}
}

// The default Mandelbrot view on a cluster sums to the workshop's number.
func TestMandelbrotDefaultViewOnLocalCluster(t *testing.T) {
	r, _ := runJSON(t, "run", "mandelbrot", "--out=", "--local-cluster=2")
	if sum := r.Result.(map[string]any)["sum"]; sum != float64(21169614) {
		t.Fatalf("sum %v, want 21169614", sum)
	}
}

// The word count sends its partitions to the cluster: the result is the
// local one, with no note, and a partition that cannot be read fails with
// an error naming a worker process, not this one.
func TestWordCountOnLocalCluster(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "words.txt")
	if err := os.WriteFile(text, []byte(strings.Repeat("the quick brown fox jumps over the lazy dog\n", 50)), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"run", "wordcount", "--input=" + text, "--partitions=3", "--top=3"}
	local, _ := runJSON(t, args...)
	remote, stderr := runJSON(t, append(args, "--local-cluster=2")...)
	if !reflect.DeepEqual(remote.Result, local.Result) {
		t.Errorf("on the cluster %v, here %v", remote.Result, local.Result)
	}
	if strings.Contains(stderr, "note:") {
		t.Errorf("stderr %q", stderr)
	}
	bad := filepath.Join(dir, "bad.txt.gz")
	if err := os.WriteFile(bad, []byte("not gzip at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := tg(t, "run", "wordcount", "--input="+bad, "--local-cluster=1")
	host, _ := os.Hostname()
	at := strings.Index(stderr, " on "+host+"/")
	if code != ExitFailure || at < 0 || !strings.Contains(stderr, "bad.txt.gz") {
		t.Fatalf("exit %d, stderr %q: want a failure naming the file and a worker on %s", code, stderr, host)
	}
	pid, _ := strconv.Atoi(strings.FieldsFunc(stderr[at+len(" on "+host+"/"):], func(r rune) bool { return r < '0' || r > '9' })[0])
	if pid == os.Getpid() || pid == 0 {
		t.Fatalf("the failed partition was read in process %d (this one is %d): %q", pid, os.Getpid(), stderr)
	}
}

// The long-lived commands: "taskgraph cluster" serves and prints its URL,
// "taskgraph worker --nats URL" serves that cluster's tasks, "run
// --cluster URL" sends its remote tasks there and prints the local
// result; cancelling the worker and the server (what SIGTERM does) ends
// both with status 0.
func TestClusterWorkerAndRun(t *testing.T) {
	srvCtx, stopSrv := context.WithCancel(context.Background())
	defer stopSrv()
	out, w := io.Pipe()
	srvCode := make(chan int, 1)
	go func() {
		srvCode <- Run(srvCtx, []string{"cluster", "--listen=127.0.0.1:0"}, w, io.Discard)
		w.Close()
	}()
	lines := bufio.NewScanner(out)
	if !lines.Scan() || !strings.HasPrefix(lines.Text(), "nats://127.0.0.1:") {
		t.Fatalf("taskgraph cluster printed %q, want its URL", lines.Text())
	}
	url := lines.Text()
	copied := make(chan struct{})
	go func() { io.Copy(io.Discard, out); close(copied) }() // whatever else it prints

	wCtx, stopWorker := context.WithCancel(context.Background())
	defer stopWorker()
	var werr bytes.Buffer
	workerCode := make(chan int, 1)
	go func() {
		workerCode <- Run(wCtx, []string{"worker", "--nats=" + url, "--concurrency=2", "--prefetch=4"}, io.Discard, &werr)
	}()

	args := []string{"run", "pi", "--samples=200000", "--chunks=6"}
	local, _ := runJSON(t, args...)
	remote, _ := runJSON(t, append(args, "--cluster="+url)...)
	if !reflect.DeepEqual(remote.Result, local.Result) {
		t.Errorf("on the cluster %v, here %v", remote.Result, local.Result)
	}
	host, _ := os.Hostname()
	code, _, stderr := tg(t, "run", "testing", "--n=3", "--fail=1", "--cluster="+url)
	if code != ExitFailure || !strings.Contains(stderr, " on "+host+"/") {
		t.Errorf("a failing remote task: exit %d, stderr %q; want a failure naming the worker", code, stderr)
	}

	stopWorker()
	if c := <-workerCode; c != ExitOK {
		t.Errorf("the drained worker exited %d: %s", c, werr.String())
	}
	stopSrv()
	if c := <-srvCode; c != ExitOK {
		t.Errorf("taskgraph cluster exited %d", c)
	}
	<-copied
}
