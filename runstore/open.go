package runstore

import (
	"fmt"
	"strings"
)

// Open opens the run store a URL names: sqlite:PATH (a SQLite database,
// made if missing) or dir:FOLDER (a folder of record files).
func Open(url string) (Store, error) {
	kind, path, ok := strings.Cut(url, ":")
	if !ok || path == "" {
		return nil, fmt.Errorf("run store %q: want sqlite:PATH or dir:FOLDER", url)
	}
	switch kind {
	case "dir":
		return OpenDir(path)
	case "sqlite":
		return OpenSQLite(path)
	}
	return nil, fmt.Errorf("run store %q: unknown kind of store %q: want sqlite:PATH or dir:FOLDER", url, kind)
}
