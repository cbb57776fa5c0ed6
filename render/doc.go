// Package render writes a security-operations design for people who will
// never read its YAML: a self-contained HTML runbook for the analyst on
// call (HTML), a Markdown runbook that fits GitHub's column (Markdown),
// and the flow graphs of its playbooks in Mermaid (Mermaid), Graphviz DOT
// (DOT) and SVG drawn in process (SVG).
//
// Every diagram says its branches in words made from the fields' names
// ("size(fields.other_hosts) > 0" is "同事象が確認された別端末あり"), numbered
// in the order they are tried ("6.1": the first branch of step 6), with
// the CEL in a tooltip (DOT, SVG) or a comment (Mermaid); the confirmation
// that a detection asks for comes first, as decision 0. Labels are wrapped
// at word boundaries, and between CJK characters where Japanese allows a
// break, never inside an id. Several playbooks are stacked top to bottom.
//
// The SVG comes from github.com/goccy/go-graphviz, Graphviz compiled to
// WebAssembly: no system Graphviz and no cgo. It has no font metrics, so
// every node is given the size of its text as a browser draws it
// (DejaVu Sans widths for Latin, one em for CJK). go-graphviz compiles its
// module in a package init, so render does not import it: the drawing is
// done by a helper program, secops-graphviz (cmd/secops-graphviz), started
// at the first drawing and kept for the later ones (see Helper), and a
// program that imports render starts as fast as one that does not. The
// helper caches the compiled module only in a folder of the user's own,
// or not at all. WithDrawer draws with any other Drawer instead.
//
// Fixed words and headings follow the design's metadata.language: Japanese
// for "ja" (and any "ja-…" tag), English for anything else. Text taken from
// the design is escaped for the target syntax, and text that YAML folded
// loses the spaces it put between CJK characters.
package render
