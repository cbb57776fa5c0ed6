package main

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops"

	// The SQLite run store, for --store sqlite:PATH.
	_ "github.com/secopsdesign/secops/runstore/sqlite"
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

// flagHint adds to an unknown flag that is a value of the command's
// --format (--json) the flag the user meant.
func flagHint(cmd *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if f := cmd.Flags().Lookup("format"); ok && f != nil && strings.Contains(f.Usage, name) {
		return fmt.Errorf("%w (did you mean --format %s?)", err, name)
	}
	return err
}

// newRoot builds the command tree. Each subcommand lives in its own file
// and is added here.
func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "secops",
		Short:         "Check, test, run and render security-operations designs",
		Long:          help("secops"),
		Version:       secops.Version(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("secops {{.Version}}\n")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return flagHint(cmd, err) })
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

// The long help of each command is a text file in help/, named after
// the command (its parent first: export-cacao.txt, runs-list.txt), so
// that it is written and reviewed as the text it is.
//
//go:embed help/*.txt
var helpFiles embed.FS

// help returns the long help named name; a missing file is a bug the
// tests catch (TestHelpTexts), not a user's mistake.
func help(name string) string {
	b, err := helpFiles.ReadFile("help/" + name + ".txt")
	if err != nil {
		panic("no help text " + name)
	}
	return strings.TrimSuffix(string(b), "\n")
}
