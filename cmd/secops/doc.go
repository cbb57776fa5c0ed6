// Command secops checks, tests, runs and renders security-operations
// designs written in the secops/v1 format.
//
// Usage:
//
//	secops validate [--format text|json] [--strict] [-v] FILE...
//	secops schema [--scenarios | --adapters] [-o FILE]
//	secops test [--cover] [--format text|json] SCENARIOS.yaml...
//	secops run DESIGN --adapters FILE --alert ALERT.json [--record OUT.json] [--approve] [--dry-run [--outputs ANSWERS.json]]
//	secops resume RECORD.json --adapters FILE [--approve] [--outputs ANSWERS.json]
//	secops rollback RECORD.json --adapters FILE
//	secops render [--format markdown|mermaid|dot] [--playbook ID] DESIGN
//	secops export cacao DESIGN --out DIR
//	secops import cacao FILE.json [--out FILE]
//
// Run "secops --help" or "secops COMMAND --help" for details, and
// "secops --version" for the version. Install with
//
//	go install github.com/secopsdesign/secops/cmd/secops@latest
package main
