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
	// Coverage is per design: scenario files that test the same design add
	// up, so a design's scenarios may be split over several files.
	var plans []*executor.Plan
	covered := map[*executor.Plan][]*executor.Record{}
	passed, failed, broken := 0, 0, 0
	// A scenario file named on the command line that is not there is a
	// mistake in the command: nothing runs.
	for _, path := range paths {
		if _, err := os.Stat(path); err != nil {
			return usageError("%v", err)
		}
	}
	for _, path := range paths {
		s, err := loader.Load(path)
		if err != nil {
			// A file that cannot run (its design is missing or has
			// errors, or the file itself has) does not stop the others.
			broken++
			fl := finding.From(err)
			if fl == nil {
				fmt.Fprintf(w, "FAIL %s: %v\n", path, err)
				continue
			}
			fmt.Fprintf(w, "FAIL %s: the design or the scenario file has errors:\n", path)
			if werr := finding.WriteText(w, fl); werr != nil {
				return usageError("%v", werr)
			}
			continue
		}
		if _, seen := covered[s.Plan]; !seen {
			plans = append(plans, s.Plan)
			covered[s.Plan] = nil
		}
		for _, r := range s.Run(ctx) {
			covered[s.Plan] = append(covered[s.Plan], r.Record)
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
	}
	if cover {
		for _, plan := range plans {
			if len(plans) > 1 {
				fmt.Fprintf(w, "design %s:\n", plan.Design().Source())
			}
			if err := suite.WriteCoverage(w, suite.Cover(plan, covered[plan])); err != nil {
				return usageError("%v", err)
			}
		}
	}
	// The summary starts "N passed, M failed" for parsers; files that could
	// not run at all are counted after it.
	fmt.Fprintf(w, "%d passed, %d failed", passed, failed)
	switch broken {
	case 0:
	case 1:
		fmt.Fprint(w, " (1 scenario file could not run)")
	default:
		fmt.Fprintf(w, " (%d scenario files could not run)", broken)
	}
	fmt.Fprintln(w)
	if failed > 0 || broken > 0 {
		return &exitError{code: 1}
	}
	return nil
}
