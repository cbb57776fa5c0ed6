// Package playbook describes triage playbooks: flows of steps over the
// process table, each step running one process and going on to the next
// step, to a response, or to an end, possibly by branches whose
// conditions are CEL expressions over the fields found so far.
package playbook
