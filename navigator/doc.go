// Package navigator writes the ATT&CK coverage of a security-operations
// design as a MITRE ATT&CK Navigator layer (layer format 4.5), to open in
// the Navigator next to the organisation's other layers.
//
// Each technique that an in-scope incident names in its references
// (attack:T1566, attack:T1566.002) is scored by how well the design covers
// it: 2 when the incident is detected at or above the triage threshold
// and a playbook handles it, 1 when it is only detected (below the
// threshold, or with no playbook), 0 when no detection rule reveals it.
// A technique named by several incidents takes the best of their scores,
// and its comment and metadata name every incident, detection rule and
// playbook involved.
package navigator
