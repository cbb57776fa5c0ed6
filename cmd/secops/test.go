package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops/suite"
)

func init() { commands = append(commands, newTest) }

func newTest() *cobra.Command {
	var cover bool
	var format string
	cmd := &cobra.Command{
		Use:   "test [--cover] [--format text|json] SCENARIOS.yaml...",
		Short: "Run scenario files against their designs with simulated adapters",
		Long:  help("test"),
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format == "json" {
				return testFilesAs(cmd.Context(), suite.JSONReporter(cmd.OutOrStdout()), args, cover)
			}
			return testFiles(cmd.Context(), cmd.OutOrStdout(), args, cover)
		},
	}
	cmd.Flags().BoolVar(&cover, "cover", false, "report which steps, branches and responses the scenarios exercised")
	formatFlag(cmd, &format, "text", "text", "json")
	return cmd
}

// testFiles runs the scenario files and writes the text report to w.
func testFiles(ctx context.Context, w io.Writer, paths []string, cover bool) error {
	return testFilesAs(ctx, suite.TextReporter(w), paths, cover)
}

func testFilesAs(ctx context.Context, out suite.Reporter, paths []string, cover bool) error {
	t, err := suite.RunFiles(ctx, paths, cover, out)
	if err != nil {
		return usageError("%v", err)
	}
	if t.Failed > 0 || t.Unrunnable > 0 {
		return &exitError{code: 1}
	}
	return nil
}
