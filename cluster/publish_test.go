package cluster

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/seed001e6470/taskgraph/sched"
)

// A task message the server does not acknowledge in time fails its tasks
// with an error naming them; the run returns instead of waiting. A
// timeout far shorter than any acknowledgement makes that happen; a
// message acknowledged before its timer fired all the same is retried
// with a new run, a few times at most.
func TestPublishNotAcknowledged(t *testing.T) {
	ctx := guard(t)
	l, err := StartLocal(context.Background(), LocalOptions{Workers: 1, Worker: testWorker})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	c, err := Open(context.Background(), l.URL(), Options{Registry: &testJobs, WaitWorkers: 20 * time.Second, PublishTimeout: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	for attempt := range 20 {
		_, err := run(t, ctx, c, noFaults(3, ""))
		if err == nil {
			continue // every message acknowledged within a nanosecond's timer: try again
		}
		var te *sched.TaskError
		if !errors.As(err, &te) || !errors.Is(err, jetstream.ErrAsyncPublishTimeout) || !strings.Contains(err.Error(), "queueing task") {
			t.Fatalf("attempt %d: error %v is not a publish timeout naming its task", attempt, err)
		}
		return
	}
	t.Fatal("20 runs, and no publish timed out after a nanosecond")
}
