package review

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
)

// BadRecordError is a value of a record file that is no readable run
// record: broken or truncated JSON, binary data, a record of another
// format, or a value that is not a record. Review counts and lists such
// records and goes on; any other error from the records ends it.
type BadRecordError struct {
	// File is the file's name, as given.
	File string
	// Record is the value's place in the file, from 1.
	Record int
	// Reason says what is wrong with it.
	Reason string
	err    error
}

func (e *BadRecordError) Error() string {
	return fmt.Sprintf("%s: record %d: %s", e.File, e.Record, e.Reason)
}

// Unwrap returns the error that made the value unreadable.
func (e *BadRecordError) Unwrap() error { return e.err }

// ReadRecords reads the run records in r, named name: one record, or
// several one after the other (JSON Lines, as an export writes them).
// A value that is not a record, or a record of another format, yields a
// *BadRecordError naming the file and the record's place in it, and the
// reading goes on with the next value; broken JSON yields one and ends
// the file, as nothing after it can be trusted.
func ReadRecords(name string, r io.Reader) iter.Seq2[*executor.Record, error] {
	return func(yield func(*executor.Record, error) bool) {
		dec := json.NewDecoder(bufio.NewReaderSize(r, 64<<10))
		for n := 1; ; n++ {
			var rec executor.Record
			err := dec.Decode(&rec)
			if err == io.EOF {
				return
			}
			var te *json.UnmarshalTypeError
			inSync := err == nil || errors.As(err, &te) // the decoder has read the whole value
			if err == nil {
				err = checkRecord(&rec)
			}
			if err != nil {
				if errors.Is(err, io.ErrUnexpectedEOF) {
					err = fmt.Errorf("truncated: %w", err)
				}
				if !yield(nil, &BadRecordError{File: name, Record: n, Reason: err.Error(), err: err}) || !inSync {
					return
				}
				continue
			}
			if !yield(&rec, nil) {
				return
			}
		}
	}
}

// checkRecord reports what makes rec no run record.
func checkRecord(rec *executor.Record) error {
	switch {
	case rec.Format != "" && rec.Format != executor.RecordFormat:
		return fmt.Errorf("format %q is not %s", rec.Format, executor.RecordFormat)
	case rec.ID == "" || rec.Started.IsZero():
		return errNotRecord
	}
	return nil
}

// isRecordFile reports whether a file found in a folder is worth reading
// as records: .json and .jsonl files.
func isRecordFile(name string) bool {
	return strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".jsonl")
}

// ReadRecordFiles reads the records of each path in turn: a file of
// records (see ReadRecords), or a folder, whose .json and .jsonl files
// are read in lexical order, subfolders included. In a folder, a JSON
// file that is not a run record (an answers file, say) is passed over;
// a named file must hold records. Bad records (see BadRecordError) are
// yielded as errors and the reading goes on; a file or folder that
// cannot be read ends the sequence with its error.
func ReadRecordFiles(paths ...string) iter.Seq2[*executor.Record, error] {
	return func(yield func(*executor.Record, error) bool) {
		file := func(path string, strict bool) bool {
			f, err := os.Open(path)
			if err != nil {
				yield(nil, err)
				return false
			}
			defer f.Close()
			for rec, err := range ReadRecords(path, f) {
				if err != nil && !strict && isNotRecord(err) {
					return true
				}
				if !yield(rec, err) {
					return false
				}
			}
			return true
		}
		for _, p := range paths {
			fi, err := os.Stat(p)
			if err != nil {
				yield(nil, err)
				return
			}
			if !fi.IsDir() {
				if !file(p, true) {
					return
				}
				continue
			}
			stop := errors.New("stop")
			err = filepath.WalkDir(p, func(path string, de fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if de.IsDir() || !isRecordFile(de.Name()) {
					return nil
				}
				if !file(path, false) {
					return stop
				}
				return nil
			})
			if err != nil {
				if err != stop {
					yield(nil, err)
				}
				return
			}
		}
	}
}

// isNotRecord reports whether err says a JSON value is no run record (as
// opposed to broken JSON or a read error).
func isNotRecord(err error) bool {
	var te *json.UnmarshalTypeError
	return errors.As(err, &te) || errors.Is(err, errNotRecord)
}

// errNotRecord says a JSON value has neither a run's id nor its start.
var errNotRecord = errors.New("not a run record: no id or start time")

// StoreRecords lists the runs that q selects in store, latest first, and
// loads each record. A run removed between the listing and the loading is
// passed over.
func StoreRecords(ctx context.Context, store runstore.Store, q runstore.Query) iter.Seq2[*executor.Record, error] {
	return func(yield func(*executor.Record, error) bool) {
		for page, err := range runstore.Pages(ctx, store, q) {
			if err != nil {
				yield(nil, err)
				return
			}
			for _, s := range page.Runs {
				rec, err := store.Load(ctx, s.ID)
				if errors.Is(err, runstore.ErrNotFound) {
					continue
				}
				if !yield(rec, err) || err != nil {
					return
				}
			}
		}
	}
}
