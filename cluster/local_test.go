package cluster

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/seed001e6470/taskgraph/sched"
)

// Workers start, answer and are gone after Close.
func TestLocal(t *testing.T) {
	c, l := testCluster(t, 2)
	if err := c.ping(guard(t)); err != nil {
		t.Fatal(err)
	}
	l.mu.Lock()
	var pids []int
	for _, p := range l.procs {
		if p != nil {
			pids = append(pids, p.Process.Pid)
		}
	}
	l.mu.Unlock()
	if len(pids) != 2 {
		t.Fatalf("%d worker processes running, want 2", len(pids))
	}
	c.Close()
	l.Close()
	for _, pid := range pids {
		if syscall.Kill(pid, 0) == nil {
			t.Errorf("worker %d outlived Close", pid)
		}
	}
}

// A coordinator of another build finds no worker: a clear error after
// WaitWorkers, not a hang.
func TestOtherBuild(t *testing.T) {
	_, l := testCluster(t, 1)
	c, err := Open(context.Background(), l.URL(), Options{WaitWorkers: 300 * time.Millisecond, build: "otherbuild"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	j, err := c.Job("squares", noFaults(3, ""))
	if err != nil {
		t.Fatal(err)
	}
	_, total := squares(noFaults(3, ""), remoteOpts()...)
	if _, err := sched.Compute(guard(t), total, sched.WithExecutor(j)); !errors.Is(err, ErrNoWorkers) {
		t.Fatalf("run: %v, want ErrNoWorkers", err)
	}
}

func TestWorkerProcessRefusesToStartWorkers(t *testing.T) {
	t.Setenv(WorkerEnv, "nats://127.0.0.1:1")
	if _, err := StartLocal(context.Background(), LocalOptions{}); !errors.Is(err, ErrWorkerProcess) {
		t.Fatalf("StartLocal in a worker process: %v, want ErrWorkerProcess", err)
	}
	os.Unsetenv(WorkerEnv)
}
