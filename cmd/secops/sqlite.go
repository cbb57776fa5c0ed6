package main

import (
	"github.com/secopsdesign/secops/runstore"
)

func openSQLite(path string) (runstore.Store, error) {
	return runstore.OpenSQLite(path)
}
