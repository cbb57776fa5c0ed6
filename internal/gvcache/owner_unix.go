//go:build unix

package gvcache

import (
	"io/fs"
	"os"
	"strconv"
	"syscall"
)

// owned checks that the current (effective) user owns fi.
func owned(path string, fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return &UnsafeError{Path: path, Reason: "has no owner that can be checked"}
	}
	if euid := os.Geteuid(); int64(st.Uid) != int64(euid) {
		return &UnsafeError{Path: path, Reason: "is owned by uid " + strconv.FormatUint(uint64(st.Uid), 10) + ", not by the current user (uid " + strconv.Itoa(euid) + ")"}
	}
	return nil
}
