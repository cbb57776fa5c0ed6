package secops

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/expr"
	"github.com/secopsdesign/secops/finding"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/response"
	"github.com/secopsdesign/secops/scope"
)

// Validate checks the design and returns every finding at once, as a
// finding.List, or nil when there is none. Findings of both severities are
// returned: use finding.From(err).HasErrors() to tell whether the design
// is invalid or only has warnings.
//
// It checks required keys, the shape of ids, enums and durations,
// duplicate ids, references, the CEL expressions (compiled and type-checked,
// each distinct one once), scope consistency, the assignment of every
// phase, the coverage of in-scope incidents by detections and playbooks,
// the playbook graphs (reachability from start, dead ends, cycles, default
// branches), the data flow of method and response inputs along every path,
// rollbacks of first-response actions, the time budget of each detection
// against its severity's first_response target, the design's own policies
// and unused definitions. When the design was loaded from a file, each
// finding carries its position; the findings of Load come first.
func (d *Design) Validate() error {
	v := &validator{d: d, exprs: map[exprKey]exprResult{}}
	v.index()
	v.checkDocument()
	v.checkScope()
	v.checkCriteria()
	v.checkFields()
	v.checkProcesses()
	v.checkResponses()
	v.checkPlaybooks()
	v.checkPolicies()
	v.checkCoverage()
	v.checkFlows()
	v.checkUnused()
	return v.result()
}

// validator holds the indexes and findings of one Validate call.
type validator struct {
	d        *Design
	findings finding.List

	parties, domains, systems, incidents map[ident.ID]int
	severities, fields, responses        map[ident.ID]int
	processes, methods                   map[ident.Number]int // methods: index into methodRefs
	methodRefs                           []methodRef
	steps                                []map[ident.ID]int // per playbook

	exprs      map[exprKey]exprResult
	exprFailed bool // field references of a failed expression are unknown
	zeros      int  // whether the source has a zero duration: 0 not yet known, 1 no, 2 yes
	used       struct {
		fields    map[ident.ID]bool
		processes map[ident.Number]bool
		responses map[ident.ID]bool
	}
}

type methodRef struct{ process, method int }

type exprKey struct {
	scope expr.Scope
	src   string
}

type exprResult struct {
	prg     *expr.Program
	err     error
	unknown []string // keys it reads that are not fields of the design
	clean   bool     // compiled, boolean, and reads only known fields
}

func (v *validator) add(c finding.Code, p *finding.Path, format string, args ...any) {
	v.findings = append(v.findings, finding.New(c, p, format, args...))
}

// result positions the findings, puts the findings of Load first and drops
// validation findings on paths that Load already reported.
func (v *validator) result() error {
	load := v.d.loadFindings
	seen := make(map[string]bool, len(load))
	for _, f := range load {
		seen[f.Path] = true
	}
	out := make(finding.List, 0, len(load)+len(v.findings))
	out = append(out, load...)
	dup := map[string]bool{}
	for _, f := range v.findings {
		if seen[f.Path] {
			continue
		}
		k := string(f.Code) + "\x00" + f.Path + "\x00" + f.Message
		if dup[k] {
			continue
		}
		dup[k] = true
		if f.Line == 0 && v.d.src != nil {
			f.Position = v.d.src.Position(f.Path, false)
		}
		out = append(out, f)
	}
	return out.Err()
}

// compile compiles src once per Validate call and reports an expression
// finding at p when it does not compile or is not boolean.
func (v *validator) compile(s expr.Scope, src string, p *finding.Path) *expr.Program {
	if blank(src) {
		if src != "" {
			v.add(finding.Expression, p, "%s: the expression is blank", describeScope(s))
		}
		return nil
	}
	k := exprKey{s, src}
	r, ok := v.exprs[k]
	if !ok {
		r.prg, r.err = expr.Compile(s, src)
		r.clean = r.err == nil
		if r.err == nil && s != expr.Design {
			for _, ref := range r.prg.Refs() {
				if _, ok := v.fields[ident.ID(ref)]; !ok {
					r.unknown = append(r.unknown, ref)
					r.clean = false
				}
			}
			// The variables are maps of dyn, so the checker cannot see that
			// alert.category is a string; the field types can.
			for _, key := range r.prg.BoolKeys() {
				if i, known := v.fields[ident.ID(key)]; known {
					if f := v.d.Fields[i]; f.Type != process.Bool || f.List {
						r.clean = false
						r.err = fmt.Errorf("%s.%s is a %s field where a bool is needed (compare it instead, e.g. %s.%s == ...)", s, key, fieldKind(f), s, key)
						break
					}
				}
			}
		}
		v.exprs[k] = r
	}
	if r.err != nil {
		v.exprFailed = v.exprFailed || r.prg == nil
		v.add(finding.Expression, p, "%s: %v", describeScope(s), oneLine(r.err.Error()))
		if r.prg == nil {
			return nil
		}
	}
	for _, ref := range r.unknown {
		v.add(finding.UnknownRef, p, "%s.%s: the design has no field %q%s", s, ref, ref, suggestID(ref, v.fields))
	}
	v.markRefs(r.prg)
	if r.err != nil {
		return nil
	}
	return r.prg
}

