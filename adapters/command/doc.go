// Package command provides an adapter that runs a local executable for
// each call, so that integrations can be written in any language.
//
// The executable is started directly from an argument list (no shell). It
// receives the call as JSON on its standard input:
//
//	{"operation": "isolate_host", "inputs": {"host": "pc-042"}, "method": "2.2.1", "run": "r-1",
//	 "idempotency_key": "r-1/response/fr-1/2.2.1"}
//
// ("rollback": true is added when the call undoes an earlier action) and
// answers on its standard output with one JSON object, either
//
//	{"outputs": {"isolated": true}}
//
// or
//
//	{"error": "host not found", "retryable": false}
//
// Standard error is kept (its last 64 KiB) and shown in errors. A
// non-zero exit status, a reply that is not one JSON object, and a reply
// larger than 1 MiB are errors; every error is an *adapters.CallError
// naming the adapter, operation and method, wrapping an *Error that holds
// the exit status and standard error. When the call's context is done, or
// the adapter's own timeout passes, the process is killed, with its whole
// process group on Unix, so that children it started die with it; on
// Linux the process is also killed if the calling process dies.
//
// The idempotency key names the logical call: it is the same for every
// attempt of it, including a retry after the calling process was killed
// and the run resumed. An integration that records the keys it has acted
// on and answers a repeated key with its first reply, without acting
// again, makes every call safe to repeat (examples/lab does so).
package command
