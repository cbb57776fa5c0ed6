package main

import (
	"errors"
	"io"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/finding"
)

func init() { commands = append(commands, newValidate) }

func newValidate() *cobra.Command {
	var format string
	var strict bool
	cmd := &cobra.Command{
		Use:   "validate [--format text|json] [--strict] FILE...",
		Short: "Check designs and report every finding",
		Long: `Validate loads each design and reports every finding at once, one line
each: file:line:col: severity: path: message [code].

Exit status: 0 no errors (warnings are printed), 1 errors (or warnings
with --strict), 2 the command could not run.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageError("--format must be text or json, not %q", format)
			}
			return validateFiles(cmd.OutOrStdout(), args, format, strict)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or json")
	cmd.Flags().BoolVar(&strict, "strict", false, "treat warnings as errors")
	return cmd
}

func validateFiles(w io.Writer, paths []string, format string, strict bool) error {
	var all finding.List
	var unreadable []error // files that could not be read: exit 2, after the findings of the others
	for _, path := range paths {
		d, err := secops.LoadFile(path)
		if err != nil && finding.From(err) == nil {
			unreadable = append(unreadable, err)
			continue
		}
		if d == nil {
			all = append(all, finding.From(err)...)
			continue
		}
		all = append(all, finding.From(d.Validate())...)
	}
	all.Sort()
	var err error
	if format == "json" {
		err = finding.WriteJSON(w, all)
	} else {
		err = finding.WriteText(w, all)
	}
	if err != nil {
		return usageError("%v", err)
	}
	if len(unreadable) > 0 {
		return usageError("%w", errors.Join(unreadable...))
	}
	if all.HasErrors() || strict && len(all) > 0 {
		return &exitError{code: 1}
	}
	return nil
}
