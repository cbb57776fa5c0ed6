// Package change works out what a change of a design would change, as
// terraform plan does for infrastructure: Plan replays one alert history
// through the old design and the new one at once, deciding each alert as
// the executor would in each, and reports how many alerts move from one
// class (detection, incident, severity, playbook, the parties of its
// phases, its first-response target, whether it needs a confirmation) to
// another, with examples; the detections added, removed, reordered and
// changed, and the shadowing that appears or goes; the workload either
// way; the alerts that newly go unmatched; and the differences between
// the two designs that change runs without moving any alert of this
// history (a response's actions, approvals and rollbacks, the targets,
// the methods, the playbooks' steps).
//
// Plan streams the history: memory grows with the two designs (a count
// and at most MaxExamples examples for each pair of detections), not
// with the number of alerts.
package change
