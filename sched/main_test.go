package sched_test

import (
	"context"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Every test of the package ends with a check that no goroutine outlived
// it: after success, errors, panics and cancellation alike.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// hangGuard is the context for a test whose tasks block: it only turns a
// hang into a failure (the blocked tasks see it and return), it never
// decides a pass. Tests check afterwards that it did not expire.
func hangGuard(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// notHung fails the test if the guard expired, that is, if the run only
// ended because the test-level timeout stopped it.
func notHung(t testing.TB, guard context.Context) {
	t.Helper()
	if guard.Err() != nil {
		t.Fatal("the run hung: it only ended when the test's guard timeout expired")
	}
}

// wait blocks until ch is closed or the guard expires.
func wait(guard context.Context, ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	case <-guard.Done():
		return false
	}
}

var workerCounts = []int{1, 2, 8}
