package review

import (
	"cmp"
	"errors"
	"fmt"
	"iter"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/response"
	"github.com/secopsdesign/secops/scope"
)

// The codes of the findings Review makes.
const (
	// EstimateDrift: over at least MinRuns runs, a method's median
	// duration is more than 1.5 times its estimate or less than half of
	// it (warning, at the estimate).
	EstimateDrift finding.Code = "estimate-drift"
	// NeverTaken: a step or branch of a playbook that no run took, over
	// at least MinRuns runs of the playbook (warning, at the step or
	// branch).
	NeverTaken finding.Code = "never-taken"
	// TargetBreachedInPractice: more than 10% of a severity's runs
	// breached its target (warning, at the target).
	TargetBreachedInPractice finding.Code = "target-breached-in-practice"
)

// MinRuns is the fewest runs on which Review judges an estimate or a path.
const MinRuns = 5

// MaxBreaches is how many breaches a severity lists, the longest first;
// they are all counted.
const MaxBreaches = 20

// Report is how real runs compare with the design.
type Report struct {
	// Runs counts the records reviewed.
	Runs int `json:"runs"`
	// Statuses counts the runs by status.
	Statuses map[executor.Status]int `json:"statuses"`
	// Skipped counts the records left out: dry runs (nothing really
	// happened) and runs of another design (by metadata.name).
	Skipped Skipped `json:"skipped"`
	// Severities gives, per severity id, the runs and their times to the
	// first response and to the response, against the targets.
	Severities map[ident.ID]*SeverityStats `json:"severities"`
	// Methods gives, per method number, the real durations against the
	// estimate.
	Methods map[ident.Number]*MethodStats `json:"methods"`
	// Waiting is the time people took to answer, per party and method.
	Waiting Waiting `json:"waiting"`
	// Playbooks gives, per playbook id, the paths runs took.
	Playbooks map[ident.ID]*PlaybookStats `json:"playbooks"`
	// Failures gives, per adapter action, what went wrong with its calls.
	Failures map[string]*ActionStats `json:"failures"`
	// Detections gives, per detection id, the runs its alerts started,
	// their confirmations and dispositions (the scorecard of detections);
	// Sources the same per source party of the detections.
	Detections map[ident.ID]*Score `json:"detections"`
	Sources    map[ident.ID]*Score `json:"sources"`
	// Parties gives, per party id, its tasks and approvals, the waits on
	// it and the targets that passed while runs waited on it.
	Parties map[ident.ID]*PartyScore `json:"parties"`
	// Outsourced compares, per phase the design gives an outsourced
	// party, what the design hands it with what the runs show.
	Outsourced []Outsourced `json:"outsourced"`
	// Notify gives, per source party, the time from the source's own
	// detection (the alert's detected key) to the start of the run.
	Notify map[ident.ID]*Wait `json:"notify"`
	// Invalid counts the records that could not be read (see
	// BadRecordError); the first MaxInvalidFindings are findings.
	Invalid int `json:"invalid"`
	// Findings are on the design, with positions.
	Findings finding.List `json:"findings"`

	// Design is the design's source file name.
	Design        string `json:"-"`
	detectedKey   string
	detectionIDs  []ident.ID // design order
	severityOrder []ident.ID // most severe first
	playbookOrder []ident.ID // design order, then others sorted
	stepOrder     map[ident.ID][]ident.ID
}

// Skipped counts the records a review left out.
type Skipped struct {
	DryRun      int `json:"dry_run"`
	OtherDesign int `json:"other_design"`
}

// SeverityStats is what the runs of one severity took.
type SeverityStats struct {
	// Runs counts the runs that declared an incident of the severity.
	Runs int `json:"runs"`
	// FirstResponse is the time from the start of a run to the
	// completion of its first response (a response of phase
	// first_response), over the runs that completed one.
	FirstResponse Timing `json:"first_response"`
	// Response is the same for responses of phase response.
	Response *Timing `json:"response,omitempty"`
}

