package cluster

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

func itoa(n int) string { return strconv.Itoa(n) }

// consumerInfo is the state of the consumer of c's build (an error
// until a worker made it).
func consumerInfo(c *Cluster) (*jetstream.ConsumerInfo, error) {
	ctx := context.Background()
	cons, err := c.tasks.Consumer(ctx, consumerName(c.opts.build))
	if err != nil {
		return nil, err
	}
	return cons.Info(ctx)
}

// runsOf counts the lines of marker file what-n in dir.
func runsOf(t testing.TB, dir, what string, n int) int {
	data, err := os.ReadFile(filepath.Join(dir, what+"-"+itoa(n)))
	if err != nil {
		return 0
	}
	return strings.Count(string(data), "\n")
}

// queued counts the task messages in the stream.
func queued(t testing.TB, c *Cluster) uint64 {
	info, err := c.tasks.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// waitFor polls cond until it holds; the test's guard bounds it.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
		return v
	}
	return def
}
