//go:build !linux

package graph

// physicalMemory is unknown here: only the node limit and the Go memory
// limit bound a graph's size.
func physicalMemory() uint64 { return 0 }