// Timing summarises durations against a target.
type Timing struct {
	// Count counts the durations.
	Count int `json:"count"`
	// Target is the severity's target; zero when it has none.
	Target duration.Duration `json:"target,omitempty"`
	// Median, P90 and Max are the median, 90th percentile and maximum.
	Median duration.Duration `json:"median"`
	P90    duration.Duration `json:"p90"`
	Max    duration.Duration `json:"max"`
	// WithinTarget is the share (0 to 1) of the durations at or under
	// the target; 1 when there is no target.
	WithinTarget float64 `json:"within_target"`
	// Breaches counts the durations over the target.
	Breaches int `json:"breaches"`
	// Breached lists the longest breaches, at most MaxBreaches.
	Breached []Breach `json:"breached"`

	s       sample
	within  int
	target  time.Duration
	longest []Breach
}

// Breach is a run that missed its target.
type Breach struct {
	// Run is the run's id.
	Run string `json:"run"`
	// Took is how long it took.
	Took duration.Duration `json:"took"`
}

func (t *Timing) add(run string, d time.Duration) {
	t.s.add(d)
	if t.target == 0 || d <= t.target {
		t.within++
		return
	}
	t.Breaches++
	b := Breach{run, duration.Duration(d)}
	i, _ := slices.BinarySearchFunc(t.longest, b, func(a, b Breach) int { return cmp.Or(cmp.Compare(b.Took, a.Took), strings.Compare(a.Run, b.Run)) })
	if i < MaxBreaches {
		t.longest = slices.Insert(t.longest, i, b)
		if len(t.longest) > MaxBreaches {
			t.longest = t.longest[:MaxBreaches]
		}
	}
}

func (t *Timing) finish() {
	t.Count = t.s.n
	t.Target = duration.Duration(t.target)
	q := t.s.quantiles(0.5, 0.9)
	t.Median, t.P90, t.Max = round(q[0]), round(q[1]), round(t.s.max)
	t.WithinTarget = 1
	if t.Count > 0 {
		t.WithinTarget = math.Round(float64(t.within)/float64(t.Count)*1000) / 1000
	}
	t.Breached = append([]Breach{}, t.longest...)
}

// round rounds d to the second: durations print in the format's syntax.
func round(d time.Duration) duration.Duration { return duration.Duration(d.Round(time.Second)) }

// MethodStats is how long a method really took.
type MethodStats struct {
	// Count counts the times it ran to completion.
	Count int `json:"count"`
	// Estimate is the design's estimate; zero when it has none.
	Estimate duration.Duration `json:"estimate,omitempty"`
	// Median and P90 are of the real durations: from call-started to
	// the outcome for an action, from the task (the waiting event, or
	// the event before) to the answer for a person.
	Median duration.Duration `json:"median"`
	P90    duration.Duration `json:"p90"`
	Max    duration.Duration `json:"max"`
	// Ratio is the median over the estimate; 0 without an estimate.
	Ratio float64 `json:"ratio"`
	// Manual is set for a method done by a person.
	Manual bool `json:"manual,omitempty"`

	s sample
}

func (m *MethodStats) finish() {
	m.Count = m.s.n
	q := m.s.quantiles(0.5, 0.9)
	m.Median, m.P90, m.Max = round(q[0]), round(q[1]), round(m.s.max)
	if m.Estimate > 0 && m.Count > 0 {
		m.Ratio = math.Round(float64(q[0])/float64(m.Estimate)*100) / 100
	}
}

// Waiting is the time people took to answer.
type Waiting struct {
	// Parties gives, per party id, the time from each approval request
	// or person task of the party to its answer. A person task belongs
	// to the party responsible for its phase (triage for confirmations
	// and steps, the response's phase for responses).
	Parties map[ident.ID]*Wait `json:"parties"`
	// Methods gives the same per method done by a person.
	Methods map[ident.Number]*Wait `json:"methods"`
	// Approvals gives the same per response needing an approval.
	Approvals map[ident.ID]*Wait `json:"approvals"`
}

// Wait summarises waits.
type Wait struct {
	Count  int               `json:"count"`
	Median duration.Duration `json:"median"`
	P90    duration.Duration `json:"p90"`
	Max    duration.Duration `json:"max"`

	s sample
}

func (w *Wait) finish() {
	w.Count = w.s.n
	q := w.s.quantiles(0.5, 0.9)
	w.Median, w.P90, w.Max = round(q[0]), round(q[1]), round(w.s.max)
}

