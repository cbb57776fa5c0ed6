// Command lab is a stand-in integration for trying secops run without a
// real EDR, firewall or threat-intelligence service. It speaks the
// command-adapter protocol: it reads one request as JSON on standard input,
//
//	{"operation": "isolate_host", "inputs": {"host": "pc-a"}, "method": "2.2.1", "run": "…"}
//
// and writes one reply on standard output, {"outputs": {...}} or
// {"error": "...", "retryable": false}. It answers each method with the
// outputs that a lab file (JSON: method id → outputs) gives for it, and
// answers a method the file does not name with no outputs, which is what
// containment actions such as firewall.block_ip return. Each call is
// appended to the log file named by LAB_LOG, if set, so that you can see
// what secops did.
//
// Usage, as an adapter command (see adapters.yaml beside this file):
//
//	go run ./examples/lab LAB.json
//
// Write your own integration the same way, in any language.
package main
