// Package tmpdir, imported for its side effect, runs gvcache.Setup before
// go-graphviz compiles its WebAssembly module, so that the compiled code is
// cached only in a private directory (or not at all).
//
// It works because of the order in which Go initialises packages (the
// language specification since Go 1.21): of the packages whose imports are
// all initialised, the one first by import path goes next. Everything this
// package imports, gvcache and the standard library packages it uses, is
// also imported by github.com/tetratelabs/wazero, so this package is ready
// while wazero is not yet initialised; from then on no package of
// github.com/tetratelabs can go before it (their paths sort after
// github.com/secopsdesign), and github.com/goccy/go-graphviz/internal/wasm,
// which needs wazero, cannot either. The helper's tests (internal/gvproto) check both
// the imports and the outcome (TMPDIR/go-graphviz is never made).
package tmpdir

import (
	"errors"
	"os"

	"github.com/secopsdesign/secops/internal/gvcache"
)

// Err is why the compiled module is not cached, or nil.
var Err error

// Dir is the folder the cache is in, or "" when there is none.
var Dir string

// NoCacheEnv, set to "1", turns the cache off (gvproto.NoCacheEnv).
const NoCacheEnv = "SECOPS_GRAPHVIZ_NO_CACHE"

func init() {
	if os.Getenv(NoCacheEnv) == "1" {
		os.Setenv("TMPDIR", os.DevNull)
		os.Setenv("TMP", os.DevNull) // Windows
		os.Setenv("TEMP", os.DevNull)
		Err = errors.New(NoCacheEnv + " is set")
		return
	}
	Dir, Err = gvcache.Setup()
}
