// Package runstore keeps run records durable: the journal the executor
// writes as a run goes (executor.Checkpointer), the records an operator
// lists and continues, and the exclusive claim that lets only one process
// work on a run at a time.
//
// A Store holds records by run id with optimistic concurrency: every save
// names the version it read (executor.Record.Version), and a save of a
// version that is no longer the stored one fails with a *ConflictError,
// so that two processes that both loaded a run cannot both continue it.
// A Claim is a lease on one run, held while a process works on it,
// released when it finishes and lost when its holder dies.
//
// Two stores are here: Memory (for tests and embedding), and Dir (one
// JSON file per record, as the CLI's --record writes) with File for a
// single record. The SQLite store (many runs in one database, the default
// for services) is package runstore/sqlite, so that using this package
// does not link SQLite; Open opens a store by URL (dir:FOLDER, and
// sqlite:PATH once that package is imported), and stores of other kinds
// register themselves with Register. Package storetest checks that a
// Store keeps the contract; an embedding tool can run it on a store of
// its own.
package runstore
