package sched

import (
	"testing"
	"unsafe"
)

func TestSlotSize(t *testing.T) {
	// Two slots to a 64-byte cache line: see slot.
	if n := unsafe.Sizeof(slot{}); n != 32 {
		t.Errorf("a slot takes %d bytes, want 32", n)
	}
}
