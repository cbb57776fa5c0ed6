package main

import "github.com/secopsdesign/secops/runstore"

// openSQLite opens the run store of --store sqlite:PATH.
func openSQLite(path string) (runstore.Store, error) { return runstore.OpenSQLite(path) }
