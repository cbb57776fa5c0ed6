package review

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/expr"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/response"
	"github.com/secopsdesign/secops/scope"
)

// The codes of the findings Replay and Review make. Their severity is in
// the findings; finding.Code.Severity does not know them.
const (
	// DetectionNeverMatched: no alert of the history matched the
	// detection's when (warning, at the when).
	DetectionNeverMatched finding.Code = "detection-never-matched"
	// DetectionShadowed: most of the alerts the detection matches were
	// taken by an earlier detection (warning, at the when).
	DetectionShadowed finding.Code = "detection-shadowed"
	// UnmatchedAlerts: alerts that no detection matched, with their
	// largest groups (warning, at criteria.detections).
	UnmatchedAlerts finding.Code = "unmatched-alerts"
	// InvalidAlert: a line of an alert file that is not an alert, at
	// its file and line (warning; the first 20 only).
	InvalidAlert finding.Code = "invalid-alert"
)

// MaxInvalidFindings is how many invalid lines Replay lists as findings.
const MaxInvalidFindings = 20

// MaxGroups bounds the distinct values of the group-by key that Replay
// counts; the alerts of further values are counted under OtherGroup.
const MaxGroups = 10000

// OtherGroup and MissingGroup name the unmatched groups of alerts whose
// value came after MaxGroups others, and of alerts without the key.
const (
	OtherGroup   = "(other)"
	MissingGroup = "(missing)"
)

// ReplayOption configures Replay.
type ReplayOption func(*replayConfig) error

type replayConfig struct {
	timeKey       string
	timeKeySet    bool
	groupBy       string
	ignoreUnknown bool
}

// WithUnknownKeysIgnored drops the keys of each alert that are not
// fields of the design before checking and matching it. Without it, as
// the executor's Run, an alert with such a key is invalid: a misspelt key
// would otherwise pass unseen. Detections read only fields, so dropping
// the other keys changes no decision; grouping still sees them.
func WithUnknownKeysIgnored() ReplayOption {
	return func(c *replayConfig) error { c.ignoreUnknown = true; return nil }
}

// WithTimeKey names the alert key holding each alert's time (RFC 3339),
// which sorts alerts into days; by default the design's first field of
// type time. "" counts no days.
func WithTimeKey(key string) ReplayOption {
	return func(c *replayConfig) error { c.timeKey, c.timeKeySet = key, true; return nil }
}

// WithGroupBy names the alert key whose values group the unmatched
// alerts, e.g. category.
func WithGroupBy(key string) ReplayOption {
	return func(c *replayConfig) error {
		if strings.TrimSpace(key) == "" {
			return errors.New("group-by: empty key")
		}
		c.groupBy = key
		return nil
	}
}

// ReplayReport is what the design would have done with an alert history.
type ReplayReport struct {
	// Alerts counts the alerts read, invalid ones included: Alerts is
	// Matched + Unmatched + Invalid.
	Alerts int `json:"alerts"`
	// Matched counts the alerts some detection matched.
	Matched int `json:"matched"`
	// Unmatched counts the valid alerts no detection matched.
	Unmatched int `json:"unmatched"`
	// Invalid counts the lines that were not alerts, or whose values do
	// not fit the design's fields, or on which a detection failed as it
	// would fail a run.
	Invalid int `json:"invalid"`
	// Detections lists every detection in design order.
	Detections []DetectionCount `json:"detections"`
	// Incidents counts the matched alerts by incident id.
	Incidents map[ident.ID]int `json:"incidents"`
	// Severities counts the matched alerts by severity id.
	Severities map[ident.ID]int `json:"severities"`
	// Triaged counts the matched alerts at or above the triage
	// threshold.
	Triaged int `json:"triaged"`
	// NeedsConfirmation counts the matched alerts whose detection has a
	// confirmation, which replay does not run: they are counted as if
	// confirmed.
	NeedsConfirmation int `json:"needs_confirmation"`
	// WithoutTime counts the valid alerts without a time (under the time
	// key, in RFC 3339): they are in no day.
	WithoutTime int `json:"without_time"`
	// PerDay lists the days that have alerts, in order.
	PerDay []Day `json:"per_day"`
	// Workload is the time the triaged alerts cost by the design's
	// estimates.
	Workload Workload `json:"workload"`
	// UnmatchedGroups lists the unmatched alerts by the group-by key's
	// value, largest first; empty without a group-by key.
	UnmatchedGroups []Group `json:"unmatched_groups"`
	// Findings are on the design (with its positions) and on the alert
	// files (invalid lines).
	Findings finding.List `json:"findings"`

	// TimeKey and GroupBy are the keys the replay used.
	TimeKey string `json:"-"`
	GroupBy string `json:"-"`
	// Design is the design's source file name.
	Design string `json:"-"`
	// severityOrder lists the design's severities, most severe first.
	severityOrder []ident.ID
}

