package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/suite"
)

func init() { commands = append(commands, newTest) }

func newTest() *cobra.Command {
	var cover bool
	cmd := &cobra.Command{
		Use:   "test [--cover] SCENARIOS.yaml...",
		Short: "Run scenario files against their designs with simulated adapters",
		Long: `Test runs each scenario of each file (format secops-scenarios/v1): the
alert goes through the design, every method returns the outputs the
scenario gives it and every approval is granted. It prints one line per
scenario, ok or FAIL with its id, and under a failure the expected and
actual values; then a summary line "N passed, M failed".

With --cover it prints, per playbook, the steps, branches and responses
the scenarios exercised, and what they missed.

Exit status: 0 all passed, 1 a scenario failed or a design has errors,
2 the command could not run.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return testFiles(cmd.Context(), cmd.OutOrStdout(), args, cover)
		},
	}
	cmd.Flags().BoolVar(&cover, "cover", false, "report which steps, branches and responses the scenarios exercised")
	return cmd
}

func testFiles(ctx context.Context, w io.Writer, paths []string, cover bool) error {
	if ctx == nil {
		ctx = context.Background()
	}
	var loader suite.Loader
	passed, failed := 0, 0
	broken := false
	for _, path := range paths {
		if _, err := os.Stat(path); err != nil {
			return usageError("%v", err)
		}
		s, err := loader.Load(path)
		if err != nil {
			fl := finding.From(err)
			if fl == nil {
				return usageError("%s: %v", path, err)
			}
			fmt.Fprintf(w, "FAIL %s: the design or the scenario file has errors:\n", path)
			if werr := finding.WriteText(w, fl); werr != nil {
				return usageError("%v", werr)
			}
			broken = true
			continue
		}
		var records []*executor.Record
		for _, r := range s.Run(ctx) {
			records = append(records, r.Record)
			if r.Passed() {
				passed++
				fmt.Fprintf(w, "ok   %s\n", r.Scenario.ID)
				continue
			}
			failed++
			fmt.Fprintf(w, "FAIL %s\n", r.Scenario.ID)
			for _, m := range r.Mismatches {
				if m.Key == "run" {
					fmt.Fprintf(w, "    run failed: %s\n", m.Got)
					continue
				}
				fmt.Fprintf(w, "    %s:\n        want %s\n        got  %s\n", m.Key, m.Want, m.Got)
			}
		}
		if cover {
			if err := suite.WriteCoverage(w, suite.Cover(s.Plan, records)); err != nil {
				return usageError("%v", err)
			}
		}
	}
	fmt.Fprintf(w, "%d passed, %d failed\n", passed, failed)
	if failed > 0 || broken {
		return &exitError{code: 1}
	}
	return nil
}
