package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/seed001e6470/taskgraph/sched"
)

// coordinatorEnv, set to "URL DIR", makes the test binary a coordinator
// named restartName that runs the gated job of DIR on the server at URL
// until it is killed.
const coordinatorEnv = "TASKGRAPH_TEST_COORDINATOR"

const restartName = "restarted"

func restartParams(dir string) gateParams { return gateParams{N: 6, Dir: dir} }

func init() {
	v := os.Getenv(coordinatorEnv)
	if v == "" {
		return
	}
	url, dir, _ := strings.Cut(v, " ")
	os.Exit(namedCoordinator(url, dir))
}

func namedCoordinator(url, dir string) int {
	ctx := context.Background()
	c, err := Open(ctx, url, Options{Name: restartName, WaitWorkers: 20 * time.Second})
	if err == nil {
		var j *Job
		if j, err = c.Job("gated", restartParams(dir)); err == nil {
			_, ts := gated(restartParams(dir), remoteOpts()...)
			_, err = sched.ComputeAll(ctx, ts, sched.WithExecutor(j))
		}
	}
	fmt.Fprintln(os.Stderr, "coordinator:", err)
	return 1 // it is meant to be killed first
}

// storedKeys counts the results stored under prefix.
func storedKeys(t testing.TB, kv jetstream.KeyValue, prefix string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	keys, err := kv.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for k := range keys.Keys() {
		if strings.HasPrefix(k, prefix) {
			n++
		}
	}
	return n
}

// A named coordinator killed in the middle of a run is opened again
// under its name: the run completes with the right values, the tasks its
// predecessor's workers finished do not run again, and those it left
// running deliver to the new one.
func TestCoordinatorRestart(t *testing.T) {
	c, l := testCluster(t, 2)
	dir := t.TempDir()
	for i := range 3 {
		touch(dir, "go", i)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	first := exec.Command(exe, "-test.run=^$")
	first.Env = append(os.Environ(), coordinatorEnv+"="+l.URL()+" "+dir)
	first.Stderr = os.Stderr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { first.Process.Kill(); first.Wait() })
	waitFor(t, func() bool { return storedKeys(t, c.kv, restartName+".") >= 3 })
	waitFor(t, func() bool { return exists(dir, "started", 3) && exists(dir, "started", 4) })
	first.Process.Kill()
	if err := first.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the first coordinator ended with %v, not killed", err)
	}

	for i := range 3 {
		if err := os.Remove(filepath.Join(dir, "started-"+itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	for i := 3; i < 6; i++ {
		touch(dir, "go", i)
	}
	again, err := Open(context.Background(), l.URL(), Options{Name: restartName, Registry: &testJobs, WaitWorkers: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	j, err := again.Job("gated", restartParams(dir))
	if err != nil {
		t.Fatal(err)
	}
	_, ts := gated(restartParams(dir), remoteOpts()...)
	vs, err := sched.ComputeAll(guard(t), ts, sched.WithExecutor(j))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vs {
		if v != i*i {
			t.Errorf("task %d: %d, want %d", i, v, i*i)
		}
	}
	for i := range 3 {
		if exists(dir, "started", i) {
			t.Errorf("task %d, finished before the restart, ran again", i)
		}
	}
}

// A coordinator name must be one token of a subject.
func TestCoordinatorNameChecked(t *testing.T) {
	if _, err := Open(context.Background(), "nats://127.0.0.1:1", Options{Name: "a.b"}); err == nil || !strings.Contains(err.Error(), "coordinator name") {
		t.Fatalf("error %v, want one about the name", err)
	}
}
