// Package webhook provides an adapter that performs each call as an HTTP
// POST of JSON to a URL.
//
// The request body is the same JSON the command adapter writes on
// standard input ({"operation", "inputs", "method", "run",
// "idempotency_key"}), and the
// reply is the same: {"outputs": {...}} or {"error": "...", "retryable":
// bool}. Header values may name environment variables as ${EDR_TOKEN};
// they are expanded at each call, so that secrets never sit in
// configuration files, and a variable that is unset or empty fails the
// call naming it rather than sending an empty header. Their values are
// replaced by [redacted] in the adapter's errors, so that a server that
// echoes the request does not put a token into records and logs.
//
// Each request also carries the call's idempotency key as the
// Idempotency-Key header (and "idempotency_key" in the body): the same for
// every attempt of one logical call, retries and a resumed run's retry
// included. A server that remembers the keys it acted on and answers a
// repeated one with its first reply makes calls safe to repeat.
//
// HTTP 429 and 5xx replies, network timeouts, refused connections and
// the adapter's own timeout give errors marked adapters.Retryable (with
// the server's Retry-After, if any, as adapters.RetryAfter); other 4xx
// replies, redirects (which are not followed), TLS failures, malformed
// replies and replies over 1 MiB do not. Every error is an
// *adapters.CallError naming the adapter, operation and method.
package webhook