// PlaybookStats is the paths the runs of a playbook took.
type PlaybookStats struct {
	// Runs counts the runs that started the playbook.
	Runs int `json:"runs"`
	// Steps counts, per step id, the runs that took the step.
	Steps map[ident.ID]int `json:"steps"`
	// Branches lists, per step with branches, the runs that took each
	// branch and their share of the runs that reached the step.
	Branches []BranchStats `json:"branches"`
	// Ends counts the runs by how they ended: "respond: ID" or
	// "end: REASON", with their share of the runs that ended.
	Ends []EndStats `json:"ends"`
}

// BranchStats is how often a branch was taken.
type BranchStats struct {
	Step  ident.ID `json:"step"`
	Index int      `json:"index"`
	Runs  int      `json:"runs"`
	Share float64  `json:"share"`
}

// EndStats is how often a playbook ended one way.
type EndStats struct {
	End   string  `json:"end"`
	Runs  int     `json:"runs"`
	Share float64 `json:"share"`
}

// ActionStats is what happened to the calls of one adapter action.
type ActionStats struct {
	// Calls counts the attempts (call-started events).
	Calls int `json:"calls"`
	// Failed counts the calls that failed in the end.
	Failed int `json:"failed"`
	// Retried counts the attempts that failed and were retried.
	Retried int `json:"retried"`
	// Uncertain counts the calls whose effect is unknown: timed out, or
	// started with no outcome on record.
	Uncertain int `json:"uncertain"`
	// ResponseFailures counts the failures inside a response.
	ResponseFailures int `json:"response_failures"`
	// RolledBack counts the methods of this action undone, and
	// RollbackFailed those whose undoing failed.
	RolledBack     int `json:"rolled_back"`
	RollbackFailed int `json:"rollback_failed"`
}

// ReviewOption configures Review.
type ReviewOption func(*reviewConfig) error

type reviewConfig struct {
	since, until   time.Time
	detectedKey    string
	detectedKeySet bool
	maxFP          float64
	maxFPSet       bool
}

// WithPeriod limits the review to the runs started at or after since and
// before until; a zero time is no limit.
func WithPeriod(since, until time.Time) ReviewOption {
	return func(c *reviewConfig) error {
		if !since.IsZero() && !until.IsZero() && !since.Before(until) {
			return fmt.Errorf("the period is empty: since %s is not before until %s", since.Format(time.RFC3339), until.Format(time.RFC3339))
		}
		c.since, c.until = since, until
		return nil
	}
}

// reviewer holds what Review accumulates.
type reviewer struct {
	d         *secops.Design
	rep       *Report
	pbSteps   map[ident.ID]map[ident.ID]int
	pbBranch  map[ident.ID]map[executor.Branch]int
	pbEnds    map[ident.ID]map[string]int
	phases    map[ident.ID]response.Phase
	approvals map[ident.ID]ident.ID // response → approving party
	sc        *scorer
	maxFP     float64
	// per-record scratch, reused
	started  map[string]time.Time // idempotency key → first call-started
	waitFor  map[ident.Number]time.Time
	waitResp map[ident.ID]time.Time
}

