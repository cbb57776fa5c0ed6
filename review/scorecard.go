package review

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/response"
	"github.com/secopsdesign/secops/scope"
)

// The codes of the scorecard's findings.
const (
	// DetectionNoisy: over at least MinNoisyRuns runs with a
	// disposition, a detection's false-positive rate is above the
	// maximum (WithMaxFalsePositive; warning, at its when).
	DetectionNoisy finding.Code = "detection-noisy"
	// PartySlow: over at least MinRuns runs that waited on a party, a
	// target passed while they waited on it in more than 10% of them
	// (warning, at the party).
	PartySlow finding.Code = "party-slow"
	// DispositionMissing: an end of a playbook (a respond or end) with no
	// disposition, in a design where some end has one (warning, at the
	// step or branch).
	DispositionMissing finding.Code = "disposition-missing"
	// InvalidRecord: a value of a record file that is no readable run
	// record, at its file (warning; the first MaxInvalidFindings only).
	InvalidRecord finding.Code = "invalid-record"
)

// MinNoisyRuns is the fewest runs with a disposition on which Review
// judges a detection noisy.
const MinNoisyRuns = 10

// DefaultMaxFalsePositive is the false-positive rate above which a
// detection is noisy, unless WithMaxFalsePositive says otherwise.
const DefaultMaxFalsePositive = 0.5

// Score is what the runs of one detection, or of all the detections of
// one source, came to.
type Score struct {
	// Source is the detection's source party (for a detection).
	Source ident.ID `json:"source,omitempty"`
	// Runs counts the runs the alerts of the detection started.
	Runs int `json:"runs"`
	// Asked counts the runs whose detection asks for a confirmation;
	// Confirmed and Refuted count the confirmations that held and those
	// that did not (the rest are still open); a refuted alert is a false positive unless the
	// confirmation says otherwise.
	Asked     int `json:"asked"`
	Confirmed int `json:"confirmed"`
	Refuted   int `json:"refuted"`
	// Dispositions counts the runs that ended by their disposition (see
	// Disposition), and Rates gives each as a share of them.
	Dispositions map[playbook.Disposition]int     `json:"dispositions"`
	Rates        map[playbook.Disposition]float64 `json:"rates"`
	// Undisposed counts the runs that ended at an end with no
	// disposition.
	Undisposed int `json:"undisposed"`
	// FalsePositiveRate is the false positives over the runs with a
	// disposition; 0 without any.
	FalsePositiveRate float64 `json:"false_positive_rate"`
}

func newScore(source ident.ID) *Score {
	return &Score{Source: source, Dispositions: map[playbook.Disposition]int{}, Rates: map[playbook.Disposition]float64{}}
}

// disposed counts the runs with a disposition.
func (s *Score) disposed() int {
	n := 0
	for _, k := range s.Dispositions {
		n += k
	}
	return n
}

func (s *Score) finish() {
	n := s.disposed()
	for d, k := range s.Dispositions {
		s.Rates[d] = share(k, n)
	}
	s.FalsePositiveRate = share(s.Dispositions[playbook.FalsePositive], n)
}

// PartyScore is what a party did in the runs and how long they waited on
// it.
type PartyScore struct {
	// Sourcing is the party's, as the design says.
	Sourcing scope.Sourcing `json:"sourcing,omitempty"`
	// Tasks counts the person's tasks it answered; Approvals the
	// approvals it gave or refused.
	Tasks     int `json:"tasks"`
	Approvals int `json:"approvals"`
	// Runs counts the runs that waited on it.
	Runs int `json:"runs"`
	// Waiting is the time from each of its tasks and approval requests
	// to the answer.
	Waiting Wait `json:"waiting"`
	// Breaches counts the runs whose first-response or response target
	// passed while the run waited on the party, and BreachRate gives
	// them as a share of Runs.
	Breaches   int     `json:"breaches"`
	BreachRate float64 `json:"breach_rate"`
}

// Outsourced compares what the design gives an outsourced party in one
// phase with what the runs show of it.
type Outsourced struct {
	// Phase and Party are the responsibility.
	Phase scope.Phase `json:"phase"`
	Party ident.ID    `json:"party"`
	// Designed counts what the design hands the party in the phase: for
	// detection, the detections naming it as their source; otherwise the
	// methods done by a person in the phase's processes.
	Designed int `json:"designed"`
	// Runs counts the runs in which the party did its part: for
	// detection, the runs its alerts started; otherwise the runs with a
	// task of the phase answered by it.
	Runs int `json:"runs"`
	// Tasks counts its tasks of the phase in the runs (0 for detection).
	Tasks int `json:"tasks"`
	// Refuted counts, for detection, the runs whose confirmation did not
	// hold.
	Refuted int `json:"refuted,omitempty"`
}

