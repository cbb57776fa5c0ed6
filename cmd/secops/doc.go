// Command secops checks, tests, runs and renders security-operations
// designs written in the secops/v1 format.
//
// Usage:
//
//	secops validate [--format text|json] [--strict] [-v] FILE...
//	secops schema [--scenarios | --adapters | --record] [-o FILE]
//	secops test [--cover] [--format text|json] SCENARIOS.yaml...
//	secops run DESIGN --adapters FILE --alert ALERT.json [--record OUT.json | --store sqlite:PATH] [--force] [--approve] [--dry-run [--outputs ANSWERS.json]]
//	secops resume RECORD.json|RUN-ID --adapters FILE [--store STORE] [--approve | --reject] [--outputs ANSWERS.json] [--recover retry|applied] [--retry] [--design FILE]
//	secops rollback RECORD.json|RUN-ID --adapters FILE [--store STORE] [--design FILE]
//	secops runs list --store STORE [--status S] [--format text|json]
//	secops runs show RUN-ID --store STORE
//	secops render [--format markdown|mermaid|dot|html] [--playbook ID] DESIGN [-o FILE]
//	secops export cacao DESIGN --out DIR [--adapters FILE]
//	secops export navigator DESIGN... [-o FILE]
//	secops import cacao FILE.json [--out FILE]
//	secops replay DESIGN ALERTS...
//	secops review DESIGN RECORDS... | --store STORE [--detected-key KEY] [--max-false-positive RATE]
//	secops plan OLD NEW ALERTS... [--format text|json|markdown]
//
// Run "secops --help" or "secops COMMAND --help" for details, and
// "secops --version" for the version. Install with
//
//	go install github.com/secopsdesign/secops/cmd/...@latest
//
// which also installs secops-graphviz, the helper that draws the HTML
// runbook's flows.
package main
