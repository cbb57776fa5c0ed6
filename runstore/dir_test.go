package runstore_test

import (
	"testing"

	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/runstore/storetest"
)

func TestDir(t *testing.T) {
	storetest.TestStore(t, func(t *testing.T) runstore.Store {
		d, err := runstore.OpenDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return d
	}, storetest.Options{})
}