// ReviewOption values of the scorecard.

// WithDetectedKey names the alert key holding the time the source
// detected what it reports (RFC 3339), from which the time to notify
// runs to the start of the run; by default the design's first field of
// type time. "" measures no time to notify.
func WithDetectedKey(key string) ReviewOption {
	return func(c *reviewConfig) error { c.detectedKey, c.detectedKeySet = key, true; return nil }
}

// WithMaxFalsePositive sets the false-positive rate above which a
// detection is noisy (DefaultMaxFalsePositive without it).
func WithMaxFalsePositive(rate float64) ReviewOption {
	return func(c *reviewConfig) error {
		if !(rate >= 0 && rate <= 1) {
			return fmt.Errorf("max false positive: %v is not a rate from 0 to 1", rate)
		}
		c.maxFP, c.maxFPSet = rate, true
		return nil
	}
}

// scorer accumulates the scorecard.
type scorer struct {
	d           *secops.Design
	detectedKey string
	dets        map[ident.ID]*Score
	sources     map[ident.ID]*Score
	parties     map[ident.ID]*PartyScore
	phaseTasks  map[scope.Phase]map[ident.ID]int
	phaseRuns   map[scope.Phase]map[ident.ID]int
	notify      map[ident.ID]*Wait
	// per-record scratch
	waits     []partyWait
	partySeen map[ident.ID]bool
	phaseSeen map[scope.Phase]map[ident.ID]bool
}

// partyWait is a time a run waited on a party.
type partyWait struct {
	party      ident.ID
	from, till time.Time
}

func newScorer(d *secops.Design, c *reviewConfig) *scorer {
	s := &scorer{d: d, detectedKey: c.detectedKey, dets: map[ident.ID]*Score{}, sources: map[ident.ID]*Score{},
		parties: map[ident.ID]*PartyScore{}, phaseTasks: map[scope.Phase]map[ident.ID]int{}, phaseRuns: map[scope.Phase]map[ident.ID]int{},
		notify: map[ident.ID]*Wait{}, partySeen: map[ident.ID]bool{}, phaseSeen: map[scope.Phase]map[ident.ID]bool{}}
	if !c.detectedKeySet {
		for _, f := range d.Fields {
			if f.Type == process.Time && !f.List {
				s.detectedKey = string(f.ID)
				break
			}
		}
	}
	for _, p := range d.Scope.Parties {
		s.parties[p.ID] = &PartyScore{Sourcing: p.Sourcing}
	}
	return s
}

func (s *scorer) party(id ident.ID) *PartyScore {
	p := s.parties[id]
	if p == nil {
		p = &PartyScore{}
		s.parties[id] = p
	}
	return p
}

// begin starts a record.
func (s *scorer) begin() {
	s.waits = s.waits[:0]
	clear(s.partySeen)
	for _, m := range s.phaseSeen {
		clear(m)
	}
}

// task adds a person's task of party in phase, waited on from from to
// till.
func (s *scorer) task(party ident.ID, phase scope.Phase, from, till time.Time, took time.Duration) {
	p := s.party(party)
	p.Tasks++
	p.Waiting.s.add(took)
	s.waits = append(s.waits, partyWait{party, from, till})
	if s.phaseTasks[phase] == nil {
		s.phaseTasks[phase], s.phaseRuns[phase], s.phaseSeen[phase] = map[ident.ID]int{}, map[ident.ID]int{}, map[ident.ID]bool{}
	}
	s.phaseTasks[phase][party]++
	if !s.phaseSeen[phase][party] {
		s.phaseSeen[phase][party] = true
		s.phaseRuns[phase][party]++
	}
}

// approval adds an approval by party, asked at from and answered at till.
func (s *scorer) approval(party ident.ID, from, till time.Time, took time.Duration) {
	p := s.party(party)
	p.Approvals++
	p.Waiting.s.add(took)
	s.waits = append(s.waits, partyWait{party, from, till})
}

