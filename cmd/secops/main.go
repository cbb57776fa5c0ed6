package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// exitError carries an exit status out of a command. Commands that have
// already printed what went wrong return it with a nil err.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

// usageError marks a failure of the command itself (exit status 2).
func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

// newRoot builds the command tree. Each subcommand lives in its own file
// and is added here.
func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "secops",
		Short: "Check, test, run and render security-operations designs",
		Long: `secops works with security-operations designs written as code in the
secops/v1 format: scope, severity criteria, detection rules, the process
table, first responses and triage playbooks.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	for _, add := range commands {
		root.AddCommand(add())
	}
	return root
}

// commands holds the constructors of the subcommands; each file that
// defines one registers it in an init function.
var commands []func() *cobra.Command

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	root := newRoot()
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(os.Stderr, "secops:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(os.Stderr, "secops:", err)
	return 2
}
