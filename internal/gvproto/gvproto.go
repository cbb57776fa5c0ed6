// Package gvproto is what secops and its SVG helper, secops-graphviz, say
// to each other: JSON values, one after another, on the helper's standard
// input and output. The helper first writes a Hello; then, for every
// Request it reads, it writes one Reply. It stops at the end of its input.
package gvproto

// Version is the version of the exchange; a helper that speaks another is
// refused.
const Version = 1

// Program is the name the helper gives in its Hello.
const Program = "secops-graphviz"

// ServeFlag is the argument that starts the helper in this mode.
const ServeFlag = "-serve"

// NoCacheEnv, set to "1" in the helper's environment, makes it compile
// Graphviz without any cache: secops starts it so when it failed to start
// with its cache (a damaged compiled module makes go-graphviz panic).
const NoCacheEnv = "SECOPS_GRAPHVIZ_NO_CACHE"

// Hello is the helper's first message, written once Graphviz is ready.
type Hello struct {
	Program string `json:"program"`
	Version int    `json:"version"`
	// Cache is the folder the compiled Graphviz is cached in, or empty.
	Cache string `json:"cache,omitempty"`
	// NoCache says why there is no cache, when there is none.
	NoCache string `json:"no_cache,omitempty"`
}

// Request asks for one DOT graph to be drawn as SVG.
type Request struct {
	DOT string `json:"dot"`
}

// Reply is the SVG Graphviz wrote, or why it could not.
type Reply struct {
	SVG   string `json:"svg,omitempty"`
	Error string `json:"error,omitempty"`
	// Fatal says the helper stops after this reply and must be started
	// again for the next drawing.
	Fatal bool `json:"fatal,omitempty"`
}
