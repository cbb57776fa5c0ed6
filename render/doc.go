// Package render writes a security-operations design for people who will
// never read its YAML: a self-contained Markdown runbook (Markdown), and the
// flow graphs of its playbooks in Mermaid (Mermaid) and Graphviz DOT (DOT)
// syntax.
//
// Fixed words and headings follow the design's metadata.language: Japanese
// for "ja" (and any "ja-…" tag), English for anything else. Text taken from
// the design is escaped for the target syntax, so the output renders as is
// on GitHub, in Mermaid and in Graphviz.
package render
