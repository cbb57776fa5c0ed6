//go:build unix

package runstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
)

// fileClaim is a held flock on a lock file.
type fileClaim struct {
	mu   sync.Mutex
	f    *os.File // nil once released
	path string
	id   string
}

// lockFile takes an exclusive flock on path, creating it, and writes
// holder into it. id names the run in errors. The lock file is removed
// on release; a lock on a file that was removed meanwhile is retried on
// the new one.
func lockFile(path, id, holder string) (Claim, error) {
	for range 10 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			b, _ := os.ReadFile(path)
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				h := strings.TrimSpace(string(b))
				if h == "" {
					h = "holder unknown"
				}
				return nil, &ClaimedError{ID: id, Holder: h}
			}
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		// The holder before may have removed the file between our open
		// and our lock: then the lock is on a file nobody else sees.
		fi, err1 := f.Stat()
		pi, err2 := os.Stat(path)
		if err1 != nil || err2 != nil || !os.SameFile(fi, pi) {
			f.Close()
			continue
		}
		if err := f.Truncate(0); err == nil {
			_, _ = f.WriteAt([]byte(holder+"\n"), 0)
		}
		return &fileClaim{f: f, path: path, id: id}, nil
	}
	return nil, fmt.Errorf("locking %s: the lock file keeps changing", path)
}

func (c *fileClaim) Renew(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f == nil {
		return fmt.Errorf("%s: the claim was released: %w", c.id, ErrClaimed)
	}
	return nil
}

func (c *fileClaim) Release(context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f == nil {
		return nil
	}
	// Remove first, then unlock: a process waiting on the old file
	// notices it was removed and locks the new one.
	os.Remove(c.path)
	err := c.f.Close()
	c.f = nil
	return err
}

// lockDir takes the short write lock of folder dir: a flock on the
// folder itself, so that no lock file is left behind.
func lockDir(dir string) (unlock func(), err error) {
	if dir == "" {
		dir = "."
	}
	d, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX); err != nil {
		d.Close()
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	return func() { d.Close() }, nil
}
