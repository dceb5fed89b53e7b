package cluster

import (
	"context"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// The test binary is also the workers' program: started with WorkerEnv
// set (by StartLocal), it serves testJobs instead of running tests, the
// way a real program calls WorkerMain first thing in main.
func TestMain(m *testing.M) {
	registerTestJobs()
	if os.Getenv(WorkerEnv) != "" {
		installTestHooks()
	}
	WorkerMain(&testJobs)
	goleak.VerifyTestMain(m)
}

// testWorker's timing is short, so that the fault tests take seconds: a
// dead worker's task is delivered again after 1 s, and given up after 3.
// TG_TEST_CONCURRENCY and TG_TEST_PREFETCH change the workers' slots (for
// benchmarks).
var testWorker = WorkerOptions{Concurrency: envInt("TG_TEST_CONCURRENCY", 2), Prefetch: envInt("TG_TEST_PREFETCH", 0), AckWait: time.Second, MaxDeliver: 3}

// testCluster starts an embedded server with n worker processes and a
// coordinator connected to it; cleanup closes both and so stops the
// workers.
func testCluster(t testing.TB, n int) (*Cluster, *Local) {
	t.Helper()
	return openLocal(t, LocalOptions{Workers: n, Worker: testWorker}, Options{})
}

// openLocal starts an embedded server with lo's workers and a coordinator
// of o connected to it (testJobs and 20 s to wait for workers, unless o
// says otherwise); cleanup closes both and so stops the workers.
func openLocal(t testing.TB, lo LocalOptions, o Options) (*Cluster, *Local) {
	t.Helper()
	ctx := context.Background()
	l, err := StartLocal(ctx, lo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	if o.Registry == nil {
		o.Registry = &testJobs
	}
	if o.WaitWorkers == 0 {
		o.WaitWorkers = 20 * time.Second
	}
	c, err := Open(ctx, l.URL(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, l
}

// guard turns a hang into a failure; it never decides a pass.
func guard(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
