package main

import (
	"context"
	"encoding/json"
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
				return testFilesAs(cmd.Context(), jsonEvents{json.NewEncoder(cmd.OutOrStdout())}, args, cover)
			}
			return usageError("--format must be text or json, not %q", format)
		},
	}
	cmd.Flags().BoolVar(&cover, "cover", false, "report which steps, branches and responses the scenarios exercised")
	cmd.Flags().StringVar(&format, "format", "text", "output format: text, or json for one object per scenario")
	return cmd
}

// testEvents writes what secops test finds out, as text or as JSON.
type testEvents interface {
	scenario(file string, r suite.Result) error
	unrunnable(file string, err error) error
	coverage(design string, several bool, cov []suite.PlaybookCoverage) error
	summary(passed, failed, broken int) error
}

// testFiles runs the scenario files and writes the text report to w.
func testFiles(ctx context.Context, w io.Writer, paths []string, cover bool) error {
	return testFilesAs(ctx, textEvents{w}, paths, cover)
}

type textEvents struct{ w io.Writer }

func (t textEvents) scenario(_ string, r suite.Result) error {
	w := t.w
	if r.Passed() {
		_, err := fmt.Fprintf(w, "ok   %s\n", r.Scenario.ID)
		return err
	}
	fmt.Fprintf(w, "FAIL %s\n", r.Scenario.ID)
	for _, m := range r.Mismatches {
		if m.Key == "run" {
			fmt.Fprintf(w, "    run failed: %s\n", m.Got)
			continue
		}
		fmt.Fprintf(w, "    %s:\n        want %s\n        got  %s\n", m.Key, m.Want, m.Got)
	}
	return nil
}

func (t textEvents) unrunnable(file string, err error) error {
	fl := finding.From(err)
	if fl == nil {
		_, werr := fmt.Fprintf(t.w, "FAIL %s: %v\n", file, err)
		return werr
	}
	fmt.Fprintf(t.w, "FAIL %s: the design or the scenario file has errors:\n", file)
	return finding.WriteText(t.w, fl)
}

func (t textEvents) coverage(design string, several bool, cov []suite.PlaybookCoverage) error {
	if several {
		fmt.Fprintf(t.w, "design %s:\n", design)
	}
	return suite.WriteCoverage(t.w, cov)
}

func (t textEvents) summary(passed, failed, broken int) error {
	// The summary starts "N passed, M failed" for parsers; files that could
	// not run at all are counted after it.
	fmt.Fprintf(t.w, "%d passed, %d failed", passed, failed)
	switch broken {
	case 0:
	case 1:
		fmt.Fprint(t.w, " (1 scenario file could not run)")
	default:
		fmt.Fprintf(t.w, " (%d scenario files could not run)", broken)
	}
	_, err := fmt.Fprintln(t.w)
	return err
}

// testEvent is one line of secops test --format json.
type testEvent struct {
	Action     string                   `json:"action"`
	File       string                   `json:"file,omitempty"`
	Scenario   string                   `json:"scenario,omitempty"`
	Mismatches []mismatch               `json:"mismatches,omitempty"`
	Error      string                   `json:"error,omitempty"`
	Findings   finding.List             `json:"findings,omitempty"`
	Design     string                   `json:"design,omitempty"`
	Playbooks  []suite.PlaybookCoverage `json:"playbooks,omitempty"`
	Passed     *int                     `json:"passed,omitempty"`
	Failed     *int                     `json:"failed,omitempty"`
	Unrunnable *int                     `json:"unrunnable,omitempty"`
}

type mismatch struct {
	Key  string `json:"key"`
	Want string `json:"want"`
	Got  string `json:"got"`
}

type jsonEvents struct{ enc *json.Encoder }

func (j jsonEvents) scenario(file string, r suite.Result) error {
	e := testEvent{Action: "pass", File: file, Scenario: string(r.Scenario.ID)}
	if !r.Passed() {
		e.Action = "fail"
		for _, m := range r.Mismatches {
			e.Mismatches = append(e.Mismatches, mismatch{m.Key, m.Want, m.Got})
		}
	}
	return j.enc.Encode(e)
}

func (j jsonEvents) unrunnable(file string, err error) error {
	return j.enc.Encode(testEvent{Action: "fail", File: file, Error: err.Error(), Findings: finding.From(err).Sorted()})
}

func (j jsonEvents) coverage(design string, _ bool, cov []suite.PlaybookCoverage) error {
	return j.enc.Encode(testEvent{Action: "cover", Design: design, Playbooks: cov})
}

func (j jsonEvents) summary(passed, failed, broken int) error {
	e := testEvent{Action: "pass", Passed: &passed, Failed: &failed, Unrunnable: &broken}
	if failed > 0 || broken > 0 {
		e.Action = "fail"
	}
	return j.enc.Encode(e)
}

func testFilesAs(ctx context.Context, out testEvents, paths []string, cover bool) error {
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
			if werr := out.unrunnable(path, err); werr != nil {
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
			} else {
				failed++
			}
			if werr := out.scenario(path, r); werr != nil {
				return usageError("%v", werr)
			}
		}
	}
	if cover {
		for _, plan := range plans {
			if err := out.coverage(plan.Design().Source(), len(plans) > 1, suite.Cover(plan, covered[plan])); err != nil {
				return usageError("%v", err)
			}
		}
	}
	if err := out.summary(passed, failed, broken); err != nil {
		return usageError("%v", err)
	}
	if failed > 0 || broken > 0 {
		return &exitError{code: 1}
	}
	return nil
}