// Review reads run records and compares them with the design: time to
// the first response and to the response per severity against the
// targets, waits on people, method durations against estimates, the
// paths the playbooks took, the failures of adapter calls, and the
// scorecard of detections, sources, parties and outsourced
// responsibilities (see Score, PartyScore, Outsourced). It ends in
// findings on the design: estimate-drift, never-taken,
// target-breached-in-practice, detection-noisy, party-slow and
// disposition-missing.
//
// records yields the records (see ReadRecordFiles); a *BadRecordError
// from it is counted in Invalid, listed as an invalid-record finding
// (the first MaxInvalidFindings), and the review goes on; any other
// error ends the review with that error. Memory grows with the design (its
// severities, methods, parties and steps) and at most MaxSamples
// durations per key, not with the number of records.
func Review(plan *executor.Plan, records iter.Seq2[*executor.Record, error], opts ...ReviewOption) (*Report, error) {
	if plan == nil {
		return nil, errors.New("review: nil plan")
	}
	var c reviewConfig
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, fmt.Errorf("review: %w", err)
		}
	}
	d := plan.Design()
	if !c.maxFPSet {
		c.maxFP = DefaultMaxFalsePositive
	}
	rv := &reviewer{d: d, sc: newScorer(d, &c), maxFP: c.maxFP, rep: &Report{Design: d.Source(), Statuses: map[executor.Status]int{},
		Severities: map[ident.ID]*SeverityStats{}, Methods: map[ident.Number]*MethodStats{},
		Waiting:   Waiting{Parties: map[ident.ID]*Wait{}, Methods: map[ident.Number]*Wait{}, Approvals: map[ident.ID]*Wait{}},
		Playbooks: map[ident.ID]*PlaybookStats{}, Failures: map[string]*ActionStats{}},
		pbSteps: map[ident.ID]map[ident.ID]int{}, pbBranch: map[ident.ID]map[executor.Branch]int{}, pbEnds: map[ident.ID]map[string]int{},
		phases: map[ident.ID]response.Phase{}, approvals: map[ident.ID]ident.ID{},
		started: map[string]time.Time{}, waitFor: map[ident.Number]time.Time{}, waitResp: map[ident.ID]time.Time{}}
	for i := range d.Criteria.Severities {
		s := &d.Criteria.Severities[i]
		rv.rep.severityOrder = append(rv.rep.severityOrder, s.ID)
	}
	rv.rep.detectedKey = rv.sc.detectedKey
	for i := range d.Criteria.Detections {
		rv.rep.detectionIDs = append(rv.rep.detectionIDs, d.Criteria.Detections[i].ID)
	}
	for i := range d.Responses {
		rv.phases[d.Responses[i].ID] = d.Responses[i].Phase
		rv.approvals[d.Responses[i].ID] = d.Responses[i].Approval
	}
	var bad []finding.Finding
	for rec, err := range records {
		var be *BadRecordError
		if errors.As(err, &be) {
			rv.rep.Invalid++
			if len(bad) < MaxInvalidFindings {
				bad = append(bad, finding.Finding{Severity: finding.Warning, Code: InvalidRecord,
					Message: fmt.Sprintf("record %d: %s", be.Record, be.Reason), Position: finding.Position{File: be.File}})
			}
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("review: %w", err)
		}
		if rec == nil {
			continue
		}
		if !c.since.IsZero() && rec.Started.Before(c.since) || !c.until.IsZero() && !rec.Started.Before(c.until) {
			continue
		}
		switch {
		case rec.DryRun:
			rv.rep.Skipped.DryRun++
			continue
		case rec.DesignName != "" && rec.DesignName != d.Metadata.Name:
			rv.rep.Skipped.OtherDesign++
			continue
		}
		rv.record(rec)
	}
	rv.finish()
	rv.rep.Findings = append(rv.rep.Findings, bad...)
	return rv.rep, nil
}

func (rv *reviewer) severity(id ident.ID) *SeverityStats {
	s := rv.rep.Severities[id]
	if s == nil {
		s = &SeverityStats{}
		if sev := rv.d.Criteria.Severities.Get(id); sev != nil {
			s.FirstResponse.target = sev.Targets.FirstResponse.Std()
			if sev.Targets.Response > 0 {
				s.Response = &Timing{target: sev.Targets.Response.Std()}
			}
		}
		rv.rep.Severities[id] = s
	}
	return s
}

func (rv *reviewer) action(a string) *ActionStats {
	s := rv.rep.Failures[a]
	if s == nil {
		s = &ActionStats{}
		rv.rep.Failures[a] = s
	}
	return s
}

func (rv *reviewer) method(id ident.Number) *MethodStats {
	s := rv.rep.Methods[id]
	if s == nil {
		s = &MethodStats{}
		if m := rv.d.Method(id); m != nil {
			s.Estimate, s.Manual = m.Estimate, m.Manual()
		}
		rv.rep.Methods[id] = s
	}
	return s
}

func wait[K comparable](m map[K]*Wait, k K, d time.Duration) {
	w := m[k]
	if w == nil {
		w = &Wait{}
		m[k] = w
	}
	w.s.add(d)
}