// end adds what the scorecard takes from a whole record: its detection's
// score, the party a passed target waited on, the time to notify.
// deadlines are the times the run's targets passed before it met them.
func (s *scorer) end(rec *executor.Record, refuted, confirmed bool, deadlines []time.Time) {
	for _, w := range s.waits {
		if !s.partySeen[w.party] {
			s.partySeen[w.party] = true
			s.party(w.party).Runs++
		}
	}
	for _, dl := range deadlines {
		for _, w := range s.waits {
			if !dl.Before(w.from) && dl.Before(w.till) {
				s.party(w.party).Breaches++
				break
			}
		}
	}
	if rec.Detection == "" {
		return
	}
	var source ident.ID
	det := detection(s.d, rec.Detection)
	if det != nil {
		source = det.Source
	}
	ds := s.dets[rec.Detection]
	if ds == nil {
		ds = newScore(source)
		s.dets[rec.Detection] = ds
	}
	src := s.sources[source]
	if src == nil {
		src = newScore("")
		s.sources[source] = src
	}
	disp, ended := Disposition(s.d, rec, refuted)
	for _, sc := range []*Score{ds, src} {
		sc.Runs++
		if det != nil && det.Confirm != nil {
			sc.Asked++
		}
		if confirmed {
			sc.Confirmed++
		}
		if refuted {
			sc.Refuted++
		}
		switch {
		case disp != "":
			sc.Dispositions[disp]++
		case ended:
			sc.Undisposed++
		}
	}
	if s.detectedKey == "" {
		return
	}
	if v, ok := rec.Alert[s.detectedKey].(string); ok {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			if d, ok := elapsed(t, rec.Started); ok {
				wait(s.notify, source, d)
			}
		}
	}
}

// Disposition is what the alert of rec turned out to be, as the design d
// says at the end the run took: the disposition of the confirmation that
// did not hold (refuted; false-positive when it gives none), or of the
// step or branch that ended the playbook. ended reports whether the run
// reached such an end at all; a run that did, at an end with no
// disposition, has disposition "" and ended true.
func Disposition(d *secops.Design, rec *executor.Record, refuted bool) (disp playbook.Disposition, ended bool) {
	if refuted {
		if det := detection(d, rec.Detection); det != nil && det.Confirm != nil && det.Confirm.Disposition != "" {
			return det.Confirm.Disposition, true
		}
		return playbook.FalsePositive, true
	}
	if rec.Playbook == "" || rec.Response == "" && rec.End == "" || len(rec.Path) == 0 {
		return "", false
	}
	pb := d.Playbook(rec.Playbook)
	if pb == nil {
		return "", true
	}
	st := pb.Step(rec.Path[len(rec.Path)-1])
	if st == nil {
		return "", true
	}
	if len(st.Branches) == 0 {
		return st.Disposition, true
	}
	for i := len(rec.Branches) - 1; i >= 0; i-- {
		if b := rec.Branches[i]; b.Step == st.ID && b.Index >= 0 && b.Index < len(st.Branches) {
			return st.Branches[b.Index].Disposition, true
		}
	}
	return "", true
}

// finish puts the scorecard into rep.
func (s *scorer) finish(rep *Report) {
	rep.Detections, rep.Sources, rep.Parties, rep.Notify = s.dets, s.sources, s.parties, s.notify
	for _, sc := range s.dets {
		sc.finish()
	}
	for _, sc := range s.sources {
		sc.finish()
	}
	for _, p := range s.parties {
		p.Waiting.finish()
		p.BreachRate = share(p.Breaches, p.Runs)
	}
	for _, w := range s.notify {
		w.finish()
	}
	rep.Outsourced = []Outsourced{}
	r := &s.d.Scope.Responsibilities
	for _, ph := range scope.Phases {
		a := r.For(ph)
		if a == nil {
			continue
		}
		if p := s.parties[a.Responsible]; p == nil || p.Sourcing != scope.Outsourced {
			continue
		}
		o := Outsourced{Phase: ph, Party: a.Responsible}
		if ph == scope.Detection {
			for i := range s.d.Criteria.Detections {
				if s.d.Criteria.Detections[i].Source == a.Responsible {
					o.Designed++
				}
			}
			if sc := s.sources[a.Responsible]; sc != nil {
				o.Runs, o.Refuted = sc.Runs, sc.Refuted
			}
		} else {
			o.Designed = personMethods(s.d, ph)
			o.Runs, o.Tasks = s.phaseRuns[ph][a.Responsible], s.phaseTasks[ph][a.Responsible]
		}
		rep.Outsourced = append(rep.Outsourced, o)
	}
}

