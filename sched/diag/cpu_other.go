//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package diag

import (
	"runtime/metrics"
	"time"
)

// processCPU falls back on the runtime's own estimate where getrusage is
// missing; the runtime updates it only at garbage collections, so it
// moves in steps.
func processCPU() time.Duration {
	s := []metrics.Sample{{Name: "/cpu/classes/total:cpu-seconds"}, {Name: "/cpu/classes/idle:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 || s[1].Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return time.Duration((s[0].Value.Float64() - s[1].Value.Float64()) * float64(time.Second))
}
