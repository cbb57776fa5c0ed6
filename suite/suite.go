package suite

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/adapters/simulate"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/scenario"
)

// Suite is a scenario file together with its design, loaded, validated
// and compiled once for all its scenarios.
type Suite struct {
	// Path is the scenario file's path, as given to Load.
	Path string
	// DesignPath is the path of the design the scenario file names,
	// joined to the scenario file's directory when it is relative.
	DesignPath string
	// File is the parsed scenario file.
	File *scenario.File
	// Plan is the compiled design, shared by every Suite a Loader loads
	// for the same design.
	Plan *executor.Plan
	// Warnings are the design's warning findings, and those of the
	// scenario file's check against it.
	Warnings finding.List
}

// Loader loads scenario files, compiling each design once however many
// files name it. The zero Loader is ready to use and safe for concurrent
// use.
type Loader struct {
	mu    sync.Mutex
	plans map[string]*loaded
}

type loaded struct {
	once     sync.Once
	plan     *executor.Plan
	warnings finding.List
	err      error
}

// Load loads the scenario file at path with a Loader of its own.
func Load(path string) (*Suite, error) {
	var l Loader
	return l.Load(path)
}

// Load loads the scenario file at path and its design. A design with
// error findings is an error holding them (a finding.List, see
// finding.From); so is a malformed scenario file, one without a design
// key, and one that does not
// fit its design (see secops.Design.CheckScenarios: duplicate scenario
// ids, unknown alert keys or methods, values of the wrong type, unknown
// expected ids).
func (l *Loader) Load(path string) (*Suite, error) {
	f, err := secops.LoadScenarioFile(path)
	if f != nil && f.Design == "" {
		// Without it the file's own directory would be taken for the
		// design.
		fl := finding.From(err)
		if err != nil && fl == nil {
			return nil, err
		}
		fd := finding.New(finding.Required, finding.NewPath("design"), "design is required: the path of the design file the scenarios test, relative to this file")
		fd.Position = f.Source.Position("design", false)
		return nil, append(fl, fd)
	}
	if err != nil {
		return nil, err
	}
	dp := f.Design
	if !filepath.IsAbs(dp) {
		dp = filepath.Join(filepath.Dir(path), dp)
	}
	l.mu.Lock()
	if l.plans == nil {
		l.plans = map[string]*loaded{}
	}
	key, _ := filepath.Abs(dp)
	ld := l.plans[key]
	if ld == nil {
		ld = &loaded{}
		l.plans[key] = ld
	}
	l.mu.Unlock()
	ld.once.Do(func() { ld.plan, ld.warnings, ld.err = compile(dp) })
	if ld.err != nil {
		if finding.From(ld.err) == nil {
			return nil, fmt.Errorf("the design it names: %w", ld.err)
		}
		return nil, ld.err
	}
	// The scenarios must fit the design: a typo in an alert key, a method
	// id or an expected step is an error, not a silent mismatch.
	warnings := ld.warnings
	if fl := ld.plan.Design().CheckScenarios(f); len(fl) > 0 {
		if fl.HasErrors() {
			return nil, fl
		}
		warnings = append(slices.Clip(warnings), fl...)
	}
	return &Suite{Path: path, DesignPath: dp, File: f, Plan: ld.plan, Warnings: warnings}, nil
}

func compile(path string) (*executor.Plan, finding.List, error) {
	d, fl, err := secops.CheckFile(path)
	if err != nil {
		return nil, nil, err
	}
	if d == nil || fl.HasErrors() {
		return nil, nil, fl
	}
	p, err := executor.Compile(d)
	if err != nil {
		return nil, nil, err
	}
	return p, fl, nil
}

// Result is the outcome of one scenario.
type Result struct {
	// Scenario is the scenario that was run.
	Scenario *scenario.Scenario
	// Record is the run's record.
	Record *executor.Record
	// Mismatches are the expectations the run did not meet, in the order
	// of the expect keys; a run that failed or did not finish is one with
	// the key "run".
	Mismatches []Mismatch
}

// Passed reports whether the scenario met every expectation.
func (r *Result) Passed() bool { return len(r.Mismatches) == 0 }

// Mismatch is an expectation not met.
type Mismatch struct {
	// Key is the expect key, e.g. path.
	Key string
	// Want is the expected value as the scenario gives it, a list
	// written as "[a b c]"; for the key "run" it is "completed".
	Want string
	// Got is the value the run produced, written like Want; for the key
	// "run" it is the run's error message.
	Got string
}

