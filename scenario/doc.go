// Package scenario describes scenario files (format secops-scenarios/v1):
// alerts with the outputs each method returns in that situation and the
// outcome the design must produce, so an organisation can unit-test its
// design in CI.
package scenario
