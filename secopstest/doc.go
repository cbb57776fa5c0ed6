// Package secopstest holds a design to its scenarios inside go test.
//
// An organisation that keeps its security-operations design in git adds
// one test:
//
//	func TestDesign(t *testing.T) { secopstest.Run(t, "scenarios.yaml") }
//
// and every scenario runs as a subtest, failing with the expected and the
// actual values of each expectation it misses.
package secopstest
