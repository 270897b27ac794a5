package wal

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the process has used (user and system), for
// benchmarks on a shared machine, where a restart's CPU varies less than
// its wall time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
