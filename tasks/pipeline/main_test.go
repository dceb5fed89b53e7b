package pipeline_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Jobs run on the scheduler's goroutines: none may outlive a test.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