// party returns the party that carries out a person's task, and the
// task's phase: the responsible party of its phase (triage for
// confirmations and steps, the response's phase for responses).
func (rv *reviewer) party(e *executor.Event) (ident.ID, scope.Phase) {
	ph := scope.Triage
	if e.Response != "" {
		ph = scope.FirstResponse
		if rv.phases[e.Response] == response.Later {
			ph = scope.Response
		}
	}
	a := rv.d.Scope.Responsibilities.For(ph)
	if a == nil {
		return "(unassigned)", ph
	}
	return a.Responsible, ph
}

// record adds one run.
func (rv *reviewer) record(rec *executor.Record) {
	rep := rv.rep
	rep.Runs++
	rep.Statuses[rec.Status]++
	var sev *SeverityStats
	if rec.Severity != "" {
		sev = rv.severity(rec.Severity)
		sev.Runs++
	}
	clear(rv.started)
	clear(rv.waitFor)
	clear(rv.waitResp)
	rv.sc.begin()
	var deadlines []time.Time
	confirmed, refuted := false, false
	firstDone, responseDone := false, false
	for i := range rec.Events {
		e := &rec.Events[i]
		prev := rec.Started
		if i > 0 {
			prev = rec.Events[i-1].Time
		}
		switch e.Kind {
		case executor.EvCallStarted:
			rv.action(string(e.Action)).Calls++
			if _, ok := rv.started[e.IdempotencyKey]; !ok {
				rv.started[e.IdempotencyKey] = e.Time
			}
		case executor.EvRetry:
			rv.action(string(e.Action)).Retried++
		case executor.EvWaiting:
			if e.Method != "" {
				rv.waitFor[e.Method] = e.Time
			} else if e.Response != "" {
				rv.waitResp[e.Response] = e.Time
			}
		case executor.EvMethod:
			if e.DryRun || e.Method == "" {
				break
			}
			if e.Action != "" && e.IdempotencyKey != "" {
				if t, ok := rv.started[e.IdempotencyKey]; ok {
					if d, ok := elapsed(t, e.Time); ok {
						rv.method(e.Method).s.add(d)
					}
					delete(rv.started, e.IdempotencyKey)
				}
				break
			}
			if e.Action == "" {
				start, waited := rv.waitFor[e.Method]
				if !waited {
					start = prev
				}
				delete(rv.waitFor, e.Method)
				took, ok := elapsed(start, e.Time)
				if !ok {
					break
				}
				rv.method(e.Method).s.add(took)
				wait(rep.Waiting.Methods, e.Method, took)
				party, phase := rv.party(e)
				wait(rep.Waiting.Parties, party, took)
				rv.sc.task(party, phase, start, e.Time, took)
			}
		case executor.EvMethodFailed:
			if e.Action != "" {
				a := rv.action(string(e.Action))
				a.Failed++
				if e.Uncertain {
					a.Uncertain++
				}
				if e.Response != "" {
					a.ResponseFailures++
				}
			}
			delete(rv.started, e.IdempotencyKey)
		case executor.EvApproval, executor.EvRejected:
			start, waited := rv.waitResp[e.Response]
			if !waited {
				start = prev
			}
			delete(rv.waitResp, e.Response)
			took, ok := elapsed(start, e.Time)
			if !ok {
				break
			}
			wait(rep.Waiting.Approvals, e.Response, took)
			if p := rv.approvals[e.Response]; p != "" {
				wait(rep.Waiting.Parties, p, took)
				rv.sc.approval(p, start, e.Time, took)
			}
		case executor.EvRolledBack, executor.EvRollbackFailed, executor.EvRollbackManual:
			delete(rv.started, e.IdempotencyKey)
			if m := rv.d.Method(e.Method); m != nil && m.Action != "" {
				a := rv.action(string(m.Action))
				if e.Kind == executor.EvRollbackFailed {
					a.RollbackFailed++
				} else {
					a.RolledBack++
				}
			}
		case executor.EvConfirmed:
			confirmed = true
		case executor.EvNotConfirmed:
			refuted = true
		case executor.EvResponseComplete:
			if sev == nil || e.DryRun {
				break
			}
			took, ok := elapsed(rec.Started, e.Time)
			if !ok {
				break
			}
			switch rv.phases[e.Response] {
			case response.FirstResponse:
				if !firstDone {
					firstDone = true
					sev.FirstResponse.add(rec.ID, took)
					if t := sev.FirstResponse.target; t > 0 && took > t {
						deadlines = append(deadlines, rec.Started.Add(t))
					}
				}
			case response.Later:
				if !responseDone && sev.Response != nil {
					responseDone = true
					sev.Response.add(rec.ID, took)
					if t := sev.Response.target; t > 0 && took > t {
						deadlines = append(deadlines, rec.Started.Add(t))
					}
				}
			}
		}
	}
	// Calls started with no outcome on record: their effect is unknown.
	for key := range rv.started {
		for i := range rec.Events {
			if e := &rec.Events[i]; e.Kind == executor.EvCallStarted && e.IdempotencyKey == key {
				rv.action(string(e.Action)).Uncertain++
				break
			}
		}
	}
	if rec.Playbook != "" {
		rv.path(rec)
	}
	rv.sc.end(rec, refuted, confirmed, deadlines)
}

