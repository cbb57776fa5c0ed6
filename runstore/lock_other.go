//go:build !unix

package runstore

import (
	"errors"
	"sync"
)

var errNoLocks = errors.New("record files need a Unix system for their locks; use the sqlite store")

func lockFile(path, id, holder string) (Claim, error) { return nil, errNoLocks }

var dirLocks sync.Map

// lockDir serialises the writes of this process only.
func lockDir(dir string) (func(), error) {
	v, _ := dirLocks.LoadOrStore(dir, &sync.Mutex{})
	mu := v.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock, nil
}
