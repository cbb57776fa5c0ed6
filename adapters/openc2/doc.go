// Package openc2 provides an adapter that performs each call as an OpenC2
// command sent to an OpenC2 consumer (a firewall, an EDR) over HTTPS.
//
// It follows the OASIS OpenC2 Language Specification 1.0, the Stateless
// Packet Filtering (SLPF) actuator profile 1.0 and the Specification for
// Transfer of OpenC2 Messages via HTTPS 1.1. Each operation maps to one
// command (a Mapping): an action, a target, and which of the method's
// inputs fill which of the target's properties. DefaultOperations are
// those of the reference design:
//
//	firewall.block_ip      deny ipv4_connection {dst_addr: dst_ip} (or src_addr: src_ip)
//	firewall.unblock_ip    allow ipv4_connection, the same: the rollback of block_ip
//	edr.isolate_host       contain device {hostname: host}
//	edr.release_host       allow device {hostname: host}: the rollback of isolate_host
//	query_features         query features [versions, profiles, pairs]
//
// The rollback of a deny is the allow of the same connection, and of a
// contain the allow of the same device: the design names them as the
// methods' rollback actions, and the adapter maps them like any other
// operation. A consumer treats an allow that matches a deny (or a
// contain) it applied as lifting it; examples/openc2-nft does. (SLPF's
// other way, delete slpf:rule_number, needs the rule number the deny
// answered, which a rollback call does not carry.) Contain on device
// is not in the SLPF profile but in the Endpoint Response one; set
// Mapping.Actuator to name a profile in the command's actuator.
//
// # On the wire
//
// Each command is POSTed to the consumer's URL (normally
// https://HOST/.well-known/openc2) with Content-Type and Accept
// application/openc2+json;version=1.0, Cache-Control no-cache, a Date,
// and the message the transfer specification defines:
//
//	{"headers": {"request_id": "…", "created": 1764931200000, "from": "secops@soc-1"},
//	 "body": {"openc2": {"request": {"action": "deny",
//	   "target": {"ipv4_connection": {"dst_addr": "203.0.113.7"}},
//	   "args": {"response_requested": "complete"}}}}}
//
// The request_id is a name-based UUID (version 5) of the call's
// idempotency key (RequestID), sent in X-Request-ID too, and the key
// itself as the Idempotency-Key header: every attempt of one logical
// call — a retry, or a resumed run's retry after a crash — carries the
// same request id, and no other call does. A consumer that remembers the
// request ids it acted on, and answers a repeated one with its first
// response, never acts twice. The specification asks for a version 4
// (random) UUID; a random one would make each retry a new command.
//
// # Responses
//
// The status of the OpenC2 response in the body decides (the HTTP status
// when the body holds none, as in version 1.0 of the transfer
// specification, where the status line carried it):
//
//	200              done; the results named by Mapping.Outputs are the outputs
//	102              processing: accepted, not completed. The adapter asks for
//	                 response_requested complete, so a consumer that answers 102
//	                 has the command in hand: the call is in doubt
//	                 (adapters.OutcomeUnknown) and retryable; the retry sends the
//	                 same request id, which the consumer answers with the outcome
//	400 401 403 404 501  final failures: retrying would not help
//	500 503          transient (adapters.Retryable, with Retry-After when given)
//
// Transport errors are classified as the webhook adapter classifies them
// (refused connections retryable, a broken exchange in doubt, a TLS
// failure final); so are HTTP 429 and 5xx replies without an OpenC2
// response, 502 and 504 in doubt. A 2xx reply that is not an OpenC2
// response, or whose request_id is another command's, is in doubt.
// Replies over 1 MiB are not read. Every error is an *adapters.CallError.
//
// Header values may name environment variables as ${TOKEN}, expanded at
// each call and redacted from errors, as for the webhook adapter; the
// transfer specification's mutual authentication is a client certificate
// in WithTLSConfig.
//
// The package's tests check every message the adapter sends against the
// OASIS JSON schema of the Language Specification (testdata/).
package openc2
