// Package response describes responses: named sequences of processes that
// a playbook ends in, such as the first response "block the destination +
// isolate the host", with the party whose approval they need.
package response