// personMethods counts the methods done by a person in the processes of
// phase ph: the confirmations and playbook steps for triage, the
// responses of the phase for first_response and response; analysis has
// no processes the flows run.
func personMethods(d *secops.Design, ph scope.Phase) int {
	var procs []ident.Number
	switch ph {
	case scope.Triage:
		for i := range d.Criteria.Detections {
			if c := d.Criteria.Detections[i].Confirm; c != nil {
				procs = append(procs, c.Process)
			}
		}
		for i := range d.Playbooks {
			for j := range d.Playbooks[i].Steps {
				procs = append(procs, d.Playbooks[i].Steps[j].Process)
			}
		}
	case scope.FirstResponse, scope.Response:
		for i := range d.Responses {
			if (d.Responses[i].Phase == response.Later) == (ph == scope.Response) {
				procs = append(procs, d.Responses[i].Processes...)
			}
		}
	}
	slices.SortFunc(procs, compareNumbers)
	procs = slices.Compact(procs)
	n := 0
	for _, id := range procs {
		if pr := d.Process(id); pr != nil {
			for k := range pr.Methods {
				if pr.Methods[k].Manual() {
					n++
				}
			}
		}
	}
	return n
}

// scorecardFindings are the scorecard's findings on the design.
func scorecardFindings(d *secops.Design, rep *Report, maxFP float64) finding.List {
	var l finding.List
	for i := range d.Criteria.Detections {
		det := &d.Criteria.Detections[i]
		sc := rep.Detections[det.ID]
		if sc == nil {
			continue
		}
		if n := sc.disposed(); n >= MinNoisyRuns && sc.FalsePositiveRate > maxFP {
			l = append(l, at(d, DetectionNoisy, finding.NewPath("criteria", "detections").Index(i).Child("when"),
				"detection %s: %d of its %d runs with a disposition were false positives (%s, over the %s allowed); narrow its when, or confirm before declaring",
				det.ID, sc.Dispositions[playbook.FalsePositive], n, pct(sc.FalsePositiveRate), pct(maxFP)))
		}
	}
	for i := range d.Scope.Parties {
		p := &d.Scope.Parties[i]
		ps := rep.Parties[p.ID]
		if ps == nil || ps.Runs < MinRuns || float64(ps.Breaches) <= 0.1*float64(ps.Runs) {
			continue
		}
		l = append(l, at(d, PartySlow, finding.NewPath("scope", "parties").Index(i),
			"a target passed while runs waited on %s in %d of the %d runs that waited on it (%s); its waits: median %s, P90 %s",
			p.ID, ps.Breaches, ps.Runs, pct(ps.BreachRate), ps.Waiting.Median, ps.Waiting.P90))
	}
	return append(l, missingDispositions(d)...)
}

// missingDispositions are the ends of the playbooks with no disposition,
// when some end has one.
func missingDispositions(d *secops.Design) finding.List {
	type end struct {
		path *finding.Path
		what string
	}
	var missing []end
	any := false
	for i := range d.Playbooks {
		pb := &d.Playbooks[i]
		for j := range pb.Steps {
			st := &pb.Steps[j]
			sp := finding.NewPath("playbooks").Index(i).Child("steps").Index(j)
			if ws := st.Ways(); len(st.Branches) == 0 && len(ws) == 1 && ws[0].Kind.Ends() {
				any = any || st.Disposition != ""
				if st.Disposition == "" {
					missing = append(missing, end{sp, "step " + string(st.ID)})
				}
			}
			for k := range st.Branches {
				b := &st.Branches[k]
				if !b.Way().Kind.Ends() {
					continue
				}
				any = any || b.Disposition != ""
				if b.Disposition == "" {
					missing = append(missing, end{sp.Child("branches").Index(k), "branch " + strconv.Itoa(k) + " of step " + string(st.ID)})
				}
			}
		}
	}
	if !any {
		return nil
	}
	var l finding.List
	for _, m := range missing {
		l = append(l, at(d, DispositionMissing, m.path,
			"%s ends its playbook with no disposition, while other ends give one: runs that end here count as undisposed (give disposition: true-positive, benign or false-positive)", m.what))
	}
	return l
}

// detection returns d's detection id, or nil.
func detection(d *secops.Design, id ident.ID) *criteria.Detection {
	for i := range d.Criteria.Detections {
		if d.Criteria.Detections[i].ID == id {
			return &d.Criteria.Detections[i]
		}
	}
	return nil
}
