package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

type request struct {
	Operation      string         `json:"operation"`
	Inputs         map[string]any `json:"inputs"`
	Method         string         `json:"method"`
	Run            string         `json:"run"`
	Rollback       bool           `json:"rollback"`
	IdempotencyKey string         `json:"idempotency_key"`
}

type reply struct {
	Outputs   map[string]any `json:"outputs,omitempty"`
	Error     string         `json:"error,omitempty"`
	Retryable bool           `json:"retryable,omitempty"`
}

// inProgress is the error for a key another lab process is acting on.
type inProgress struct{ pid int }

func (e inProgress) Error() string {
	return fmt.Sprintf("a call with this idempotency key is in progress (lab pid %d): try again later", e.pid)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: lab LAB.json < request.json")
		os.Exit(2)
	}
	r, err := answer(os.Stdin, os.Args[1])
	if err != nil {
		var ip inProgress
		r = reply{Error: err.Error(), Retryable: errors.As(err, &ip)}
	}
	if err := json.NewEncoder(os.Stdout).Encode(r); err != nil {
		fmt.Fprintln(os.Stderr, "lab:", err)
		os.Exit(1)
	}
}

// answer reads one request from in and answers it from the lab file.
func answer(in io.Reader, labFile string) (reply, error) {
	var req request
	if err := json.NewDecoder(io.LimitReader(in, 1<<20)).Decode(&req); err != nil {
		return reply{}, fmt.Errorf("reading the request: %v", err)
	}
	b, err := os.ReadFile(labFile)
	if err != nil {
		return reply{}, err
	}
	var lab map[string]map[string]any
	if err := json.Unmarshal(b, &lab); err != nil {
		return reply{}, fmt.Errorf("%s: %v", labFile, err)
	}
	if log := os.Getenv("LAB_LOG"); log != "" && req.IdempotencyKey != "" {
		if err := appendLine(log, fmt.Sprintf("%s %s received key=%s", now(), req.Method, req.IdempotencyKey)); err != nil {
			return reply{}, err
		}
	}
	// A call with a key seen before is a repeat (a retry, or a run
	// resumed after a crash): answer as the first time, act no more.
	keyFile := stateFile(req.IdempotencyKey)
	if keyFile != "" {
		if b, err := os.ReadFile(keyFile); err == nil {
			var r reply
			if json.Unmarshal(b, &r) == nil {
				if log := os.Getenv("LAB_LOG"); log != "" {
					_ = appendLine(log, fmt.Sprintf("%s %s repeat %s: answered as before, nothing done", now(), req.Method, req.IdempotencyKey))
				}
				return r, nil
			}
		}
	}
	// Reserve the key before acting, so that a repeat that comes while
	// this call still acts (a retry after the caller was killed, whose
	// first attempt goes on) waits rather than acts a second time.
	if keyFile != "" {
		release, err := reserve(keyFile)
		if err != nil {
			return reply{}, err
		}
		defer release()
	}
	if op := os.Getenv("LAB_HANG"); op != "" && op == req.Operation {
		// To try interrupting a run in the middle of an action.
		time.Sleep(time.Minute)
	}
	if log := os.Getenv("LAB_LOG"); log != "" {
		if err := appendLog(log, req); err != nil {
			return reply{}, err
		}
	}
	r := reply{}
	if !req.Rollback {
		r.Outputs = lab[req.Method]
	}
	if keyFile != "" {
		if err := remember(keyFile, r); err != nil {
			return reply{}, err
		}
	}
	return r, nil
}

// stateFile returns the file that remembers the reply to key, in the
// folder LAB_STATE (default: secops-lab in the temporary folder); "" for
// a request without a key.
func stateFile(key string) string {
	if key == "" {
		return ""
	}
	dir := os.Getenv("LAB_STATE")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "secops-lab")
	}
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(dir, hex.EncodeToString(sum[:16])+".json")
}

// reserve marks the key of keyFile as being acted on by this process and
// returns how to unmark it. A mark of a live lab process is an inProgress
// error; one of a process that died is taken over.
func reserve(keyFile string) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
		return nil, err
	}
	mark := keyFile + ".pending"
	for range 3 {
		f, err := os.OpenFile(mark, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			fmt.Fprintf(f, "%d\n", os.Getpid())
			f.Close()
			return func() { os.Remove(mark) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		b, _ := os.ReadFile(mark)
		var pid int
		fmt.Sscan(string(b), &pid)
		if pid > 0 && alive(pid) {
			return nil, inProgress{pid}
		}
		os.Remove(mark) // its process died: take the key over
	}
	return nil, fmt.Errorf("%s keeps changing", mark)
}

// remember keeps the reply to a key; the first reply of a key stays.
func remember(path string, r reply) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, _ := json.Marshal(r)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func now() string { return time.Now().UTC().Format(time.RFC3339) }

func appendLog(name string, req request) error {
	what := req.Operation
	if req.Rollback {
		what = "undo " + what
	}
	return appendLine(name, fmt.Sprintf("%s %s %s %v key=%s", now(), req.Method, what, req.Inputs, req.IdempotencyKey))
}

func appendLine(name, line string) error {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = fmt.Fprintln(f, line)
	return err
}
