//go:build unix

package openc2_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used, all threads (the
// garbage collector's included), so that benchmarks on a busy machine
// can report what they cost rather than how long they waited.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