// markRefs marks the fields an expression reads as used.
func (v *validator) markRefs(prg *expr.Program) {
	if prg.Scope() == expr.Design {
		return
	}
	for _, ref := range prg.Refs() {
		v.used.fields[ident.ID(ref)] = true
	}
}

// hasZeroDuration reports whether data may hold a zero duration such as
// "0s" or 0m: a run of zeros after a quote, colon or blank and before a
// unit and a quote or blank. Without one, no value is an explicit zero.
func hasZeroDuration(data []byte) bool {
	for i := bytes.IndexByte(data, '0'); i >= 0; {
		if i == 0 || strings.IndexByte(" \t\n:\"", data[i-1]) >= 0 {
			j := i
			for j < len(data) && data[j] == '0' {
				j++
			}
			if j < len(data) && strings.IndexByte("smhdw", data[j]) >= 0 &&
				(j+1 == len(data) || strings.IndexByte(" \t\r\n\"", data[j+1]) >= 0) {
				return true
			}
		}
		k := bytes.IndexByte(data[i+1:], '0')
		if k < 0 {
			break
		}
		i += 1 + k
	}
	return false
}

// explicitZero reports whether the zero duration at p is written in the
// source rather than absent. A document without any zero duration is not
// parsed for it (a JSON design takes a fast path with no syntax tree).
func (v *validator) explicitZero(p *finding.Path) bool {
	if v.d.src == nil {
		return false
	}
	if v.zeros == 0 { // scan the source once per Validate
		v.zeros = 1
		if hasZeroDuration(v.d.src.Data()) {
			v.zeros = 2
		}
	}
	return v.zeros == 2 && v.d.src.Has(p.String())
}

// blank reports whether an expression is empty or only white space.
func blank(src string) bool { return strings.TrimSpace(src) == "" }

