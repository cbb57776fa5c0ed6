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
		Long: `Test runs each scenario of each file (format secops-scenarios/v1): the
alert goes through the design, every method returns the outputs the
scenario gives it and every approval is granted. It prints one line per
scenario, ok or FAIL with its id, and under a failure the expected and
actual values; then a summary line "N passed, M failed", followed by
"(K scenario files could not run)" when some could not.

A scenario file whose design cannot be read, or that names none, does not
run and is counted as such; the other files still run. A scenario file
is checked against its design before it runs: duplicate
scenario ids, alert keys that are not fields, outputs for unknown methods
or of undeclared fields, values of the wrong type and unknown expected
ids are errors, printed with their positions, and the file does not run.

With --cover it prints, per playbook of each design (adding up the
scenario files that test the same design), the steps, branches and responses
the scenarios exercised, and what they missed.

With --format json, stdout is one JSON object a line, like go test -json:
{"action":"pass"|"fail","file":F,"scenario":ID} per scenario, with
"mismatches" [{"key","want","got"}] under a failure; {"action":"fail",
"file":F,"error":MSG,"findings":[...]} per file that could not run;
{"action":"cover","design":D,"playbooks":[...]} per design with --cover;
and last {"action":"pass"|"fail","passed":N,"failed":M,"unrunnable":K}.

Exit status: 0 all passed, 1 a scenario failed or a design has errors,
2 the command could not run.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "text":
				return testFiles(cmd.Context(), cmd.OutOrStdout(), args, cover)
			case "json":
				return testFilesAs(cmd.Context(), suite.JSONReporter(cmd.OutOrStdout()), args, cover)
			}
			return usageError("--format must be text or json, not %q", format)
		},
	}
	cmd.Flags().BoolVar(&cover, "cover", false, "report which steps, branches and responses the scenarios exercised")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, or json for one object per scenario")
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
