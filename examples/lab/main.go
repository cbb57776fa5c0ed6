package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"
)

type request struct {
	Operation string         `json:"operation"`
	Inputs    map[string]any `json:"inputs"`
	Method    string         `json:"method"`
	Run       string         `json:"run"`
	Rollback  bool           `json:"rollback"`
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
	if log := os.Getenv("LAB_LOG"); log != "" {
		if err := appendLog(log, req); err != nil {
			return reply{}, err
		}
	}
	if req.Rollback {
		return reply{}, nil
	}
	return reply{Outputs: lab[req.Method]}, nil
}

func appendLog(name string, req request) error {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	what := req.Operation
	if req.Rollback {
		what = "undo " + what
	}
	_, err = fmt.Fprintf(f, "%s %s %s %v\n", time.Now().UTC().Format(time.RFC3339), req.Method, what, req.Inputs)
	return err
}
