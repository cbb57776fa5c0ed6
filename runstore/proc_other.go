//go:build !unix

package runstore

// processGone is false where a process's life cannot be told without
// more than the standard library: claims then lapse after their ttl.
func processGone(int) bool { return false }
