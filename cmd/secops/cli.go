package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops/console"
	"github.com/secopsdesign/secops/finding"
)

// checkCommand finds the command that args name, as cobra will, and
// returns a usage error for a word that names no command where one is
// expected: cobra would print the parent's help and succeed, so that
// "secops import cacoa x.json > design.yaml" would write help into the
// design. A command group given no command, or flags only, is an error
// too.
func checkCommand(root *cobra.Command, args []string) error {
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		return nil // the shell asking for completions: cobra answers
	}
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

// formatFlag defines --format, one of values, def until given.
func formatFlag(cmd *cobra.Command, p *string, def string, values ...string) {
	cmd.Flags().Var(console.NewChoice(p, def, values...), "format", "output format: "+console.OrList(values))
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
}

// writeOut writes b to the file out, or to stdout when out is "" or "-".
func writeOut(cmd *cobra.Command, out string, b []byte) error {
	var err error
	if out == "" || out == "-" {
		_, err = cmd.OutOrStdout().Write(b)
	} else {
		err = os.WriteFile(out, b, 0o644)
	}
	if err != nil {
		return usageError("%v", err)
	}
	return nil
}
