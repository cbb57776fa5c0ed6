// Package wire encodes adapter requests and decodes adapter replies in
// the JSON form shared by the command and webhook adapters.
//
// A request is the JSON of adapters.Request: {"operation", "inputs",
// "method", "run", "rollback"}. A reply is {"outputs": {...}} or
// {"error": "...", "retryable": bool}.
package wire
