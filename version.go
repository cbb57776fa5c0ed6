package secops

import (
	"runtime/debug"
	"strings"
)

// modulePath is this module's path.
const modulePath = "github.com/secopsdesign/secops"

// Version says which secops the running program holds, for --version,
// logs and health checks: the module version and, when the program was
// built from a checkout, the VCS revision ("v1.2.0" from go install
// ...@v1.2.0; "(devel) revision 1a2b3c4d5e6f (modified)" from a
// checkout; "(unknown)" without build information).
func Version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	return versionOf(info)
}

func versionOf(info *debug.BuildInfo) string {
	v := moduleVersion(info)
	if v == "" {
		v = "(devel)"
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = " (modified)"
			}
		}
	}
	if info.Main.Path == modulePath && rev != "" {
		v += " revision " + rev[:min(len(rev), 12)] + modified
	}
	return v
}

// ModuleVersion is the released version of this module the running
// program holds ("v1.2.0"), as go install ...@VERSION takes it, or ""
// for a development build or without build information.
func ModuleVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	if v := moduleVersion(info); !strings.Contains(v, "+dirty") {
		return v
	}
	return ""
}

// moduleVersion is this module's version in info: the main module's,
// or the dependency's when a program imports it.
func moduleVersion(info *debug.BuildInfo) string {
	if info.Main.Path == modulePath {
		if info.Main.Version == "(devel)" {
			return ""
		}
		return info.Main.Version
	}
	for _, dep := range info.Deps {
		if dep.Path == modulePath {
			return dep.Version
		}
	}
	return ""
}
