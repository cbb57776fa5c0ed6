// Command lab is a stand-in integration for trying secops run without a
// real EDR, firewall or threat-intelligence service. It speaks the
// command-adapter protocol: it reads one request as JSON on standard input,
//
//	{"operation": "isolate_host", "inputs": {"host": "pc-a"}, "method": "2.2.1", "run": "…", "idempotency_key": "…/response/fr-1/2.2.1"}
//
// and writes one reply on standard output, {"outputs": {...}} or
// {"error": "...", "retryable": false}. It answers each method with the
// outputs that a lab file (JSON: method id → outputs) gives for it, and
// answers a method the file does not name with no outputs, which is what
// containment actions such as firewall.block_ip return. Each call is
// appended to the log file named by LAB_LOG, if set (a "received" line
// when a request arrives, then a line for what it did), so that you can
// see what secops did.
//
// It honours idempotency keys as a real integration should: the reply to
// each key is kept (in the folder LAB_STATE, by default secops-lab in the
// temporary folder), and a request with a key seen before is answered
// with that reply and nothing is done again — so that a retry, or a run
// resumed with --recover retry after a crash, never blocks or isolates
// twice. LAB_HANG=OPERATION makes that operation pause for a minute
// first, to try interrupting a run in the middle of a containment.
//
// Usage, as an adapter command (see adapters.yaml beside this file):
//
//	go run ./examples/lab LAB.json
//
// Write your own integration the same way, in any language.
package main