func describeScope(s expr.Scope) string {
	switch s {
	case expr.Alert:
		return "expression over alert"
	case expr.Fields:
		return "expression over fields and severity"
	}
	return "expression over design"
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// index builds the id indexes, reporting duplicates.
func (v *validator) index() {
	d := v.d
	v.used.fields = map[ident.ID]bool{}
	v.used.processes = map[ident.Number]bool{}
	v.used.responses = map[ident.ID]bool{}
	ids := func(kind string, n int, id func(i int) ident.ID, p func(i int) *finding.Path) map[ident.ID]int {
		m := make(map[ident.ID]int, n)
		for i := 0; i < n; i++ {
			x := id(i)
			if x == "" {
				continue
			}
			if j, dup := m[x]; dup {
				v.add(finding.DuplicateID, p(i).Child("id"), "%s %q is already defined at %s", kind, x, p(j))
				continue
			}
			m[x] = i
		}
		return m
	}
	sc := &d.Scope
	v.parties = ids("party", len(sc.Parties), func(i int) ident.ID { return sc.Parties[i].ID }, func(i int) *finding.Path { return finding.NewPath("scope", "parties").Index(i) })
	v.domains = ids("domain", len(sc.Domains), func(i int) ident.ID { return sc.Domains[i].ID }, func(i int) *finding.Path { return finding.NewPath("scope", "domains").Index(i) })
	v.systems = ids("system", len(sc.Systems), func(i int) ident.ID { return sc.Systems[i].ID }, func(i int) *finding.Path { return finding.NewPath("scope", "systems").Index(i) })
	v.incidents = ids("incident", len(sc.Incidents), func(i int) ident.ID { return sc.Incidents[i].ID }, func(i int) *finding.Path { return finding.NewPath("scope", "incidents").Index(i) })
	cr := &d.Criteria
	v.severities = ids("severity", len(cr.Severities), func(i int) ident.ID { return cr.Severities[i].ID }, func(i int) *finding.Path { return finding.NewPath("criteria", "severities").Index(i) })
	ids("detection", len(cr.Detections), func(i int) ident.ID { return cr.Detections[i].ID }, func(i int) *finding.Path { return finding.NewPath("criteria", "detections").Index(i) })
	v.fields = ids("field", len(d.Fields), func(i int) ident.ID { return d.Fields[i].ID }, func(i int) *finding.Path { return finding.NewPath("fields").Index(i) })
	v.responses = ids("response", len(d.Responses), func(i int) ident.ID { return d.Responses[i].ID }, func(i int) *finding.Path { return finding.NewPath("responses").Index(i) })
	ids("playbook", len(d.Playbooks), func(i int) ident.ID { return d.Playbooks[i].ID }, playbookPath)
	ids("policy", len(d.Policies), func(i int) ident.ID { return d.Policies[i].ID }, func(i int) *finding.Path { return finding.NewPath("policies").Index(i) })

	v.processes = make(map[ident.Number]int, len(d.Processes))
	v.methods = map[ident.Number]int{}
	for i, p := range d.Processes {
		if p.ID != "" {
			if j, dup := v.processes[p.ID]; dup {
				v.add(finding.DuplicateID, processPath(i).Child("id"), "process %q is already defined at %s", p.ID, processPath(j))
			} else {
				v.processes[p.ID] = i
			}
		}
		for k, m := range p.Methods {
			if m.ID == "" {
				continue
			}
			if j, dup := v.methods[m.ID]; dup {
				r := v.methodRefs[j]
				v.add(finding.DuplicateID, methodPath(i, k).Child("id"), "method %q is already defined at %s", m.ID, methodPath(r.process, r.method))
				continue
			}
			v.methods[m.ID] = len(v.methodRefs)
			v.methodRefs = append(v.methodRefs, methodRef{i, k})
		}
	}
	v.steps = make([]map[ident.ID]int, len(d.Playbooks))
	for i := range d.Playbooks {
		pb := &d.Playbooks[i]
		v.steps[i] = ids("step", len(pb.Steps), func(j int) ident.ID { return pb.Steps[j].ID }, func(j int) *finding.Path { return stepPath(i, j) })
	}
}

func playbookPath(i int) *finding.Path { return finding.NewPath("playbooks").Index(i) }
func stepPath(i, j int) *finding.Path  { return playbookPath(i).Child("steps").Index(j) }
func processPath(i int) *finding.Path  { return finding.NewPath("processes").Index(i) }
func methodPath(i, k int) *finding.Path {
	return processPath(i).Child("methods").Index(k)
}
func responsePath(i int) *finding.Path  { return finding.NewPath("responses").Index(i) }
func detectionPath(i int) *finding.Path { return finding.NewPath("criteria", "detections").Index(i) }

// required reports a required key whose value is empty.
func (v *validator) required(p *finding.Path, empty bool) bool {
	if empty {
		segs := p.Segments()
		v.add(finding.Required, p, "%s is required", segs[len(segs)-1].Key)
	}
	return !empty
}

// entry checks the id and the name that every named entry has.
func (v *validator) entry(p *finding.Path, id ident.ID, name string) {
	if id == "" || !id.Valid() {
		v.id(p.Child("id"), id)
	}
	v.requiredAt(p, "name", name == "")
}

// The ...At helpers take the path of the parent and a key, and build the
// path of the value only when they report: most values are fine, and
// validating a large design must not allocate a path per value.

func (v *validator) requiredAt(parent *finding.Path, key string, empty bool) bool {
	if empty {
		v.add(finding.Required, parent.Child(key), "%s is required", key)
	}
	return !empty
}

func (v *validator) refAt(parent *finding.Path, key, kind string, id ident.ID, m map[ident.ID]int) bool {
	if id == "" {
		return false
	}
	if _, ok := m[id]; ok {
		return true
	}
	return v.ref(parent.Child(key), kind, id, m)
}

func (v *validator) respondRefAt(parent *finding.Path, key string, id ident.ID) {
	if _, ok := v.responses[id]; ok {
		v.used.responses[id] = true
		return
	}
	v.respondRef(parent.Child(key), id)
}

func enumAt[T ~string](v *validator, parent *finding.Path, key string, val T, valid bool, values []T) {
	if val != "" && !valid {
		enum(v, parent.Child(key), val, valid, values)
	}
}

func (v *validator) numberAt(parent *finding.Path, key string, n ident.Number, what string) bool {
	if n != "" && n.Valid() {
		return true
	}
	return v.number(parent.Child(key), n, what)
}

func (v *validator) processRefAt(parent *finding.Path, key string, id ident.Number) bool {
	if _, ok := v.processes[id]; ok {
		v.used.processes[id] = true
		return true
	}
	return v.processRef(parent.Child(key), id)
}

func (v *validator) actionAt(parent *finding.Path, key string, a process.Action) {
	if a != "" && !a.Valid() {
		v.action(parent.Child(key), a)
	}
}

// compileAt compiles like compile, building the path only on a finding.
func (v *validator) compileAt(s expr.Scope, src string, parent *finding.Path, key string) *expr.Program {
	if src == "" {
		return nil
	}
	k := exprKey{s, src}
	if r, ok := v.exprs[k]; ok && r.err == nil && r.clean {
		v.markRefs(r.prg)
		return r.prg
	}
	return v.compile(s, src, parent.Child(key))
}

func (v *validator) id(p *finding.Path, id ident.ID) {
	if v.required(p, id == "") && !id.Valid() {
		v.add(finding.InvalidValue, p, "%q is not a valid id: want lower-case letters, digits, '.', '_' and '-', starting with a letter or digit", id)
	}
}

func (v *validator) number(p *finding.Path, n ident.Number, what string) bool {
	if !v.required(p, n == "") {
		return false
	}
	if !n.Valid() {
		v.add(finding.InvalidValue, p, "%q is not a valid %s id: want dotted numbers such as \"1.2\"", n, what)
		return false
	}
	return true
}

// ref reports an unknown reference to id in m. An empty id is not checked.
func (v *validator) ref(p *finding.Path, kind string, id ident.ID, m map[ident.ID]int) bool {
	if id == "" {
		return false
	}
	if _, ok := m[id]; !ok {
		v.add(finding.UnknownRef, p, "unknown %s %q%s", kind, id, suggestID(string(id), m))
		return false
	}
	return true
}

func (v *validator) processRef(p *finding.Path, id ident.Number) bool {
	if id == "" {
		return false
	}
	if _, ok := v.processes[id]; !ok {
		v.add(finding.UnknownRef, p, "unknown process %q", id)
		return false
	}
	v.used.processes[id] = true
	return true
}

func suggestID[K ~string](id string, m map[K]int) string {
	if len(m) > 200 {
		return ""
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, string(k))
	}
	slices.Sort(names)
	if s := finding.Suggest(id, names); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}

