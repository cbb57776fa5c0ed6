// Command synth writes a large synthetic design for benchmarks:
//
//	go run ./internal/cmd/synth -playbooks 1000 -format json > big.json
package main
