//go:build !unix

package command

import "os/exec"

// killGroup leaves the default: cancellation kills the process itself.
func killGroup(cmd *exec.Cmd) {}
