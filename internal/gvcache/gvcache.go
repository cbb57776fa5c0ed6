// Package gvcache keeps the compilation cache of the WebAssembly Graphviz
// (github.com/goccy/go-graphviz) in a directory that only the current user
// can write, or nowhere.
//
// go-graphviz compiles its WebAssembly module to native code in a package
// init and caches the result in os.TempDir()/go-graphviz, a directory it
// creates 0755 and then trusts whoever made it: on a shared host another
// user could pre-create /tmp/go-graphviz with a crafted entry and have
// someone else's process run it. Setup, run before that init (see package
// tmpdir), points TMPDIR at a private directory under os.UserCacheDir()
// instead, or at os.DevNull, where go-graphviz can make no cache at all.
package gvcache

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// Sub is the path of the cache below os.UserCacheDir().
const Sub = "secops/graphviz"

// Dir returns the private cache directory, os.UserCacheDir()/secops/graphviz,
// made 0700 if it is missing, after checking it as Prepare does.
func Dir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return Prepare(base)
}

// Prepare makes base/secops/graphviz (each missing folder 0700) and
// returns it if it is safe: base, the folders below it and everything in
// the cache must be owned by the current user and writable by no one else,
// and nothing below base may be a symbolic link. Otherwise it returns an
// error saying what is wrong, and the cache must not be used.
func Prepare(base string) (string, error) {
	if !filepath.IsAbs(base) {
		return "", &UnsafeError{Path: base, Reason: "is not an absolute path"}
	}
	fi, err := os.Stat(base) // the user's cache folder may be a link they made
	if err != nil {
		return "", err
	}
	if err := private(base, fi); err != nil {
		return "", err
	}
	dir := base
	for _, name := range []string{"secops", "graphviz"} {
		dir = filepath.Join(dir, name)
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return "", err
		}
		fi, err := os.Lstat(dir)
		if err != nil {
			return "", err
		}
		if !fi.IsDir() && fi.Mode()&fs.ModeSymlink == 0 {
			return "", &UnsafeError{Path: dir, Reason: "is not a folder"}
		}
		if err := private(dir, fi); err != nil {
			return "", err
		}
	}
	// Everything in the cache: go-graphviz's folder, wazero's below it and
	// the compiled modules.
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		return private(path, fi)
	})
	if err != nil {
		return "", err
	}
	return dir, nil
}

// private checks one entry: a folder or a regular file, owned by the
// current user, writable by no one else.
func private(path string, fi fs.FileInfo) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return &UnsafeError{Path: path, Reason: "is a symbolic link"}
	case !fi.IsDir() && !fi.Mode().IsRegular():
		return &UnsafeError{Path: path, Reason: "is neither a folder nor a regular file"}
	case fi.Mode().Perm()&0o022 != 0:
		return &UnsafeError{Path: path, Reason: "is writable by group or others (mode " + fi.Mode().Perm().String() + ")"}
	}
	return owned(path, fi)
}

// UnsafeError says why a cache folder is not used.
type UnsafeError struct {
	Path, Reason string
}

func (e *UnsafeError) Error() string { return "graphviz cache: " + e.Path + " " + e.Reason }

// Setup points TMPDIR (TMP and TEMP on Windows), which go-graphviz reads
// through os.TempDir, at the private cache directory, so that go-graphviz
// caches in Dir()/go-graphviz. When no safe directory can be had it points
// them at os.DevNull: go-graphviz then cannot make its cache folder and compiles
// without one (slower, never unsafe). It returns the directory, or the
// reason for going without.
//
// Setup must run before go-graphviz's package init, and nothing else in
// the process should rely on TMPDIR afterwards.
func Setup() (string, error) {
	dir, err := Dir()
	if err != nil {
		setTemp(os.DevNull)
		return "", err
	}
	setTemp(dir)
	return dir, nil
}

// setTemp makes os.TempDir return dir: it reads TMPDIR, and TMP or TEMP on
// Windows.
func setTemp(dir string) {
	os.Setenv("TMPDIR", dir)
	if runtime.GOOS == "windows" {
		os.Setenv("TMP", dir)
		os.Setenv("TEMP", dir)
	}
}