// DetectionCount is what one detection did.
type DetectionCount struct {
	// ID is the detection's id.
	ID ident.ID `json:"id"`
	// Matched counts the alerts the detection took: it was the first
	// whose when held.
	Matched int `json:"matched"`
	// Shadowed counts the alerts the detection also matched but an
	// earlier one took.
	Shadowed int `json:"shadowed"`
	// ShadowedBy counts Shadowed by the detection that took the alerts,
	// in design order.
	ShadowedBy []Count `json:"-"`
}

// Count is a count of something named.
type Count struct {
	ID    string
	Count int
}

// Day is what came in on one day: the date as the alerts' timestamps
// write it (in their own offset).
type Day struct {
	// Day is the date, 2006-01-02.
	Day string `json:"day"`
	// Alerts counts the valid alerts.
	Alerts int `json:"alerts"`
	// Matched counts the matched alerts.
	Matched int `json:"matched"`
	// Triaged counts the alerts to triage.
	Triaged int `json:"triaged"`
	// Severities counts the matched alerts by severity.
	Severities map[ident.ID]int `json:"severities"`
	// Shortest and Longest are the workload of the day's triaged alerts
	// in hours (see Workload).
	Shortest float64 `json:"shortest_hours"`
	Longest  float64 `json:"longest_hours"`
}

// Workload is the analyst time the triaged alerts imply: for each, the
// sum of the estimates of its confirmation and of the playbook it starts,
// response included, along the shortest path (methods with a when
// skipped, the cheapest branch, and a confirmation that does not hold) and
// the longest (everything runs, the dearest branch).
type Workload struct {
	// Shortest and Longest are the totals in hours.
	Shortest float64 `json:"shortest_hours"`
	Longest  float64 `json:"longest_hours"`
	// Playbooks lists the playbooks the alerts start, in design order.
	Playbooks []PlaybookLoad `json:"playbooks"`
	// Parties lists each party's share of the workload: the party
	// responsible for triage carries the confirmations and the steps,
	// those of first response and response the responses of their
	// phase. Each share's shortest and longest are over its own paths.
	Parties []PartyLoad `json:"parties"`
}

// PartyLoad is one party's share of a workload.
type PartyLoad struct {
	// ID is the party's id.
	ID ident.ID `json:"id"`
	// Shortest and Longest are the totals in hours.
	Shortest float64 `json:"shortest_hours"`
	Longest  float64 `json:"longest_hours"`
}

// PlaybookLoad is the workload of one playbook.
type PlaybookLoad struct {
	// ID is the playbook's id.
	ID ident.ID `json:"id"`
	// Alerts counts the triaged alerts that start it.
	Alerts int `json:"alerts"`
	// PerAlertShortest and PerAlertLongest are its own span in hours.
	PerAlertShortest float64 `json:"per_alert_shortest_hours"`
	PerAlertLongest  float64 `json:"per_alert_longest_hours"`
	// Shortest and Longest are the totals in hours, confirmations
	// included.
	Shortest float64 `json:"shortest_hours"`
	Longest  float64 `json:"longest_hours"`
}

// Group is a value of the group-by key and how many unmatched alerts had
// it.
type Group struct {
	// Value is the key's value as text (JSON for what is not a string).
	Value string `json:"value"`
	// Count counts the alerts.
	Count int `json:"count"`
}

// detector is a detection compiled for replay.
type detector struct {
	when     *expr.Program
	severity int // index in the design's severities, -1 unknown
	triaged  bool
	confirm  bool
	playbook int  // index in the design's playbooks, -1 none
	load     span // of the alert it takes, confirmation included
	// partyLoad is load shared among the matcher's parties: each
	// party's span of it.
	partyLoad []span
}

type dayAcc struct {
	alerts, matched, triaged int
	severities               []int
	load                     span
}

// Replay runs each alert through the design's detections as the executor
// decides them (see executor.Engine.Run): an alert that does not fit the
// design (executor.Plan.CheckAlert: a key that is not a field, unless
// WithUnknownKeysIgnored, or a value of the wrong type) is invalid, a detection reading a key the alert
// lacks does not match, and the first detection that holds takes the
// alert. Every later detection is tried as well, to count what each one
// shadows. Confirmations are not run. Memory grows with the days, the
// detections and the distinct group-by values (at most MaxGroups), not
// with the alerts.
//
// alerts yields the alerts (see ReadAlerts); an error from it ends the
// replay with that error. So does ctx being done.
func Replay(ctx context.Context, plan *executor.Plan, alerts iter.Seq2[Alert, error], opts ...ReplayOption) (*ReplayReport, error) {
	r, err := NewReplayer(plan, opts...)
	if err != nil {
		return nil, err
	}
	n := 0
	for a, err := range alerts {
		if err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
		if n++; n&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("replay: %w", err)
			}
		}
		r.Add(ctx, a)
	}
	return r.Report(), nil
}

