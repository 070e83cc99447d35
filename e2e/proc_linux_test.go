package e2e

import "syscall"

// procAttr has the kernel kill a server when the test process dies, so
// that no server outlives an aborted run.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
