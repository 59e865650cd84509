//go:build unix

package main

import (
	"errors"
	"syscall"
)

// processAlive reports whether a process of this host has the id pid: a
// signal 0 is refused with ESRCH only when none has.
func processAlive(pid int) bool {
	return !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
