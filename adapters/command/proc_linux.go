//go:build linux

package command

import (
	"os/exec"
	"syscall"
)

// killGroup starts the process in a new process group and makes
// cancellation kill the whole group, so that children the executable
// started (a shell's commands, an interpreter's workers) die with it. The
// process is also killed when the calling process dies (kill -9
// included), so that a containment does not go on, unrecorded, after the
// process that journals it is gone.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
