// Command secops-graphviz draws Graphviz DOT graphs as SVG for secops, with
// Graphviz compiled to WebAssembly (github.com/goccy/go-graphviz): no
// system Graphviz and no cgo.
//
// It is a program of its own so that secops does not link go-graphviz,
// which compiles its WebAssembly module when a program starts: every
// secops command would pay for that (a tenth of a second with a warm
// cache, seconds without) to draw a picture that only
// "secops render --format html" needs. secops starts this helper when it
// draws, finding it next to its own executable, in $SECOPS_GRAPHVIZ, or on
// PATH. Install both with
//
//	go install github.com/secopsdesign/secops/cmd/...@latest
//
// The compiled module is cached in os.UserCacheDir()/secops/graphviz,
// which must be owned by the user and writable by no one else; otherwise
// it is not cached at all (see internal/gvcache).
//
// Usage:
//
//	secops-graphviz [FILE]   draw the DOT graph in FILE (or standard input) as SVG on standard output
//	secops-graphviz -serve   answer secops's requests on standard input and output (internal/gvproto)
package main