func enum[T ~string](v *validator, p *finding.Path, val T, valid bool, values []T) {
	if val != "" && !valid {
		var b strings.Builder
		for i, x := range values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(string(x))
		}
		v.add(finding.InvalidValue, p, "%q is not supported: want one of %s", val, b.String())
	}
}

func (v *validator) checkDocument() {
	d := v.d
	p := finding.NewPath("format")
	switch d.Format {
	case "":
		v.add(finding.Required, p, "format is required: %q", Format)
	case Format:
	default:
		v.add(finding.InvalidValue, p, "format %q is not supported: want %q", d.Format, Format)
	}
	v.id(finding.NewPath("metadata", "name"), d.Metadata.Name)
	if l := d.Metadata.Language; l != "" && !languageTag.MatchString(l) {
		v.add(finding.InvalidValue, finding.NewPath("metadata", "language"), "%q is not a BCP 47 language tag, such as ja, en or en-GB", l)
	}
	if t := d.Metadata.TLP; t != "" && !t.Valid() {
		v.add(finding.InvalidValue, finding.NewPath("metadata", "tlp"), "%q is not a TLP 2.0 level: want one of clear, green, amber, amber+strict, red", t)
	}
}

// languageTag is the shape of a BCP 47 tag: a 2-3 letter language, then
// subtags of 1-8 letters or digits.
var languageTag = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)

// plural says "the branch" or "the 3 branches".
func plural(n int, one, many string) string {
	if n == 1 {
		return "the " + one
	}
	return fmt.Sprintf("the %d %s", n, many)
}

