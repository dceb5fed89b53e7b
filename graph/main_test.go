package graph_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The examples and tests compute graphs with package sched: none may leave
// a goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