// What Replayer.Add returns for an alert no detection took.
const (
	// NotMatched: no detection matched the alert.
	NotMatched = -1
	// NotValid: the alert is invalid (see Replay).
	NotValid = -2
)

// Replayer replays an alert history one alert at a time, as Replay does
// (Replay is a Replayer given the whole history), so that a caller can
// see where each alert went: package change replays one history through
// two designs at once.
type Replayer struct {
	c           replayConfig
	d           *secops.Design
	m           *matcher
	rep         *ReplayReport
	took        []int
	shadow      []int // shadow[i*n+j]: i matched, j took
	days        map[string]*dayAcc
	groups      map[string]int
	pbAlerts    []int
	pbLoad      []span
	partyLoad   []span
	totalLoad   span
	timeIsField bool
	onShadow    func(i, first int)
}

// NewReplayer compiles plan's detections for replay.
func NewReplayer(plan *executor.Plan, opts ...ReplayOption) (*Replayer, error) {
	if plan == nil {
		return nil, errors.New("replay: nil plan")
	}
	d := plan.Design()
	var c replayConfig
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
	}
	if !c.timeKeySet {
		for _, f := range d.Fields {
			if f.Type == process.Time && !f.List {
				c.timeKey = string(f.ID)
				break
			}
		}
	}
	m, err := newMatcher(plan)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	m.ignoreUnknown = c.ignoreUnknown
	timeField := m.fields[c.timeKey]
	n := len(m.dets)
	r := &Replayer{c: c, d: d, m: m, rep: &ReplayReport{TimeKey: c.timeKey, GroupBy: c.groupBy, Design: d.Source()},
		took: make([]int, n), shadow: make([]int, n*n), days: map[string]*dayAcc{}, groups: map[string]int{},
		pbAlerts: make([]int, len(d.Playbooks)), pbLoad: make([]span, len(d.Playbooks)), partyLoad: make([]span, len(m.parties)),
		timeIsField: timeField != nil && timeField.Type == process.Time && !timeField.List}
	r.onShadow = func(i, first int) { r.shadow[i*n+first]++ }
	return r, nil
}

// Add replays alert a and returns the index, among the design's
// detections, of the one that took it: NotMatched when none did,
// NotValid when the alert is invalid. ctx does not end the evaluation of
// the detections (the caller checks it between alerts).
func (r *Replayer) Add(ctx context.Context, a Alert) int {
	rep, c, dets := r.rep, &r.c, r.m.dets
	rep.Alerts++
	if a.Invalid != "" {
		r.invalid(a, a.Invalid)
		return NotValid
	}
	first, failed := r.m.match(context.WithoutCancel(ctx), a.Fields, r.onShadow)
	if failed != "" {
		r.invalid(a, failed)
		return NotValid
	}
	if first >= 0 {
		r.took[first]++
	}
	var day *dayAcc
	if s, ok := a.Fields[c.timeKey].(string); ok && c.timeKey != "" && dayOf(s, r.timeIsField) {
		if day = r.days[s[:10]]; day == nil {
			day = &dayAcc{severities: make([]int, len(r.d.Criteria.Severities))}
			r.days[s[:10]] = day
		}
		day.alerts++
	} else {
		rep.WithoutTime++
	}
	if first < 0 {
		rep.Unmatched++
		if c.groupBy != "" {
			g := groupValue(a.Fields, c.groupBy)
			if _, ok := r.groups[g]; !ok && len(r.groups) >= MaxGroups {
				g = OtherGroup
			}
			r.groups[g]++
		}
		return NotMatched
	}
	rep.Matched++
	dt := &dets[first]
	if dt.confirm {
		rep.NeedsConfirmation++
	}
	if dt.triaged {
		rep.Triaged++
	}
	r.totalLoad = r.totalLoad.plus(dt.load)
	for k, l := range dt.partyLoad {
		r.partyLoad[k] = r.partyLoad[k].plus(l)
	}
	if dt.playbook >= 0 && dt.triaged {
		r.pbAlerts[dt.playbook]++
		r.pbLoad[dt.playbook] = r.pbLoad[dt.playbook].plus(dt.load)
	}
	if day != nil {
		day.matched++
		if dt.triaged {
			day.triaged++
		}
		if dt.severity >= 0 {
			day.severities[dt.severity]++
		}
		day.load = day.load.plus(dt.load)
	}
	return first
}