// Run runs every scenario of the suite, in order.
func (s *Suite) Run(ctx context.Context) []Result {
	out := make([]Result, len(s.File.Scenarios))
	for i := range s.File.Scenarios {
		out[i] = s.RunScenario(ctx, &s.File.Scenarios[i])
	}
	return out
}

// RunScenario runs one scenario with simulated adapters: every method,
// with an action or done by a person, returns the outputs the scenario
// gives it, and every approval is granted.
func (s *Suite) RunScenario(ctx context.Context, sc *scenario.Scenario) Result {
	res := Result{Scenario: sc}
	rec, err := Simulate(ctx, s.Plan, sc)
	if err != nil {
		res.Mismatches = append(res.Mismatches, Mismatch{Key: "run", Want: "completed", Got: err.Error()})
		return res
	}
	res.Record = rec
	res.Mismatches = Compare(sc.Expect, rec)
	return res
}

// Simulate runs the scenario's alert through plan, the methods answering
// with the scenario's outputs and every approval granted. A method that
// runs and declares outputs but has none in the scenario (no entry, or an
// empty one) fails the run.
// Actions are answered by the adapters of package adapters/simulate.
func Simulate(ctx context.Context, plan *executor.Plan, sc *scenario.Scenario) (*executor.Record, error) {
	outputs := func(id ident.Number) (map[string]any, error) {
		// An empty map gives no outputs, as a missing one does.
		out := sc.Outputs[id]
		if len(out) == 0 {
			m := plan.Method(id)
			if m != nil && len(m.Outputs) > 0 {
				return nil, fmt.Errorf("scenario %s gives no outputs for it (%s), and it declares outputs %s",
					sc.ID, m.Name, joinIDs(m.Outputs))
			}
		}
		return out, nil
	}
	byID := make(map[string]map[string]any, len(sc.Outputs))
	for id, out := range sc.Outputs {
		byID[string(id)] = out
	}
	reg, err := simulate.Registry(plan.Design(), byID)
	if err != nil {
		return nil, err
	}
	e, err := executor.New(executor.WithPlan(plan), executor.WithRegistry(reg),
		executor.WithPerson(executor.PersonFunc(func(_ context.Context, t executor.Task) (executor.Done, error) {
			out, err := outputs(t.Method.ID)
			return executor.Done{Outputs: out, Actor: "scenario"}, err
		})),
		executor.WithApprover(executor.AutoApprove("scenario")),
		executor.WithRetry(1, 0),
		executor.WithIDs(func() string { return string(sc.ID) }))
	if err != nil {
		return nil, err
	}
	rec, err := e.Run(ctx, sc.Alert)
	if err != nil {
		return nil, err
	}
	switch rec.Status {
	case executor.Failed:
		return rec, errors.New(rec.Error)
	case executor.Waiting:
		return rec, fmt.Errorf("run is waiting: %v", rec.Pending)
	}
	return rec, nil
}

// Compare returns the expectations of want that rec does not meet.
func Compare(want scenario.Expect, rec *executor.Record) []Mismatch {
	var ms []Mismatch
	one := func(key string, want *string, got ident.ID) {
		g := string(got)
		if g == "" {
			g = scenario.None
		}
		if want != nil && *want != g {
			ms = append(ms, Mismatch{Key: key, Want: *want, Got: g})
		}
	}
	one("detection", want.Detection, rec.Detection)
	one("incident", want.Incident, rec.Incident)
	one("severity", want.Severity, rec.Severity)
	one("playbook", want.Playbook, rec.Playbook)
	if want.Path != nil && !slices.Equal(want.Path, rec.Path) {
		ms = append(ms, Mismatch{Key: "path", Want: joinIDs(want.Path), Got: joinIDs(rec.Path)})
	}
	if want.Skipped != nil {
		w, g := slices.Sorted(slices.Values(want.Skipped)), slices.Sorted(slices.Values(rec.Skipped))
		if !slices.Equal(w, g) {
			ms = append(ms, Mismatch{Key: "skipped", Want: joinIDs(w), Got: joinIDs(g)})
		}
	}
	one("response", want.Response, rec.Response)
	if want.WithinTarget != nil && *want.WithinTarget != rec.WithinTarget() {
		ms = append(ms, Mismatch{Key: "within_target", Want: fmt.Sprint(*want.WithinTarget),
			Got: fmt.Sprintf("%v (estimate %v, target %v)", rec.WithinTarget(), rec.Estimate, rec.Targets.FirstResponse)})
	}
	return ms
}

func joinIDs[T ~string](ids []T) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return "[" + strings.Join(s, " ") + "]"
}
