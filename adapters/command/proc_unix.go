//go:build unix && !linux

package command

import (
	"os/exec"
	"syscall"
)

// killGroup starts the process in a new process group and makes
// cancellation kill the whole group, so that children the executable
// started (a shell's commands, an interpreter's workers) die with it.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
