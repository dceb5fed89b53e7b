package cluster

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func itoa(n int) string { return strconv.Itoa(n) }

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
