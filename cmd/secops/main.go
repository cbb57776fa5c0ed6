package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops/finding"
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
		Version:       version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("secops {{.Version}}\n")
	for _, add := range commands {
		root.AddCommand(add())
	}
	return root
}

// version is the module version and VCS revision the binary was built
// from: "v1.2.0" from go install ...@v1.2.0, "(devel) revision 1a2b3c4d5e6f
// (modified)" from a checkout.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := info.Main.Version
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
	if rev != "" {
		v += " revision " + rev[:min(len(rev), 12)] + modified
	}
	return v
}

// checkCommand finds the command that args name, as cobra will, and
// returns a usage error for a word that names no command where one is
// expected: cobra would print the parent's help and succeed, so that
// "secops import cacoa x.json > design.yaml" would write help into the
// design. A command group given no command, or flags only, is an error
// too.
func checkCommand(root *cobra.Command, args []string) error {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	cmd := root
	for _, a := range args {
		if !cmd.HasSubCommands() || cmd.Runnable() {
			return nil
		}
		if strings.HasPrefix(a, "-") {
			if cmd == root || a == "-h" || a == "--help" {
				return nil
			}
			break
		}
		sub := findSub(cmd, a)
		if sub == nil {
			msg := fmt.Sprintf("unknown command %q for %q", a, cmd.CommandPath())
			if s := finding.Suggest(a, commandNames(cmd)); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			return usageError("%s (see %s --help)", msg, cmd.CommandPath())
		}
		cmd = sub
	}
	if cmd != root && cmd.HasSubCommands() && !cmd.Runnable() {
		return usageError("%s needs a command: %s (see %s --help)", cmd.CommandPath(), strings.Join(commandNames(cmd), ", "), cmd.CommandPath())
	}
	return nil
}

// commandNames lists the names of the subcommands of cmd that people use.
func commandNames(cmd *cobra.Command) []string {
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			names = append(names, c.Name())
		}
	}
	return names
}

func findSub(cmd *cobra.Command, name string) *cobra.Command {
	for _, c := range cmd.Commands() {
		if c.Name() == name || c.HasAlias(name) {
			return c
		}
	}
	return nil
}

// commands holds the constructors of the subcommands; each file that
// defines one registers it in an init function.
var commands []func() *cobra.Command

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	return runWith(args, os.Stdin, os.Stdout, os.Stderr)
}

// runWith runs the command line args with the given standard streams and
// returns the exit status.
func runWith(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRoot()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := checkCommand(root, args)
	if err == nil {
		err = root.Execute()
	}
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "secops:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "secops:", err)
	return 2
}
