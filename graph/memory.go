package graph

import (
	"math"
	"runtime/debug"
)

// memoryBudget is how many bytes a bulk allocation of nodes may take at
// most: the Go memory limit when one is set, and no more than the
// machine's memory (where it can be told). Asking for more can only end in
// the process being killed, so it is a building error instead.
func memoryBudget() uint64 {
	budget := uint64(math.MaxUint64)
	if l := debug.SetMemoryLimit(-1); l != math.MaxInt64 && l > 0 {
		budget = uint64(l)
	}
	if m := physicalMemory(); m > 0 {
		budget = min(budget, m)
	}
	return budget
}
