package runstore

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// An Opener opens the store of one kind at path, the part of a store URL
// after its scheme.
type Opener func(path string) (Store, error)

var (
	openersMu sync.RWMutex
	openers   = map[string]Opener{"dir": func(path string) (Store, error) { return OpenDir(path) }}
)

// Register makes the stores that open opens available to Open under
// scheme, as database/sql's drivers are: a store's package registers
// itself in its init, and a program links it by importing the package
// (runstore/sqlite registers "sqlite"). Register panics if scheme is
// empty or holds a colon, if open is nil, or if scheme is registered
// already: these are mistakes of the program, not of its input.
func Register(scheme string, open Opener) {
	if scheme == "" || strings.Contains(scheme, ":") {
		panic(fmt.Sprintf("runstore.Register: invalid scheme %q", scheme))
	}
	if open == nil {
		panic("runstore.Register: nil Opener for " + scheme)
	}
	openersMu.Lock()
	defer openersMu.Unlock()
	if _, dup := openers[scheme]; dup {
		panic("runstore.Register: scheme " + scheme + " registered twice")
	}
	openers[scheme] = open
}

// Schemes returns the schemes of the stores Open can open, sorted.
func Schemes() []string {
	openersMu.RLock()
	defer openersMu.RUnlock()
	out := make([]string, 0, len(openers))
	for s := range openers {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// knownPackages are the packages of this module's stores that register
// themselves, so that an unknown scheme among them says what to import.
var knownPackages = map[string]string{"sqlite": "github.com/secopsdesign/secops/runstore/sqlite"}

// Open opens the run store a URL names, SCHEME:PATH with a registered
// scheme: dir:FOLDER (a folder of record files, always there), or
// sqlite:PATH (a SQLite database, made if missing) once package
// runstore/sqlite is imported.
func Open(url string) (Store, error) {
	scheme, path, ok := strings.Cut(url, ":")
	if !ok || scheme == "" || path == "" {
		return nil, fmt.Errorf("run store %q: want %s", url, forms())
	}
	openersMu.RLock()
	open := openers[scheme]
	openersMu.RUnlock()
	if open != nil {
		return open(path)
	}
	if pkg, ok := knownPackages[scheme]; ok {
		return nil, fmt.Errorf("run store %q: the %s store is not linked into this program: import %s", url, scheme, pkg)
	}
	return nil, fmt.Errorf("run store %q: unknown kind of store %q: want %s", url, scheme, forms())
}

// forms lists the URLs Open opens: "dir:PATH or sqlite:PATH".
func forms() string {
	schemes := Schemes()
	for i, s := range schemes {
		schemes[i] = s + ":PATH"
	}
	if n := len(schemes); n > 1 {
		return strings.Join(schemes[:n-1], ", ") + " or " + schemes[n-1]
	}
	return strings.Join(schemes, "")
}
