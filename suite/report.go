package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/finding"
)

// Reporter is told what RunFiles finds out: secops test's text, or its
// JSON lines.
type Reporter interface {
	// Scenario is the result of one scenario of file.
	Scenario(file string, r Result) error
	// Unrunnable is a scenario file that could not run, and why.
	Unrunnable(file string, err error) error
	// Coverage is what the scenarios of a design exercised (with
	// cover); several says whether more than one design was tested.
	Coverage(design string, several bool, cov []PlaybookCoverage) error
	// Summary is last.
	Summary(t Totals) error
}

// Totals count the scenarios that passed and failed, and the files that
// could not run.
type Totals struct{ Passed, Failed, Unrunnable int }

// TextReporter reports as secops test does: a line per scenario, ok or
// FAIL with the mismatches under it, then "N passed, M failed".
func TextReporter(w io.Writer) Reporter { return textEvents{w} }

// JSONReporter reports as secops test --format json does: one JSON
// object a line, like go test -json (see the README).
func JSONReporter(w io.Writer) Reporter { return jsonEvents{json.NewEncoder(w)} }

type textEvents struct{ w io.Writer }

func (t textEvents) Scenario(_ string, r Result) error {
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

func (t textEvents) Unrunnable(file string, err error) error {
	fl := finding.From(err)
	if fl == nil {
		_, werr := fmt.Fprintf(t.w, "FAIL %s: %v\n", file, err)
		return werr
	}
	fmt.Fprintf(t.w, "FAIL %s: the design or the scenario file has errors:\n", file)
	return finding.WriteText(t.w, fl)
}

func (t textEvents) Coverage(design string, several bool, cov []PlaybookCoverage) error {
	if several {
		fmt.Fprintf(t.w, "design %s:\n", design)
	}
	return WriteCoverage(t.w, cov)
}

func (t textEvents) Summary(totals Totals) error {
	passed, failed, broken := totals.Passed, totals.Failed, totals.Unrunnable
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
	Action     string             `json:"action"`
	File       string             `json:"file,omitempty"`
	Scenario   string             `json:"scenario,omitempty"`
	Mismatches []mismatch         `json:"mismatches,omitempty"`
	Error      string             `json:"error,omitempty"`
	Findings   finding.List       `json:"findings,omitempty"`
	Design     string             `json:"design,omitempty"`
	Playbooks  []PlaybookCoverage `json:"playbooks,omitempty"`
	Passed     *int               `json:"passed,omitempty"`
	Failed     *int               `json:"failed,omitempty"`
	Unrunnable *int               `json:"unrunnable,omitempty"`
}

type mismatch struct {
	Key  string `json:"key"`
	Want string `json:"want"`
	Got  string `json:"got"`
}

type jsonEvents struct{ enc *json.Encoder }

func (j jsonEvents) Scenario(file string, r Result) error {
	e := testEvent{Action: "pass", File: file, Scenario: string(r.Scenario.ID)}
	if !r.Passed() {
		e.Action = "fail"
		for _, m := range r.Mismatches {
			e.Mismatches = append(e.Mismatches, mismatch{m.Key, m.Want, m.Got})
		}
	}
	return j.enc.Encode(e)
}

func (j jsonEvents) Unrunnable(file string, err error) error {
	return j.enc.Encode(testEvent{Action: "fail", File: file, Error: err.Error(), Findings: finding.From(err).Sorted()})
}

func (j jsonEvents) Coverage(design string, _ bool, cov []PlaybookCoverage) error {
	return j.enc.Encode(testEvent{Action: "cover", Design: design, Playbooks: cov})
}

func (j jsonEvents) Summary(totals Totals) error {
	passed, failed, broken := totals.Passed, totals.Failed, totals.Unrunnable
	e := testEvent{Action: "pass", Passed: &passed, Failed: &failed, Unrunnable: &broken}
	if failed > 0 || broken > 0 {
		e.Action = "fail"
	}
	return j.enc.Encode(e)
}

// RunFiles runs each scenario file, reporting each scenario to out, then
// with cover the coverage of each design (the scenario files that test
// the same design add up), then the totals. A file that cannot run (its
// design is missing or has errors, or the file itself has) is reported
// and does not stop the others; a path that is not there is an error
// before anything runs, as is an error of out.
func RunFiles(ctx context.Context, paths []string, cover bool, out Reporter) (Totals, error) {
	var t Totals
	var loader Loader
	var plans []*executor.Plan
	covered := map[*executor.Plan][]*executor.Record{}
	for _, path := range paths {
		if _, err := os.Stat(path); err != nil {
			return t, err
		}
	}
	for _, path := range paths {
		s, err := loader.Load(path)
		if err != nil {
			t.Unrunnable++
			if werr := out.Unrunnable(path, err); werr != nil {
				return t, werr
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
				t.Passed++
			} else {
				t.Failed++
			}
			if werr := out.Scenario(path, r); werr != nil {
				return t, werr
			}
		}
	}
	if cover {
		for _, plan := range plans {
			if err := out.Coverage(plan.Design().Source(), len(plans) > 1, Cover(plan, covered[plan])); err != nil {
				return t, err
			}
		}
	}
	return t, out.Summary(t)
}
