// Package executor runs alerts through a security-operations design.
//
// An alert (field id to value) goes through the design as the secops/v1
// format describes: the first detection rule whose when holds gives the
// incident and severity; a confirm process runs first and declares the
// incident only if its when holds; below the triage threshold nothing more
// runs; otherwise the playbook handling the incident runs from its start
// step. Each step runs its process's methods in order, skipping those
// whose when is false; a method with an action calls an adapter, one
// without is a Task for a Person. Outputs are checked against the declared
// field types and merged into the fields that later expressions see.
// Branches are tried in order; a response waits for its approval before
// its methods run.
//
// Compile turns a design into a Plan once; an Engine runs any number of
// alerts on one Plan, concurrently. Every run produces a Record, which is
// JSON-serialisable: a run waiting for a person or an approver stops in
// status waiting, and Resume continues it later, in another process if
// need be. Rollback undoes what a response applied, latest first.
// Plan.CheckAnswer checks an answer before Resume uses it, so that a
// mistyped answer is refused rather than failing the run.
//
// WithDryRun makes a run call no adapter, answering each action from
// outputs given with it; the record remembers it is a dry run, and its
// Resume and Rollback stay dry.
//
// The engine is robust against its adapters: a panic fails the method,
// not the process; each call has a time limit (WithTimeout); errors marked
// adapters.Retryable are retried with exponential backoff (WithRetry);
// cancelling the context stops the run promptly with status interrupted
// and what completed recorded.
//
// # Durability
//
// WithCheckpoint journals every run to a Checkpointer (the run stores of
// package runstore are ones): before every adapter call that can take
// effect, the record with a call-started event is saved, and again after
// the call's outcome, so that whatever kills the process, the saved
// record says what took effect and which call's effect is unknown
// (Record.Uncertain). Resume continues such a record from where it
// stopped (Record.At), and refuses to guess about a call in doubt: the
// answer's Recover says whether to call it again with the same
// idempotency key (Retry) or to count it as done (Applied). Every call
// carries an idempotency key (Key), the same for every attempt of one
// logical call, so that an integration that honours it never acts twice.
// Alerts are checked against the design before anything runs
// (Plan.CheckAlert); a containment is never called with a declared input
// missing; a reply that lacks a declared output fails its method, and a
// response method whose adapter acted stays applied even when its reply
// is wrong. WithSecrets redacts secrets from everything a record keeps;
// error texts are capped at MaxText.
package executor
