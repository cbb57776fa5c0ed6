//go:build unix

package runstore

import (
	"errors"
	"syscall"
)

// processGone reports whether no process has id pid: signal 0 checks
// that one exists without sending anything. A process of another user
// (EPERM) exists.
func processGone(pid int) bool {
	return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH)
}
