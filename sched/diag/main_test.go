package diag_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test ends with a check that no goroutine outlived it: the
// profiler's sampler and the progress bar's drawer belong to the run.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
