// Command alert-receiver embeds the executor the way an in-house tool
// would: an HTTP service that runs each alert it receives through a
// design and keeps the run records.
//
//	alert-receiver -design design.yaml -adapters adapters.yaml -addr :8080
//
// Endpoints:
//
//	POST /alerts                 an alert (JSON object of field id to value): runs it, 201 and the record
//	                             (422 and the record when the run failed)
//	GET  /runs                   every record
//	GET  /runs/{id}              one record
//	POST /runs/{id}/approve      grants the approval a waiting run needs, and resumes it
//	POST /runs/{id}/outputs      the outputs of manual tasks ({"1.4.1": {"iocs": [...]}}), and resumes
//
// An answer is checked before it is applied (executor's Plan.CheckAnswer):
// approving a run that does not wait for an approval, or giving outputs to
// one that does not wait for a person, is 409 Conflict; outputs of the
// wrong type, undeclared outputs and methods that are not pending are 400
// Bad Request, and so are outputs that leave out one the pending method
// declares. Either way the run is left as it was, still waiting.
//
// A body over 1 MiB is 413 Request Entity Too Large; a body that is not
// exactly one JSON value (malformed, or with more data after it) is 400.
//
// Records are kept behind the Store interface; this program keeps them in
// memory, where a real tool would use its database, so that a waiting run
// survives a restart.
package main
