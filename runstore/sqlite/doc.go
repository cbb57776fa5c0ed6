// Package sqlite is the run store for services: many runs in one SQLite
// database file (modernc.org/sqlite, pure Go), shared by the processes of
// one host, with the version check of runstore.Store and claims as
// self-renewing leases. It is a package of its own so that programs that
// use the runstore interface, the Memory or the Dir store do not link
// SQLite. Importing it registers the store with runstore.Open under the
// scheme "sqlite", as database/sql drivers register themselves:
//
//	import _ "github.com/secopsdesign/secops/runstore/sqlite"
//
//	s, err := runstore.Open("sqlite:/var/lib/secops/runs.db")
package sqlite