func phaseList() string {
	var names []string
	for _, p := range scope.Phases {
		names = append(names, string(p))
	}
	return strings.Join(names, ", ")
}

func (v *validator) checkScope() {
	sc := &v.d.Scope
	base := finding.NewPath("scope")
	v.requiredAt(base, "parties", len(sc.Parties) == 0)
	for i, p := range sc.Parties {
		pp := base.Child("parties").Index(i)
		v.entry(pp, p.ID, p.Name)
		enumAt(v, pp, "sourcing", p.Sourcing, p.Sourcing.Valid(), scope.Sourcings)
	}
	for i, dm := range sc.Domains {
		pp := base.Child("domains").Index(i)
		v.entry(pp, dm.ID, dm.Name)
	}
	for i, s := range sc.Systems {
		pp := base.Child("systems").Index(i)
		v.entry(pp, s.ID, s.Name)
		enumAt(v, pp, "class", s.Class, s.Class.Valid(), scope.Classes)
	}
	for i, inc := range sc.Incidents {
		pp := base.Child("incidents").Index(i)
		v.entry(pp, inc.ID, inc.Name)
		if v.refAt(pp, "domain", "domain", inc.Domain, v.domains) && inc.Covered() && !sc.Domains[v.domains[inc.Domain]].Covered() {
			v.add(finding.OutOfScope, pp.Child("in_scope"), "incident %q is in scope but its domain %q is not", inc.ID, inc.Domain)
		}
		for k, s := range inc.Systems {
			v.ref(pp.Child("systems").Index(k), "system", s, v.systems)
		}
		repeatedIDs(v, pp.Child("systems"), "system", inc.Systems)
		for k, r := range inc.References {
			if !r.Valid() {
				v.add(finding.InvalidValue, pp.Child("references").Index(k), "%q is not a reference: want attack:T1566, rsit:<class>/<type>, d3fend:D3-NI, react:RA3101 or url:<address>", r)
			}
		}
	}
	resp := base.Child("responsibilities")
	if sc.Responsibilities == (scope.Responsibilities{}) {
		v.add(finding.Required, resp, "responsibilities is required: assign a responsible party to each of %s", phaseList())
		return
	}
	for _, ph := range scope.Phases {
		a := sc.Responsibilities.For(ph)
		pp := resp.Child(string(ph))
		if a == nil || a.Responsible == "" {
			v.add(finding.UnassignedPhase, pp, "phase %s has no responsible party", ph)
		}
		if a == nil {
			continue
		}
		v.refAt(pp, "responsible", "party", a.Responsible, v.parties)
		v.refAt(pp, "accountable", "party", a.Accountable, v.parties)
		for k, id := range a.Consulted {
			v.ref(pp.Child("consulted").Index(k), "party", id, v.parties)
		}
		for k, id := range a.Informed {
			v.ref(pp.Child("informed").Index(k), "party", id, v.parties)
		}
		repeatedIDs(v, pp.Child("consulted"), "party", a.Consulted)
		repeatedIDs(v, pp.Child("informed"), "party", a.Informed)
	}
}

func (v *validator) incidentCovered(id ident.ID) (known, covered bool) {
	i, ok := v.incidents[id]
	if !ok {
		return false, false
	}
	return true, v.d.Scope.Incidents[i].Covered()
}

