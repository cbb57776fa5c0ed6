package server

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/secopsdesign/secops/executor"
)

// ProblemBase is the start of the type URI of every problem the server
// answers with: ProblemBase + "not-waiting", for one. They are tag URIs
// (RFC 4151): names, not pages.
const ProblemBase = "tag:secopsdesign.github.io,2026:problem:"

// Problem is an error reply, an RFC 9457 problem object
// (application/problem+json), with the extensions the server uses.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail,omitempty"`
	// Findings lists what is wrong, one entry each: the alert's keys
	// that do not fit the design, the answer's mistakes.
	Findings []ProblemFinding `json:"findings,omitempty"`
	// Run is the run concerned; RunStatus where it stands and Pending
	// what it waits for, when the run is not in a state that allows
	// the request.
	Run       string            `json:"run,omitempty"`
	RunStatus executor.Status   `json:"run_status,omitempty"`
	Pending   *executor.Pending `json:"pending,omitempty"`
	// Calls are the calls whose outcome the run does not know, when it
	// must be recovered first.
	Calls []executor.UncertainCall `json:"calls,omitempty"`
	// RetryAfter is how many seconds to wait before trying again, also
	// sent as the Retry-After header.
	RetryAfter int `json:"retry_after,omitempty"`
}

// ProblemFinding is one thing a problem finds wrong.
type ProblemFinding struct {
	// Key is the alert key or the output concerned, when there is one.
	Key string `json:"key,omitempty"`
	// Line and Column place a problem of the body's text, from 1.
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

func (p *Problem) Error() string {
	if p.Detail != "" {
		return p.Title + ": " + p.Detail
	}
	return p.Title
}

func problem(status int, kind, title, detail string) *Problem {
	return &Problem{Type: ProblemBase + kind, Title: title, Status: status, Detail: detail}
}

func writeProblem(w http.ResponseWriter, p *Problem) {
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	if p.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	if p.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="secops"`)
	}
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
