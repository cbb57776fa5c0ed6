// Package temporal runs the executor's flow as Temporal workflows: one
// workflow per run, its id the run's id, so that runs survive the loss
// of any machine and workers scale out.
//
// The flow is the executor's own (executor.Engine.Driver): this package
// supplies its effects. An adapter call is an activity carrying the
// call's idempotency key, with the engine's time limit as its
// start-to-close timeout and the engine's retry policy as its retry
// policy (retryable errors only; others are non-retryable application
// errors). A person's outputs, an approval, a rejection and a retry of a
// failed method are Updates, checked by a validator (Plan.CheckAnswer,
// and the approving party) before they enter the history. A rollback is
// an Update too: the flow's rollback runs in the workflow, its calls
// activities; a run that ended stays open for one only within the
// workers' Options.RollbackWindow. The record is a Query. Status, incident, severity, playbook, response and breach are
// search attributes, so that runs are listed through Temporal's
// visibility (Client.List). A severity's first_response and response
// targets are durable timers started when the incident is declared: on
// expiry the record gets a target-breached event and the severity's
// escalation action is called, even while the run waits on a person.
//
// The workflow's input pins the design by its digest; a worker runs only
// the designs it loaded and fails a run of another with an error saying
// so. The workflow code is deterministic: time from workflow.Now, no
// goroutines but workflow.Go, no map order deciding anything, and all
// I/O in activities; committed histories in testdata are replayed by a
// test (worker.WorkflowReplayer) to catch a change that breaks it.
package temporal
