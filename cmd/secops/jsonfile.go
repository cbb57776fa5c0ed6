package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/secopsdesign/secops/alert"
	"github.com/secopsdesign/secops/console"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
)

// readAlert reads the alert at path, "-" for stdin (see package alert).
// The values are checked against the design later, all at once.
func readAlert(stdin io.Reader, path string) (map[string]any, error) {
	a, err := alert.ReadFile(path, stdin)
	if l := finding.From(err); l != nil {
		return nil, &exitError{code: 1, err: fmt.Errorf("alert: %s", strings.TrimSuffix(l.Error(), "\n"))}
	}
	if err != nil {
		return nil, &exitError{code: 1, err: fmt.Errorf("alert: %w", err)}
	}
	return a, nil
}

// readAnswers reads outputs by method (see console.ReadOutputs).
func readAnswers(path string, out *map[ident.Number]map[string]any) error {
	m, err := console.ReadOutputs(path)
	if err != nil {
		return usageError("outputs: %v", err)
	}
	*out = m
	return nil
}
