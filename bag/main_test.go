package bag_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every goroutine a bag starts (the coroutine of a sequence being cut, the
// scheduler's workers) must be gone when a computation returns.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