func (r *Replayer) invalid(a Alert, why string) {
	rep := r.rep
	rep.Invalid++
	if rep.Invalid <= MaxInvalidFindings {
		rep.Findings = append(rep.Findings, finding.Finding{Severity: finding.Warning, Code: InvalidAlert,
			Message:  why,
			Position: finding.Position{File: a.File, Line: a.Line, Column: 1}})
	}
}

// Report is the replay of the alerts added so far. Call it once, at the
// end.
func (r *Replayer) Report() *ReplayReport {
	rep, d, n := r.rep, r.d, len(r.m.dets)
	pbSpans := r.m.pbSpans
	// The aggregates, in design order.
	rep.Incidents, rep.Severities = map[ident.ID]int{}, map[ident.ID]int{}
	for i := range d.Criteria.Severities {
		rep.severityOrder = append(rep.severityOrder, d.Criteria.Severities[i].ID)
	}
	for i := range r.m.dets {
		det := &d.Criteria.Detections[i]
		dc := DetectionCount{ID: det.ID, Matched: r.took[i]}
		for j := range n {
			if s := r.shadow[i*n+j]; s > 0 {
				dc.Shadowed += s
				dc.ShadowedBy = append(dc.ShadowedBy, Count{string(d.Criteria.Detections[j].ID), s})
			}
		}
		rep.Detections = append(rep.Detections, dc)
		if r.took[i] > 0 {
			rep.Incidents[det.Incident] += r.took[i]
			rep.Severities[det.Severity] += r.took[i]
		}
	}
	for day, acc := range r.days {
		dd := Day{Day: day, Alerts: acc.alerts, Matched: acc.matched, Triaged: acc.triaged,
			Severities: map[ident.ID]int{}, Shortest: hours(acc.load.min), Longest: hours(acc.load.max)}
		for i, k := range acc.severities {
			if k > 0 {
				dd.Severities[d.Criteria.Severities[i].ID] = k
			}
		}
		rep.PerDay = append(rep.PerDay, dd)
	}
	slices.SortFunc(rep.PerDay, func(a, b Day) int { return strings.Compare(a.Day, b.Day) })
	rep.Workload = Workload{Shortest: hours(r.totalLoad.min), Longest: hours(r.totalLoad.max), Playbooks: []PlaybookLoad{}}
	for i := range d.Playbooks {
		if r.pbAlerts[i] == 0 {
			continue
		}
		rep.Workload.Playbooks = append(rep.Workload.Playbooks, PlaybookLoad{ID: d.Playbooks[i].ID, Alerts: r.pbAlerts[i],
			PerAlertShortest: hours(pbSpans[i].min), PerAlertLongest: hours(pbSpans[i].max),
			Shortest: hours(r.pbLoad[i].min), Longest: hours(r.pbLoad[i].max)})
	}
	rep.Workload.Parties = make([]PartyLoad, len(r.m.parties))
	for k, id := range r.m.parties {
		rep.Workload.Parties[k] = PartyLoad{ID: id, Shortest: hours(r.partyLoad[k].min), Longest: hours(r.partyLoad[k].max)}
	}
	rep.UnmatchedGroups = make([]Group, 0, len(r.groups))
	for v, k := range r.groups {
		rep.UnmatchedGroups = append(rep.UnmatchedGroups, Group{v, k})
	}
	slices.SortFunc(rep.UnmatchedGroups, func(a, b Group) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Value, b.Value))
	})
	if rep.PerDay == nil {
		rep.PerDay = []Day{}
	}
	// The design's findings by position, then the invalid lines in the
	// order read.
	onDesign := replayFindings(d, rep)
	onDesign.Sort()
	rep.Findings = append(append(finding.List{}, onDesign...), rep.Findings...)
	return rep
}

// hours converts d to hours, rounded to a hundredth.
func hours(d time.Duration) float64 {
	h, _ := strconv.ParseFloat(strconv.FormatFloat(d.Hours(), 'f', 2, 64), 64)
	return h
}

// dayOf reports whether s is an RFC 3339 time, whose first ten bytes are
// then its date; checked reports that the design's field check has parsed
// it already.
func dayOf(s string, checked bool) bool {
	if checked {
		return len(s) >= 10
	}
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}

