// Package runs is the life of a design's runs, in one place: starting a
// run of an alert, reading and listing runs, and the acts people do to
// them (answer a task, approve or reject a response, recover or retry a
// run, roll its containment back), each checked against the same rules
// whoever drives the runs.
//
// A *Runs is to drivers what database/sql's DB is to its drivers: the
// rules live in Runs (Rules.Check), and a Driver only keeps and moves
// runs. New drives runs in this process over a runstore.Store (the
// executor's engine, journaled into the store, each act under the run's
// claim); other drivers register under a name (Register) and are opened
// with Open: package executor/temporal registers "temporal", whose runs
// are Temporal workflows. Both give the same records, the same errors
// and the same SLA watch: a run whose severity's first_response or
// response target passes before it is done gets a target-breached event,
// and the severity's escalation action is called once, with the key
// RUN/escalation/TARGET (executor.Engine.Escalate).
//
// Front ends (the CLI, the HTTP server) only turn the typed errors of
// this package into messages, exit codes or problems: ErrNotWaiting,
// ErrRunning, ErrNotInterrupted, ErrFailed, ErrNotFailed,
// ErrNothingToUndo, ErrRolledBack, ErrKeyReused, ErrInvalidAnswer, *WrongPartyError,
// *runstore.ClaimedError (with when the claim lapses),
// *executor.UncertainError and *executor.DesignChangedError. An act
// refused returns the run's current record beside the error, so that a
// front end can say what the run waits for.
//
// Package runstest is a conformance suite for drivers.
package runs
