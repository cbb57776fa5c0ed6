package adapters

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
)

// Request is one call of an adapter operation. It is a struct so that it
// can grow without breaking adapters.
type Request struct {
	// Operation is the part of the method's action after the dot, e.g.
	// isolate_host for edr.isolate_host.
	Operation string `json:"operation"`
	// Inputs maps the method's input field ids to their values.
	Inputs map[string]any `json:"inputs"`
	// Method is the id of the method being run, e.g. "2.2.1".
	Method string `json:"method"`
	// Run is the id of the run the call belongs to.
	Run string `json:"run"`
	// Rollback is set when the call undoes an earlier action.
	Rollback bool `json:"rollback,omitempty"`
	// IdempotencyKey names the logical call: the same for every attempt
	// of it — retries, and a run resumed by another process after a crash
	// that calls it again — and different for every other call. An
	// integration that remembers the keys it has acted on, and answers a
	// repeated key with its first reply instead of acting again, makes
	// every call safe to repeat. The executor's keys are
	// run/stage/step-or-response/method, and run/rollback/method for a
	// rollback (see executor.Key).
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

// Result is what an adapter returns for a call.
type Result struct {
	// Outputs maps the method's output field ids to their values.
	Outputs map[string]any `json:"outputs"`
}

// Adapter performs the operations of one integration: an EDR, a firewall,
// a ticketing system, a chat.
type Adapter interface {
	// Name is the part of an action before the dot: edr for
	// edr.isolate_host.
	Name() string
	// Call performs one operation. It honours ctx's deadline and
	// cancellation. An error that may go away on its own is marked with
	// Retryable.
	Call(ctx context.Context, req Request) (Result, error)
}

// retryable marks an error as worth retrying.
type retryable struct{ err error }

func (r retryable) Error() string { return r.err.Error() }
func (r retryable) Unwrap() error { return r.err }

// Retryable marks err as one that may go away if the call is made again
// (a timeout, a rate limit, a 503). Retry middleware retries only these.
func Retryable(err error) error {
	if err == nil {
		return nil
	}
	return retryable{err}
}

// IsRetryable reports whether err, or an error it wraps, was marked with
// Retryable.
func IsRetryable(err error) bool {
	var r retryable
	return errors.As(err, &r)
}

// unknownOutcome marks an error after which the operation may have taken
// effect.
type unknownOutcome struct{ err error }

func (u unknownOutcome) Error() string { return u.err.Error() }
func (u unknownOutcome) Unwrap() error { return u.err }

// OutcomeUnknown marks err as one after which the operation may have
// taken effect: the request reached the integration, but its answer was
// lost or unreadable (a connection dropped after the request was sent, a
// 502 or 504 from a gateway, a success status or exit status 0 with a
// reply that cannot be read). The executor records such a call as in
// doubt: rollback undoes it, and a resumed run asks whether to retry it or
// count it as applied. A timeout counts as one too (context.DeadlineExceeded).
func OutcomeUnknown(err error) error {
	if err == nil {
		return nil
	}
	return unknownOutcome{err}
}

// IsOutcomeUnknown reports whether err, or an error it wraps, was marked
// with OutcomeUnknown, or is a timeout.
func IsOutcomeUnknown(err error) bool {
	var u unknownOutcome
	return errors.As(err, &u) || errors.Is(err, context.DeadlineExceeded)
}

// SecretForms returns secrets in every form an echo of them may take: as
// they are, escaped as in a JSON string, and with / escaped as \/ (as some
// servers write JSON), longest first, without empty or repeated ones.
func SecretForms(secrets []string) []string {
	var out []string
	add := func(v string) {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	for _, v := range secrets {
		add(v)
		b, _ := json.Marshal(v)
		esc := string(b[1 : len(b)-1])
		add(esc)
		add(strings.ReplaceAll(esc, "/", `\/`))
	}
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}
