//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package diag

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used so far. getrusage is
// exact at any moment, unlike runtime/metrics' /cpu/classes figures,
// which the runtime only brings up to date at garbage collections: a
// short run would sample a flat line.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