// elapsed is the time from from to to; false when to is before from (a
// record whose clock went back, or events without times), which no
// figure counts.
func elapsed(from, to time.Time) (time.Duration, bool) {
	if from.IsZero() || to.IsZero() {
		return 0, false
	}
	d := to.Sub(from)
	return d, d >= 0
}

// path adds the path of a run of a playbook.
func (rv *reviewer) path(rec *executor.Record) {
	id := rec.Playbook
	ps := rv.rep.Playbooks[id]
	if ps == nil {
		ps = &PlaybookStats{}
		rv.rep.Playbooks[id] = ps
		rv.pbSteps[id], rv.pbBranch[id], rv.pbEnds[id] = map[ident.ID]int{}, map[executor.Branch]int{}, map[string]int{}
	}
	ps.Runs++
	seen := map[ident.ID]bool{}
	for _, s := range rec.Path {
		if !seen[s] {
			seen[s] = true
			rv.pbSteps[id][s]++
		}
	}
	for _, b := range rec.Branches {
		rv.pbBranch[id][b]++
	}
	switch {
	case rec.Response != "":
		rv.pbEnds[id]["respond: "+string(rec.Response)]++
	case rec.End != "":
		rv.pbEnds[id]["end: "+rec.End]++
	}
}

// finish turns the aggregates into the report and its findings.
func (rv *reviewer) finish() {
	rep, d := rv.rep, rv.d
	for _, s := range rep.Severities {
		s.FirstResponse.finish()
		if s.Response != nil {
			s.Response.finish()
		}
	}
	for _, m := range rep.Methods {
		m.finish()
	}
	for _, ws := range []map[ident.ID]*Wait{rep.Waiting.Parties, rep.Waiting.Approvals} {
		for _, w := range ws {
			w.finish()
		}
	}
	for _, w := range rep.Waiting.Methods {
		w.finish()
	}
	rep.stepOrder = map[ident.ID][]ident.ID{}
	for i := range d.Playbooks {
		if rep.Playbooks[d.Playbooks[i].ID] != nil {
			rep.playbookOrder = append(rep.playbookOrder, d.Playbooks[i].ID)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(rep.Playbooks)) {
		if !slices.Contains(rep.playbookOrder, id) {
			rep.playbookOrder = append(rep.playbookOrder, id)
		}
	}
	for id, ps := range rep.Playbooks {
		ps.Steps = rv.pbSteps[id]
		pb := d.Playbook(id)
		var order []ident.ID
		if pb != nil {
			for j := range pb.Steps {
				order = append(order, pb.Steps[j].ID)
			}
		}
		for _, s := range slices.Sorted(maps.Keys(ps.Steps)) {
			if !slices.Contains(order, s) {
				order = append(order, s)
			}
		}
		rep.stepOrder[id] = order
		ps.Branches = []BranchStats{}
		if pb != nil {
			for j := range pb.Steps {
				st := &pb.Steps[j]
				for k := range st.Branches {
					n := rv.pbBranch[id][executor.Branch{Step: st.ID, Index: k}]
					ps.Branches = append(ps.Branches, BranchStats{Step: st.ID, Index: k, Runs: n, Share: share(n, ps.Steps[st.ID])})
				}
			}
		}
		ended := 0
		for _, n := range rv.pbEnds[id] {
			ended += n
		}
		ps.Ends = []EndStats{}
		for _, e := range slices.Sorted(maps.Keys(rv.pbEnds[id])) {
			ps.Ends = append(ps.Ends, EndStats{End: e, Runs: rv.pbEnds[id][e], Share: share(rv.pbEnds[id][e], ended)})
		}
	}
	rv.sc.finish(rep)
	rep.Findings = reviewFindings(d, rep)
	rep.Findings = append(rep.Findings, scorecardFindings(d, rep, rv.maxFP)...)
	rep.Findings.Sort()
}

func share(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(of)*1000) / 1000
}

