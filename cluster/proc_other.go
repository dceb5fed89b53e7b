//go:build !linux

package cluster

import "syscall"

// childAttr: without Pdeathsig, a local worker notices that its server is
// gone and exits (see WorkerOptions.exitOnClose).
func childAttr() *syscall.SysProcAttr { return nil }
