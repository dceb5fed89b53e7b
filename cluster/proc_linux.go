package cluster

import "syscall"

// childAttr makes the kernel kill a local worker when its parent dies, so
// that none outlives a crashed or killed program.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