// reviewFindings are the findings of a review on the design.
func reviewFindings(d *secops.Design, rep *Report) finding.List {
	l := finding.List{}
	for i := range d.Processes {
		for j := range d.Processes[i].Methods {
			m := &d.Processes[i].Methods[j]
			ms := rep.Methods[m.ID]
			if ms == nil || ms.Count < MinRuns || m.Estimate <= 0 || ms.Ratio <= 1.5 && ms.Ratio >= 0.5 {
				continue
			}
			way := "more"
			if ms.Ratio < 0.5 {
				way = "less"
			}
			l = append(l, at(d, EstimateDrift, finding.NewPath("processes").Index(i).Child("methods").Index(j).Child("estimate"),
				"method %s took %s at the median of %d runs, %s than the estimate %s (%.2g×): write estimate: %s",
				m.ID, ms.Median, ms.Count, way, m.Estimate, ms.Ratio, suggest(ms.Median)))
		}
	}
	for i := range d.Criteria.Severities {
		s := &d.Criteria.Severities[i]
		ss := rep.Severities[s.ID]
		if ss == nil {
			continue
		}
		target := finding.NewPath("criteria", "severities").Index(i).Child("targets")
		for _, t := range []struct {
			key    string
			timing *Timing
		}{{"first_response", &ss.FirstResponse}, {"response", ss.Response}} {
			if t.timing == nil || t.timing.Target == 0 || t.timing.Count == 0 {
				continue
			}
			if float64(t.timing.Breaches) > 0.1*float64(t.timing.Count) {
				l = append(l, at(d, TargetBreachedInPractice, target.Child(t.key),
					"%d of %d runs of severity %s (%s) took longer than the %s target %s; the longest took %s",
					t.timing.Breaches, t.timing.Count, s.ID, percent(t.timing.Breaches, t.timing.Count), strings.ReplaceAll(t.key, "_", " "), t.timing.Target, t.timing.Max))
			}
		}
	}
	for i := range d.Playbooks {
		pb := &d.Playbooks[i]
		ps := rep.Playbooks[pb.ID]
		if ps == nil || ps.Runs < MinRuns {
			continue
		}
		for j := range pb.Steps {
			st := &pb.Steps[j]
			sp := finding.NewPath("playbooks").Index(i).Child("steps").Index(j)
			if ps.Steps[st.ID] == 0 {
				l = append(l, at(d, NeverTaken, sp, "no run of the %d of playbook %s took step %s", ps.Runs, pb.ID, st.ID))
				continue
			}
			for k := range st.Branches {
				for _, b := range ps.Branches {
					if b.Step == st.ID && b.Index == k && b.Runs == 0 {
						l = append(l, at(d, NeverTaken, sp.Child("branches").Index(k),
							"no run of the %d that reached step %s took its branch %d", ps.Steps[st.ID], st.ID, k))
					}
				}
			}
		}
	}
	l.Sort()
	return l
}

// suggest rounds a median to what an estimate would say: whole minutes
// from a minute up, whole seconds below.
func suggest(d duration.Duration) duration.Duration {
	if d.Std() >= time.Minute {
		return duration.Duration(max(d.Std().Round(time.Minute), time.Minute))
	}
	return duration.Duration(max(d.Std().Round(time.Second), time.Second))
}