func (v *validator) checkCriteria() {
	cr := &v.d.Criteria
	base := finding.NewPath("criteria")
	v.requiredAt(base, "severities", len(cr.Severities) == 0)
	for i, s := range cr.Severities {
		pp := base.Child("severities").Index(i)
		v.entry(pp, s.ID, s.Name)
		for k, a := range s.Actions {
			enum(v, pp.Child("actions").Index(k), a, a.Valid(), criteria.Actions)
		}
		if es := s.Escalation; es != nil {
			ep := pp.Child("escalation")
			if v.requiredAt(ep, "action", es.Action == "") {
				v.actionAt(ep, "action", es.Action)
			}
			if v.requiredAt(ep, "party", es.Party == "") {
				v.refAt(ep, "party", "party", es.Party, v.parties)
			}
			if s.Targets.FirstResponse == 0 && s.Targets.Response == 0 {
				v.add(finding.InvalidValue, ep, "severity %q has an escalation but no target to breach: give targets.first_response or targets.response", s.ID)
			}
		}
		for _, t := range []struct {
			key string
			d   duration.Duration
		}{{"first_response", s.Targets.FirstResponse}, {"response", s.Targets.Response}} {
			if tp := pp.Child("targets", t.key); t.d < 0 || t.d == 0 && v.explicitZero(tp) {
				v.add(finding.InvalidValue, tp, "a target must be positive; leave it out for no target")
			}
		}
	}
	if v.requiredAt(base, "triage_threshold", cr.TriageThreshold == "") {
		v.refAt(base, "triage_threshold", "severity", cr.TriageThreshold, v.severities)
	}
	for i, det := range cr.Detections {
		pp := detectionPath(i)
		v.entry(pp, det.ID, det.Name)
		if v.requiredAt(pp, "source", det.Source == "") {
			v.refAt(pp, "source", "party", det.Source, v.parties)
		}
		if v.requiredAt(pp, "when", blank(det.When)) {
			v.compileAt(expr.Alert, det.When, pp, "when")
		}
		if v.requiredAt(pp, "incident", det.Incident == "") && v.refAt(pp, "incident", "incident", det.Incident, v.incidents) {
			if _, covered := v.incidentCovered(det.Incident); !covered {
				v.add(finding.OutOfScope, pp.Child("incident"), "detection %q is for incident %q, which is out of scope", det.ID, det.Incident)
			}
		}
		if v.requiredAt(pp, "severity", det.Severity == "") {
			v.refAt(pp, "severity", "severity", det.Severity, v.severities)
		}
		if c := det.Confirm; c != nil {
			cp := pp.Child("confirm")
			if v.numberAt(cp, "process", c.Process, "process") {
				v.processRefAt(cp, "process", c.Process)
			}
			if v.requiredAt(cp, "when", blank(c.When)) {
				v.compileAt(expr.Fields, c.When, cp, "when")
			}
			enumAt(v, cp, "disposition", c.Disposition, c.Disposition.Valid(), playbook.Dispositions)
		}
	}
}

func (v *validator) checkFields() {
	for i, f := range v.d.Fields {
		pp := finding.NewPath("fields").Index(i)
		v.entry(pp, f.ID, f.Name)
		if v.requiredAt(pp, "type", f.Type == "") {
			enumAt(v, pp, "type", f.Type, f.Type.Valid(), process.Types)
		}
	}
}

func (v *validator) checkProcesses() {
	for i, p := range v.d.Processes {
		pp := processPath(i)
		v.numberAt(pp, "id", p.ID, "process")
		v.requiredAt(pp, "name", p.Name == "")
		for k, m := range p.Methods {
			mp := methodPath(i, k)
			if v.numberAt(mp, "id", m.ID, "method") && p.ID != "" && m.ID.Parent() != p.ID {
				v.add(finding.InvalidValue, mp.Child("id"), "method %q must be numbered under its process %q, e.g. %q", m.ID, p.ID, string(p.ID)+".1")
			}
			v.requiredAt(mp, "name", m.Name == "")
			v.requiredAt(mp, "procedure", m.Procedure == "")
			v.compileAt(expr.Fields, m.When, mp, "when")
			for j, id := range m.Inputs {
				v.fieldRef(mp.Child("inputs").Index(j), id)
			}
			repeatedIDs(v, mp.Child("inputs"), "field", m.Inputs)
			for j, id := range m.Outputs {
				v.fieldRef(mp.Child("outputs").Index(j), id)
			}
			repeatedIDs(v, mp.Child("outputs"), "field", m.Outputs)
			v.actionAt(mp, "action", m.Action)
			if m.Rollback != nil {
				v.required(mp.Child("rollback", "procedure"), m.Rollback.Procedure == "")
				v.action(mp.Child("rollback", "action"), m.Rollback.Action)
			}
		}
	}
}

// repeatedIDs reports a list of ids that names an id more than once: one
// finding per list, at the first repeat, however many there are.
func repeatedIDs[T ~string](v *validator, p *finding.Path, kind string, ids []T) {
	if at, first, n := repeats(ids); n > 0 {
		more := ""
		if n > 1 {
			more = fmt.Sprintf(" (%d repeated entries in this list)", n)
		}
		v.add(finding.DuplicateID, p.Index(at), "%s %q is already listed at %s%s", kind, ids[at], p.Index(first), more)
	}
}