// matcher decides which detection takes an alert.
type matcher struct {
	plan *executor.Plan
	d    *secops.Design
	// ignoreUnknown drops the keys that are not fields before matching.
	ignoreUnknown bool
	fields        map[string]*process.Field
	dets          []detector
	pbSpans       []span     // of the design's playbooks
	parties       []ident.ID // that share the workload (see loadParties)
	vars          expr.Vars
}

// newMatcher compiles d's detections and works out what each costs.
func newMatcher(plan *executor.Plan) (*matcher, error) {
	d := plan.Design()
	m := &matcher{plan: plan, d: d, fields: make(map[string]*process.Field, len(d.Fields)),
		dets: make([]detector, len(d.Criteria.Detections)), pbSpans: make([]span, len(d.Playbooks)), parties: loadParties(d)}
	for i := range d.Fields {
		m.fields[string(d.Fields[i].ID)] = &d.Fields[i]
	}
	for i := range d.Playbooks {
		m.pbSpans[i] = playbookSpan(d, &d.Playbooks[i])
	}
	for i := range d.Criteria.Detections {
		det := &d.Criteria.Detections[i]
		prg, err := expr.Compile(expr.Alert, det.When)
		if err != nil {
			return nil, fmt.Errorf("detection %s: %w", det.ID, err)
		}
		dt := detector{when: prg, severity: d.Criteria.Severities.Index(det.Severity),
			triaged: d.Criteria.Triaged(det.Severity), confirm: det.Confirm != nil, playbook: -1}
		for j := range d.Playbooks {
			if d.Playbooks[j].Handles(det.Incident) {
				dt.playbook = j // the first, as Design.PlaybookFor
				break
			}
		}
		// What taking an alert costs: the confirmation runs first,
		// whatever the severity; the playbook when triaged.
		var conf span
		if dt.confirm {
			conf = methodsSpan(d, det.Confirm.Process)
		}
		switch {
		case dt.triaged && dt.playbook >= 0 && dt.confirm:
			// The shortest: the confirmation does not hold.
			dt.load = span{conf.min, conf.max + m.pbSpans[dt.playbook].max}
		case dt.triaged && dt.playbook >= 0:
			dt.load = m.pbSpans[dt.playbook]
		default:
			dt.load = conf
		}
		for _, party := range m.parties {
			triage := responsible(d, scope.Triage, party)
			var own, pb span
			if triage {
				own = conf
			}
			if dt.triaged && dt.playbook >= 0 {
				pb = playbookSpanOf(d, &d.Playbooks[dt.playbook], triage, func(r *response.Response) bool {
					return responsible(d, responsePhase(r), party)
				})
			}
			l := own.plus(pb)
			if dt.confirm && dt.triaged && dt.playbook >= 0 {
				l.min = own.min // the confirmation may not hold
			}
			dt.partyLoad = append(dt.partyLoad, l)
		}
		m.dets[i] = dt
	}
	return m, nil
}

// match returns the index of the detection that takes alert (-1: none),
// or why a run of the alert would fail (the alert's values do not fit
// the fields, or a detection fails before one matches). It calls shadow
// with each later detection i that matches too, and the first.
func (m *matcher) match(ctx context.Context, alert map[string]any, shadow func(i, first int)) (first int, failed string) {
	if m.ignoreUnknown {
		alert = m.known(alert)
	}
	if err := m.plan.CheckAlert(alert); err != nil {
		return -1, err.Error()
	}
	m.vars.Alert = alert
	first = -1
	for i := range m.dets {
		ok, err := m.dets[i].when.Eval(ctx, &m.vars)
		if err != nil {
			// As the executor: a key the alert lacks means no match;
			// any other error fails the run, unless an earlier
			// detection has already taken the alert.
			if first < 0 && executor.AbsentKeys(alert, m.dets[i].when, err) == "" {
				return -1, fmt.Sprintf("detection %s: %v", m.d.Criteria.Detections[i].ID, err)
			}
			continue
		}
		if !ok {
			continue
		}
		if first < 0 {
			first = i
		} else if shadow != nil {
			shadow(i, first)
		}
	}
	return first, ""
}

// known returns alert without the keys that are not fields: alert
// itself when it has none.
func (m *matcher) known(alert map[string]any) map[string]any {
	for k := range alert {
		if m.fields[k] == nil {
			out := make(map[string]any, len(alert))
			for k, v := range alert {
				if m.fields[k] != nil {
					out[k] = v
				}
			}
			return out
		}
	}
	return alert
}

// groupValue is the text of alert[key]: a string as is, anything else as
// JSON.
func groupValue(alert map[string]any, key string) string {
	v, ok := alert[key]
	switch v := v.(type) {
	case string:
		return v
	case nil:
		if !ok {
			return MissingGroup
		}
	}
	return jsonText(v)
}
