package temporaltest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the server die with the test process, even when
// the test binary is killed.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
