package runstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/internal/jsonpos"
)

// File is a run record kept in one JSON file, as secops run --record
// writes it. Writes go to a new temporary file in the same folder, are
// synced to disk and renamed over the record, and the folder is synced,
// so that a crash leaves the old record or the new one, never a part.
// Files are created with mode 0600: records hold alert data and inputs.
//
// A File's claim is an exclusive OS file lock (flock) on PATH.lock, held
// until released or until the holder's process ends, whatever ends it:
// a second process that claims it fails at once with a *ClaimedError
// naming the holder.
type File struct {
	path string
}

// NewFile returns the record file at path. When path is a symbolic link
// to a record, the record it points to is the file: writes replace that
// file and claims lock it, so that a link and its target cannot be worked
// on as two records. Nothing is read or created.
func NewFile(path string) *File {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	return &File{path: path}
}

// Path returns the file's path.
func (f *File) Path() string { return f.path }

// Load reads the record. A missing file is an error wrapping ErrNotFound;
// a file that is not a record says so, in the terms of the record format.
func (f *File) Load() (*executor.Record, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", f.path, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return Decode(f.path, b)
}

// Decode reads a record from its JSON. name names the source in errors.
func Decode(name string, b []byte) (*executor.Record, error) {
	var probe struct {
		Format *string `json:"format"`
		ID     *string `json:"id"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("%s: not a run record: %s", name, jsonProblem(b, err))
	}
	if probe.Format != nil && *probe.Format != executor.RecordFormat {
		if strings.HasPrefix(*probe.Format, "secops") {
			return nil, fmt.Errorf("%s: format %q is not a run record (%s)", name, *probe.Format, executor.RecordFormat)
		}
		return nil, fmt.Errorf("%s: format %q: want %s", name, *probe.Format, executor.RecordFormat)
	}
	if probe.ID == nil || *probe.ID == "" {
		return nil, fmt.Errorf("%s: not a run record: it has no id", name)
	}
	var rec executor.Record
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("%s: run %s: %s", name, *probe.ID, jsonProblem(b, err))
	}
	return &rec, nil
}

// jsonProblem says what is wrong with b as JSON, with the line, in a
// person's terms rather than encoding/json's.
func jsonProblem(b []byte, err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, _ := jsonpos.OfSyntaxError(b, se)
		return fmt.Sprintf("line %d: invalid JSON: %v", line, se)
	case errors.As(err, &te):
		where := te.Field
		if where == "" {
			return fmt.Sprintf("want a JSON object, got %s", te.Value)
		}
		return fmt.Sprintf("%s: want %s, got %s", where, jsonKind(te.Type.Kind().String()), te.Value)
	}
	return err.Error()
}

func jsonKind(k string) string {
	switch k {
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "a list"
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	}
	if strings.Contains(k, "int") || strings.Contains(k, "float") {
		return "a number"
	}
	return k
}

// Create writes a new record file: an error wrapping ErrExists when the
// file exists. It sets rec.Version to 1.
func (f *File) Create(rec *executor.Record) error {
	if err := CheckNew(rec); err != nil {
		return err
	}
	return f.write(rec, func() error {
		if _, err := os.Lstat(f.path); err == nil {
			return fmt.Errorf("%s: %w", f.path, ErrExists)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	})
}

// Save replaces the record file if it holds version rec.Version, and
// increments rec.Version; see Store.Save.
func (f *File) Save(rec *executor.Record) error {
	if rec == nil || rec.ID == "" {
		return fmt.Errorf("save: a record with an id is needed")
	}
	return f.write(rec, func() error {
		b, err := os.ReadFile(f.path)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: %w", f.path, ErrNotFound)
		}
		if err != nil {
			return err
		}
		var stored struct {
			ID      string `json:"id"`
			Version int64  `json:"version"`
		}
		if err := json.Unmarshal(b, &stored); err != nil {
			return fmt.Errorf("%s: not a run record: %s", f.path, jsonProblem(b, err))
		}
		if stored.ID != rec.ID {
			return fmt.Errorf("%s holds run %s, not %s", f.path, stored.ID, rec.ID)
		}
		if stored.Version != rec.Version {
			return &ConflictError{ID: rec.ID, Version: rec.Version, Stored: stored.Version}
		}
		return nil
	})
}

// Checkpoint is the executor's journal to this file: the first
// checkpoint of a new record creates it, later ones save it.
func (f *File) Checkpoint(_ context.Context, rec *executor.Record) error {
	if rec.Version == 0 {
		return f.Create(rec)
	}
	return f.Save(rec)
}

var _ executor.Checkpointer = (*File)(nil)

// write writes rec with its version incremented, if check, made while
// the folder's write lock is held, allows it.
func (f *File) write(rec *executor.Record, check func() error) error {
	dir := filepath.Dir(f.path)
	unlock, err := lockDir(dir)
	if err != nil {
		return err
	}
	defer unlock()
	if err := check(); err != nil {
		return err
	}
	rec.Version++
	b, err := json.MarshalIndent(rec, "", "  ")
	if err == nil {
		err = writeAtomic(f.path, append(b, '\n'))
	}
	if err != nil {
		rec.Version--
		return err
	}
	return nil
}

// writeAtomic writes b to path through a uniquely named temporary file in
// the same folder: written, synced, renamed, and the folder synced.
func writeAtomic(path string, b []byte) error {
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	done = true
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}

// Claim takes the file's claim for holder: an exclusive lock on
// PATH.lock, which names the holder. ttl is not used: the claim lasts
// until released or until this process ends.
//
// Taking the claim removes the temporary files a holder killed in the
// middle of a write left beside the record (.NAME.*.tmp): with the claim
// held, nobody else writes them.
func (f *File) Claim(holder string) (Claim, error) {
	if holder == "" {
		return nil, fmt.Errorf("claim of %s: no holder", f.path)
	}
	c, err := lockFile(f.path+".lock", f.path, holder)
	if err == nil {
		dir, name := filepath.Split(f.path)
		if dir == "" {
			dir = "."
		}
		if stale, _ := filepath.Glob(filepath.Join(dir, "."+globEscape(name)+".*.tmp")); len(stale) > 0 {
			for _, p := range stale {
				os.Remove(p)
			}
		}
	}
	return c, err
}

// globEscape quotes the characters filepath.Match gives a meaning to.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
