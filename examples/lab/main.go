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
	Outputs map[string]any `json:"outputs,omitempty"`
	Error   string         `json:"error,omitempty"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: lab LAB.json < request.json")
		os.Exit(2)
	}
	r, err := answer(os.Stdin, os.Args[1])
	if err != nil {
		r = reply{Error: err.Error()}
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
