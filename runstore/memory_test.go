package runstore_test

import (
	"testing"
	"time"

	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/runstore/storetest"
)

func TestMemory(t *testing.T) {
	storetest.TestStore(t, func(*testing.T) runstore.Store { return runstore.NewMemory() }, storetest.Options{
		ClaimsExpire: true,
		Clocked: func(_ *testing.T, now func() time.Time) runstore.Store {
			return runstore.NewMemory(runstore.WithClock(now))
		},
		DeadHolders: true,
	})
}