func (v *validator) fieldRef(p *finding.Path, id ident.ID) {
	if v.ref(p, "field", id, v.fields) {
		v.used.fields[id] = true
	}
}

func (v *validator) action(p *finding.Path, a process.Action) {
	if a != "" && !a.Valid() {
		v.add(finding.InvalidValue, p, "%q is not an action: want adapter.operation, e.g. edr.isolate_host", a)
	}
}

func (v *validator) checkResponses() {
	for i, r := range v.d.Responses {
		pp := responsePath(i)
		v.entry(pp, r.ID, r.Name)
		if v.requiredAt(pp, "phase", r.Phase == "") {
			enumAt(v, pp, "phase", r.Phase, r.Phase.Valid(), response.Phases)
		}
		v.requiredAt(pp, "processes", len(r.Processes) == 0)
		for k, id := range r.Processes {
			if v.number(pp.Child("processes").Index(k), id, "process") {
				v.processRef(pp.Child("processes").Index(k), id)
			}
		}
		repeatedIDs(v, pp.Child("processes"), "process", r.Processes)
		v.refAt(pp, "approval", "party", r.Approval, v.parties)
	}
}

func (v *validator) checkPlaybooks() {
	for i := range v.d.Playbooks {
		pb := &v.d.Playbooks[i]
		pp := playbookPath(i)
		v.entry(pp, pb.ID, pb.Name)
		for k, inc := range pb.Incidents {
			if v.ref(pp.Child("incidents").Index(k), "incident", inc, v.incidents) {
				if _, covered := v.incidentCovered(inc); !covered {
					v.add(finding.OutOfScope, pp.Child("incidents").Index(k), "playbook %q handles incident %q, which is out of scope", pb.ID, inc)
				}
			}
		}
		repeatedIDs(v, pp.Child("incidents"), "incident", pb.Incidents)
		for k, id := range pb.Inputs {
			v.fieldRef(pp.Child("inputs").Index(k), id)
		}
		repeatedIDs(v, pp.Child("inputs"), "field", pb.Inputs)
		if v.requiredAt(pp, "start", pb.Start == "") {
			v.refAt(pp, "start", "step", pb.Start, v.steps[i])
		}
		v.requiredAt(pp, "steps", len(pb.Steps) == 0)
		steps := pp.Child("steps")
		for j := range pb.Steps {
			v.checkStep(i, j, steps.Index(j))
		}
	}
}

func (v *validator) checkStep(i, j int, sp *finding.Path) {
	s := &v.d.Playbooks[i].Steps[j]
	v.entry(sp, s.ID, s.Name)
	enumAt(v, sp, "target", s.Target, s.Target.Valid(), playbook.Targets)
	if v.numberAt(sp, "process", s.Process, "process") {
		v.processRefAt(sp, "process", s.Process)
	}
	switch ways := s.Ways(); len(ways) {
	case 0:
		v.add(finding.DeadEnd, sp, "step %q has no way on: give it next, respond, end or branches", s.ID)
	case 1:
	default:
		v.add(finding.InvalidValue, sp, "step %q has %d ways on; give exactly one of next, respond, end or branches", s.ID, len(ways))
	}
	v.refAt(sp, "next", "step", s.Next, v.steps[i])
	if s.Respond != "" {
		v.respondRefAt(sp, "respond", s.Respond)
	}
	v.disposition(sp, s.Disposition, s.Ways())
	if len(s.Branches) == 0 {
		return
	}
	bp := sp.Child("branches")
	for k := range s.Branches {
		b := &s.Branches[k]
		p := bp.Index(k)
		switch ways := b.Ways(); len(ways) {
		case 0:
			v.add(finding.DeadEnd, p, "branch has no way on: give it goto, respond or end")
		case 1:
		default:
			v.add(finding.InvalidValue, p, "branch has %d ways on; give exactly one of goto, respond or end", len(ways))
		}
		v.refAt(p, "goto", "step", b.Goto, v.steps[i])
		if b.Respond != "" {
			v.respondRefAt(p, "respond", b.Respond)
		}
		v.disposition(p, b.Disposition, b.Ways())
		if b.When == "" {
			if k != len(s.Branches)-1 {
				v.add(finding.InvalidValue, p, "the default branch (no when) must be the last: %s after it can never be taken", plural(len(s.Branches)-1-k, "branch", "branches"))
			}
			continue
		}
		v.compileAt(expr.Fields, b.When, p, "when")
	}
	if !slices.ContainsFunc(s.Branches, func(b playbook.Branch) bool { return b.When == "" }) {
		v.add(finding.NoDefaultBranch, bp, "no default branch: when no condition holds, step %q has no way on; add a last branch without when", s.ID)
	}
}

