// Package criteria describes how alerts become incidents: the severity
// scale with the actions and target times of each level, the triage
// threshold, and the detection rules.
package criteria
