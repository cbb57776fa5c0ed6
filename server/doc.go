// Package server serves a security-operations design over HTTP: it takes
// alerts, runs them through the design's executor with the runs kept in a
// run store, and takes the answers, approvals, recoveries and rollbacks
// of the people the design names. secops serve is this package as a
// command; a tool of one's own embeds it with its own store and adapters.
//
// The API is JSON under /v1 (described in OpenAPI 3.1 at
// /v1/openapi.json): POST /v1/alerts runs an alert (201 with the record;
// an Idempotency-Key header makes a retry return the first run), GET
// /v1/runs lists summaries a page at a time, GET /v1/runs/{id} returns a
// record, and POST /v1/runs/{id}/approve, /reject, /answers, /recover and
// /rollback act on a run, 409 with the run's state when it is not in a
// state that allows it. Every error is an RFC 9457 problem object
// (Problem). GET /healthz and GET /metrics (Prometheus) are beside it,
// and a page for people at /, in the design's language, lists the runs
// waiting on the signed-in party with forms to answer them.
//
// Who may do what is a tokens file (Tokens, format secops-tokens/v1) of
// SHA-256 digests with roles and parties: an approval needs an approve
// token of the party the response's approval names, a person's task an
// answer token of the party responsible for its phase in the design's
// responsibilities (TaskParty). Without tokens every request acts as
// "local"; serve that on loopback only.
//
// Each request that changes a run takes the run's claim in the store,
// loads it, resumes or rolls it back with the engine journaling into the
// store, and releases the claim, so that an answer counts once however
// many servers share the store, and runs do not wait for each other.
// Alerts run on a pool of workers (WithWorkers) behind a bounded queue
// (WithQueue): a full queue is 503 with Retry-After. Shutdown cancels the
// runs in progress, which stop at their next checkpoint.
package server
