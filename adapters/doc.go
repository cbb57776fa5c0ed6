// Package adapters connects a design's actions to real systems.
//
// An action such as edr.isolate_host names an Adapter ("edr") and an
// operation ("isolate_host"). Adapters are small: a name and a Call from a
// Request (operation, inputs) to a Result (outputs) or an error, which may
// be marked Retryable (or RetryAfter). Built-in adapters return a
// *CallError naming the adapter, operation and method.
//
// A Registry finds adapters by name. Middleware wraps adapters, one at a
// time or a whole registry with Registry.Wrap: DryRun records calls
// instead of making them, Audit records every call, Retry retries
// transient errors with exponential backoff, and Recover turns a panic
// into an error. The integrations live in their own packages: command
// (a local executable), webhook (an HTTP endpoint), openc2 (an OpenC2
// consumer), simulate (a test scenario's outputs), and config builds
// them from the adapter configuration file.
package adapters