// disposition checks the disposition of a step or branch at p whose ways
// are ways: one of the dispositions, and only where the playbook ends.
func (v *validator) disposition(p *finding.Path, d playbook.Disposition, ways []playbook.Way) {
	if d == "" {
		return
	}
	if !d.Valid() {
		enum(v, p.Child("disposition"), d, false, playbook.Dispositions)
		return
	}
	if len(ways) == 1 && !ways[0].Kind.Ends() {
		v.add(finding.InvalidValue, p.Child("disposition"), "a disposition says how a playbook ends: give it with respond or end, not with %s", wayKey(ways[0].Kind))
	}
}

// wayKey is the key that writes a way of kind k.
func wayKey(k playbook.WayKind) string {
	switch k {
	case playbook.Goto:
		return "next or goto"
	case playbook.Branches:
		return "branches (give it on the branches that end)"
	}
	return "no way on"
}

func (v *validator) respondRef(p *finding.Path, id ident.ID) {
	if v.ref(p, "response", id, v.responses) {
		v.used.responses[id] = true
	}
}

func (v *validator) checkCoverage() {
	d := v.d
	detected := map[ident.ID]bool{}
	triaged := map[ident.ID]bool{}
	for _, det := range d.Criteria.Detections {
		detected[det.Incident] = true
		if d.Criteria.Triaged(det.Severity) {
			triaged[det.Incident] = true
		}
	}
	handled := map[ident.ID]bool{}
	for _, pb := range d.Playbooks {
		for _, inc := range pb.Incidents {
			handled[inc] = true
		}
	}
	for i, inc := range d.Scope.Incidents {
		if !inc.Covered() || inc.ID == "" {
			continue
		}
		p := finding.NewPath("scope", "incidents").Index(i)
		if !detected[inc.ID] {
			v.add(finding.UndetectedIncident, p, "in-scope incident %q has no detection rule", inc.ID)
		}
		if triaged[inc.ID] && !handled[inc.ID] {
			v.add(finding.UncoveredIncident, p, "in-scope incident %q is detected at or above the triage threshold %q but no playbook handles it", inc.ID, d.Criteria.TriageThreshold)
		}
	}
}

func (v *validator) checkUnused() {
	d := v.d
	for i, f := range d.Fields {
		if f.ID != "" && !v.used.fields[f.ID] && !v.exprFailed {
			v.add(finding.Unused, finding.NewPath("fields").Index(i), "field %q is not used by any alert expression, playbook input, or method", f.ID)
		}
	}
	for i, p := range d.Processes {
		if p.ID != "" && !v.used.processes[p.ID] {
			v.add(finding.Unused, processPath(i), "process %q is not used by any step, response or confirmation", p.ID)
		}
	}
	for i, r := range d.Responses {
		if r.ID != "" && !v.used.responses[r.ID] {
			v.add(finding.Unused, responsePath(i), "response %q is not reached by any step or branch", r.ID)
		}
	}
}

func fieldKind(f process.Field) string {
	if f.List {
		return "list of " + string(f.Type)
	}
	return string(f.Type)
}

// repeats finds the entries of a list that repeat an earlier one: it
// returns the index of the first repeat, the index of the entry it
// repeats, and how many repeats there are (0, and -1 for the indexes,
// when every entry is unique).
func repeats[T comparable](list []T) (at, first, n int) {
	at, first = -1, -1
	if len(list) < 2 {
		return at, first, 0
	}
	if len(list) <= 16 {
		for i := 1; i < len(list); i++ {
			for j := 0; j < i; j++ {
				if list[i] == list[j] {
					if at < 0 {
						at, first = i, j
					}
					n++
					break
				}
			}
		}
		return at, first, n
	}
	seen := make(map[T]int, len(list))
	for i, x := range list {
		if j, dup := seen[x]; dup {
			if at < 0 {
				at, first = i, j
			}
			n++
			continue
		}
		seen[x] = i
	}
	return at, first, n
}
