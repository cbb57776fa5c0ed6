package main

import (
	"errors"

	"github.com/secopsdesign/secops/runstore"
)

func openSQLite(path string) (runstore.Store, error) {
	return nil, errors.New("sqlite stores arrive with the sqlite branch")
}
