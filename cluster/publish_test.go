package cluster

import (
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
	c, _ := openLocal(t, LocalOptions{Workers: 1, Worker: testWorker}, Options{PublishTimeout: time.Nanosecond})
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
