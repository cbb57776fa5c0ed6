// Package scope describes what a security-operations design covers and who
// does what: the parties (in-house or outsourced), the domains, systems
// and incidents in and out of scope, and the responsibility for each phase
// of incident handling (detection, triage, first response, analysis,
// response).
package scope
