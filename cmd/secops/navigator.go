package main

import (
	"bytes"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops/bundle"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/navigator"
)

// newExportNavigator is "secops export navigator", added to the export
// command.
func newExportNavigator() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "navigator DESIGN... [-o FILE]",
		Short: "Write the ATT&CK coverage of designs as an ATT&CK Navigator layer",
		Long:  help("export-navigator"),
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var layers []*navigator.Layer
			var problems finding.List
			for _, path := range args {
				b, err := bundle.Load(bundle.Files{Design: path, Stdin: cmd.InOrStdin()})
				if err != nil {
					return usageError("%v", err)
				}
				if !b.OK() {
					problems = append(problems, b.Findings...)
					continue
				}
				l, err := navigator.New(b.Design)
				if err != nil {
					return usageError("%v", err)
				}
				layers = append(layers, l)
			}
			if problems.HasErrors() {
				problems.Sort()
				if err := finding.WriteText(cmd.ErrOrStderr(), problems); err != nil {
					return usageError("%v", err)
				}
				return &exitError{code: 1}
			}
			var buf bytes.Buffer
			if err := navigator.Write(&buf, layers...); err != nil {
				return usageError("%v", err)
			}
			return writeOut(cmd, out, buf.Bytes())
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "write to `FILE` instead of standard output")
	return cmd
}
