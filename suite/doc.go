// Package suite runs scenario files (format secops-scenarios/v1) against
// their designs without any real system.
//
// Each scenario's alert runs through the design with simulated adapters:
// every method, with an action or done by a person, returns the outputs
// the scenario gives it, and every approval is granted. The record is
// compared with each expect key (detection, incident, severity, playbook,
// path, skipped, response, within_target). A method that runs and
// declares outputs but has none in the scenario fails the scenario.
//
// A Loader loads, validates and compiles each design once, however many
// scenarios and files use it. Cover reports, per playbook, which steps,
// branches and responses the scenarios exercised.
package suite
