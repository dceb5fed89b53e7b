package sched

import (
	"testing"
	"unsafe"
)

func TestSlotSize(t *testing.T) {
	// Four slots to a 64-byte cache line: see slot.
	if n := unsafe.Sizeof(slot{}); n != 16 {
		t.Errorf("a slot takes %d bytes, want 16", n)
	}
}
