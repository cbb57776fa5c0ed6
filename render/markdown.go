package render

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/scope"
)

// Markdown writes d as a self-contained runbook in GitHub-flavoured
// Markdown, in the design's language: the scope (domains, systems and
// incidents in and out of scope, the parties and who does what in each
// phase), the severity criteria and detection rules, the fields, each
// playbook as a procedure numbered in flow order (see flowOrder), under a
// target heading wherever the target changes, with its Mermaid flowchart, the process table with every method's procedure, inputs and
// outputs, the responses with their approval and rollback, and the
// policies.
//
// d may have validation findings: references that do not resolve are
// shown by their ids.
func Markdown(w io.Writer, d *secops.Design) error {
	if d == nil {
		return errors.New("render: nil design")
	}
	m := &markdown{d: d, w: wordsFor(d.Metadata.Language)}
	m.header()
	m.scope()
	m.criteria()
	m.fields()
	m.playbooks()
	m.processes()
	m.responses()
	m.policies()
	_, err := io.WriteString(w, m.b.String())
	return err
}

type markdown struct {
	d        *secops.Design
	w        *words
	b        strings.Builder
	sections int
}

func (m *markdown) printf(format string, args ...any) { fmt.Fprintf(&m.b, format, args...) }

// section starts a numbered second-level section.
func (m *markdown) section(title string) {
	m.sections++
	m.printf("\n## %d. %s\n", m.sections, title)
}

// table writes a GitHub table; header and cells are Markdown inline text.
func (m *markdown) table(header []string, rows [][]string) {
	m.b.WriteString("\n|")
	for _, h := range header {
		m.printf(" %s |", cell(h))
	}
	m.b.WriteString("\n|")
	for range header {
		m.b.WriteString(" --- |")
	}
	m.b.WriteString("\n")
	for _, r := range rows {
		m.b.WriteString("|")
		for _, c := range r {
			if c = cell(c); c == "" {
				m.b.WriteString(" |")
			} else {
				m.printf(" %s |", c)
			}
		}
		m.b.WriteString("\n")
	}
}

func (m *markdown) header() {
	title := m.d.Metadata.Title
	if title == "" {
		title = string(m.d.Metadata.Name)
	}
	m.printf("# %s\n", text(title))
	meta := []string{code(string(m.d.Metadata.Name))}
	if v := m.d.Metadata.Version; v != "" {
		meta = append(meta, m.w.version+" "+text(v))
	}
	m.printf("\n%s\n", strings.Join(meta, " · "))
	if desc := m.d.Metadata.Description; desc != "" {
		m.printf("\n%s\n", paragraph(desc))
	}
}

// named writes a name followed by its id in a code span.
func named(name string, id string) string {
	if name == "" {
		return code(id)
	}
	return text(name) + " (" + code(id) + ")"
}

func (m *markdown) join(items []string) string { return strings.Join(items, m.w.sep) }

func (m *markdown) quoted(name string) string { return fmt.Sprintf(m.w.quoted, text(name)) }

func (m *markdown) covered(in bool) string {
	if in {
		return m.w.inScope
	}
	return m.w.outOfScope
}

func orNone(w *words, s string) string {
	if s == "" {
		return w.none
	}
	return s
}

func (m *markdown) party(id ident.ID) string {
	for _, p := range m.d.Scope.Parties {
		if p.ID == id {
			if p.Sourcing == "" {
				return text(p.Name)
			}
			return text(p.Name) + " (" + or(m.w.sourcings, p.Sourcing) + ")"
		}
	}
	return code(string(id))
}

func (m *markdown) parties(ids []ident.ID) string {
	var s []string
	for _, id := range ids {
		s = append(s, m.party(id))
	}
	return m.join(s)
}

func (m *markdown) field(id ident.ID) string {
	if f := m.d.Field(id); f != nil {
		return named(f.Name, string(id))
	}
	return code(string(id))
}

func (m *markdown) fieldList(ids []ident.ID, sep string) string {
	var s []string
	for _, id := range ids {
		s = append(s, m.field(id))
	}
	return strings.Join(s, sep)
}

func (m *markdown) incident(id ident.ID) string {
	for _, i := range m.d.Scope.Incidents {
		if i.ID == id {
			return named(i.Name, string(id))
		}
	}
	return code(string(id))
}

func (m *markdown) domain(id ident.ID) string {
	for _, dm := range m.d.Scope.Domains {
		if dm.ID == id {
			return text(dm.Name)
		}
	}
	return code(string(id))
}

func (m *markdown) system(id ident.ID) string {
	for _, s := range m.d.Scope.Systems {
		if s.ID == id {
			return text(s.Name)
		}
	}
	return code(string(id))
}

func (m *markdown) severity(id ident.ID) string {
	if s := m.d.Criteria.Severities.Get(id); s != nil {
		return text(s.Name)
	}
	return code(string(id))
}

// process writes "1.1 Name".
func (m *markdown) process(id ident.Number) string {
	if p := m.d.Process(id); p != nil {
		return text(string(id)) + " " + text(p.Name)
	}
	return code(string(id))
}

func reference(r scope.Reference) string {
	if r.Scheme() == "attack" {
		t := strings.TrimPrefix(string(r), "attack:")
		return "[" + text(string(r)) + "](https://attack.mitre.org/techniques/" + strings.ReplaceAll(t, ".", "/") + "/)"
	}
	return code(string(r))
}

func (m *markdown) scope() {
	sc := &m.d.Scope
	m.section(m.w.scope)

	if len(sc.Domains) > 0 {
		m.printf("\n### %s\n", m.w.domains)
		var rows [][]string
		for _, dm := range sc.Domains {
			rows = append(rows, []string{code(string(dm.ID)), text(dm.Name), m.covered(dm.Covered()), text(dm.Purpose), m.texts(dm.Solutions)})
		}
		m.table([]string{m.w.id, m.w.name, m.w.covered, m.w.purpose, m.w.solutions}, rows)
	}

	if len(sc.Systems) > 0 {
		m.printf("\n### %s\n", m.w.systems)
		var rows [][]string
		for _, s := range sc.Systems {
			rows = append(rows, []string{
				code(string(s.ID)), text(s.Name), or(m.w.classes, s.Class), m.covered(s.Covered()),
				m.texts(s.Kinds), text(s.Threats), text(s.Notes),
			})
		}
		m.table([]string{m.w.id, m.w.name, m.w.class, m.w.covered, m.w.kinds, m.w.threats, m.w.notes}, rows)
	}

	if len(sc.Incidents) > 0 {
		m.printf("\n### %s\n", m.w.incidents)
		var rows [][]string
		for _, i := range sc.Incidents {
			var systems, refs []string
			for _, s := range i.Systems {
				systems = append(systems, m.system(s))
			}
			for _, r := range i.References {
				refs = append(refs, reference(r))
			}
			dom := ""
			if i.Domain != "" {
				dom = m.domain(i.Domain)
			}
			rows = append(rows, []string{code(string(i.ID)), text(i.Name), dom, m.covered(i.Covered()), m.join(systems), strings.Join(refs, " ")})
		}
		m.table([]string{m.w.id, m.w.name, m.w.domain, m.w.covered, m.w.systems, m.w.references}, rows)
	}

	m.printf("\n### %s\n", m.w.parties)
	var rows [][]string
	for _, p := range sc.Parties {
		rows = append(rows, []string{code(string(p.ID)), text(p.Name), orNone(m.w, or(m.w.sourcings, p.Sourcing))})
	}
	m.table([]string{m.w.id, m.w.name, m.w.sourcing}, rows)

	m.printf("\n### %s\n", m.w.responsibilities)
	rows = nil
	for _, ph := range scope.Phases {
		a := sc.Responsibilities.For(ph)
		if a == nil {
			rows = append(rows, []string{or(m.w.phases, ph), m.w.none, "", "", ""})
			continue
		}
		acc := ""
		if a.Accountable != "" {
			acc = m.party(a.Accountable)
		}
		rows = append(rows, []string{or(m.w.phases, ph), m.party(a.Responsible), acc, m.parties(a.Consulted), m.parties(a.Informed)})
	}
	m.table([]string{m.w.phase, m.w.responsible, m.w.accountable, m.w.consulted, m.w.informed}, rows)
}

func (m *markdown) texts(ss []string) string {
	var out []string
	for _, s := range ss {
		out = append(out, text(s))
	}
	return m.join(out)
}

func (m *markdown) criteria() {
	c := &m.d.Criteria
	m.section(m.w.criteria)

	m.printf("\n### %s\n", m.w.severities)
	var rows [][]string
	for _, s := range c.Severities {
		var actions []string
		for _, a := range s.Actions {
			actions = append(actions, or(m.w.actionNames, a))
		}
		triaged := m.w.notTriaged
		if c.Triaged(s.ID) {
			triaged = m.w.triaged
		}
		rows = append(rows, []string{
			"**" + text(s.Name) + "** (" + code(string(s.ID)) + ")", text(s.Description), m.join(actions),
			target(m.w, s.Targets.FirstResponse.String(), s.Targets.FirstResponse != 0),
			target(m.w, s.Targets.Response.String(), s.Targets.Response != 0),
			triaged,
		})
	}
	m.table([]string{m.w.severity, m.w.description, m.w.actions, m.w.firstResponseTarget, m.w.responseTarget, m.w.triage}, rows)
	if c.TriageThreshold != "" {
		m.printf("\n%s\n", fmt.Sprintf(m.w.threshold, "**"+m.severity(c.TriageThreshold)+"**"))
	}

	if len(c.Detections) > 0 {
		m.printf("\n### %s\n", m.w.detections)
		rows = nil
		for _, dt := range c.Detections {
			confirm := ""
			if dt.Confirm != nil {
				confirm = fmt.Sprintf(m.w.confirmText, m.process(dt.Confirm.Process), code(dt.Confirm.When))
			}
			pb := ""
			if p := m.d.PlaybookFor(dt.Incident); p != nil {
				pb = text(p.Name)
			}
			rows = append(rows, []string{
				code(string(dt.ID)), text(dt.Name), m.party(dt.Source), code(dt.When),
				m.incident(dt.Incident), m.severity(dt.Severity), confirm, pb,
			})
		}
		m.table([]string{m.w.id, m.w.detection, m.w.source, m.w.condition, m.w.incidents, m.w.severity, m.w.confirm, m.w.playbook}, rows)
	}
}

func target(w *words, s string, set bool) string {
	if !set {
		return w.none
	}
	return s
}

func (m *markdown) fields() {
	if len(m.d.Fields) == 0 {
		return
	}
	m.section(m.w.fields)
	var rows [][]string
	for _, f := range m.d.Fields {
		t := code(string(f.Type))
		if f.List {
			t = m.w.list + " " + t
		}
		rows = append(rows, []string{code(string(f.ID)), text(f.Name), t, text(f.Description)})
	}
	m.table([]string{m.w.id, m.w.name, m.w.fieldType, m.w.description}, rows)
}

func (m *markdown) playbooks() {
	if len(m.d.Playbooks) == 0 {
		return
	}
	m.section(m.w.playbooks)
	for i := range m.d.Playbooks {
		p := &m.d.Playbooks[i]
		m.printf("\n### %d.%d. %s\n", m.sections, i+1, named(p.Name, string(p.ID)))
		if p.Description != "" {
			m.printf("\n%s\n", paragraph(p.Description))
		}
		steps := flowOrder(p)
		number := map[ident.ID]int{}
		for n, s := range steps {
			if p.Step(s.ID) == s { // a reference goes to the first of duplicate ids
				number[s.ID] = n + 1
			}
		}

		m.b.WriteString("\n")
		var incidents []string
		for _, id := range p.Incidents {
			incidents = append(incidents, m.incident(id))
		}
		if len(incidents) > 0 {
			m.printf("- **%s**: %s\n", m.w.playbookIncidents, m.join(incidents))
		}
		if len(p.Inputs) > 0 {
			m.printf("- **%s**: %s\n", m.w.playbookInputs, m.fieldList(p.Inputs, m.w.sep))
		}
		m.printf("- **%s**: %s\n", m.w.start, m.way(p, number, playbook.Way{Kind: playbook.Goto, To: string(p.Start)}))

		for n, s := range steps {
			if n == 0 || group(s.Target) != group(steps[n-1].Target) {
				title := m.w.noTarget
				if t := group(s.Target); t != "" {
					title = or(m.w.targets, t)
				}
				m.printf("\n#### %s\n\n", title)
			}
			m.step(p, s, n+1, number)
		}

		m.printf("\n#### %s\n\n```mermaid\n", m.w.flow)
		writeMermaid(&m.b, m.d, p)
		m.b.WriteString("```\n")
	}
}

// step writes step s as item n of an ordered list.
func (m *markdown) step(p *playbook.Playbook, s *playbook.Step, n int, number map[ident.ID]int) {
	marker := strconv.Itoa(n) + ". "
	indent := strings.Repeat(" ", len(marker))
	m.printf("%s**%s** (%s)\n", marker, text(s.Name), code(string(s.ID)))
	proc := m.process(s.Process)
	if pr := m.d.Process(s.Process); pr != nil && len(pr.Methods) > 0 {
		var methods []string
		for _, me := range pr.Methods {
			methods = append(methods, text(string(me.ID))+" "+text(me.Name))
		}
		proc += " — " + m.join(methods)
	}
	m.printf("%s- %s: %s\n", indent, m.w.process, proc)
	for _, way := range s.Ways() {
		if way.Kind != playbook.Branches {
			m.printf("%s- %s: %s\n", indent, m.w.next, m.way(p, number, way))
		}
	}
	for _, b := range s.Branches {
		cond := m.w.otherwiseItem
		if b.When != "" {
			cond = fmt.Sprintf(m.w.when, code(b.When))
		}
		for _, way := range b.Ways() {
			m.printf("%s- %s: %s\n", indent, cond, m.way(p, number, way))
		}
	}
}

// group is the target heading a step is listed under: its target, or ""
// when it has no valid target.
func group(t playbook.Target) playbook.Target {
	if !t.Valid() {
		return ""
	}
	return t
}

// way says where a way leads: a numbered step, a response or an end.
func (m *markdown) way(p *playbook.Playbook, number map[ident.ID]int, way playbook.Way) string {
	switch way.Kind {
	case playbook.Goto:
		s := p.Step(ident.ID(way.To))
		if s == nil {
			return code(way.To)
		}
		return fmt.Sprintf(m.w.stepRef, number[s.ID], m.quoted(s.Name))
	case playbook.Respond:
		r := m.d.Response(ident.ID(way.To))
		if r == nil {
			return code(way.To)
		}
		return responseWord(m.w, r) + " " + code(way.To) + m.w.quoteSep + m.quoted(r.Name)
	case playbook.End:
		if way.To == "" {
			return m.w.end
		}
		return m.w.end + ": " + text(way.To)
	}
	return m.w.none
}

func (m *markdown) processes() {
	if len(m.d.Processes) == 0 {
		return
	}
	m.section(m.w.processTable)
	var rows [][]string
	for _, p := range m.d.Processes {
		head := "**" + text(string(p.ID)) + "** " + text(p.Name)
		if p.Description != "" {
			head += "\n" + text(p.Description)
		}
		if len(p.Methods) == 0 {
			rows = append(rows, []string{head, "", "", "", "", "", ""})
		}
		for i, me := range p.Methods {
			if i > 0 {
				head = ""
			}
			rows = append(rows, append([]string{head}, m.method(me)...))
		}
	}
	m.table([]string{"#1 " + m.w.process, "#2 " + m.w.method, m.w.procedure, m.w.inputs, m.w.outputs, m.w.performedBy, m.w.estimate}, rows)
}

// method returns the cells of a method's row in the process table, after
// the process.
func (m *markdown) method(me process.Method) []string {
	proc := text(me.Procedure)
	if me.When != "" {
		proc += "\n" + m.w.condition + ": " + code(me.When)
	}
	if me.Note != "" {
		proc += "\n" + m.w.note + ": " + text(me.Note)
	}
	if me.Rollback != nil {
		proc += "\n" + m.w.rollback + ": " + m.rollback(me.Rollback)
	}
	by := m.w.manual
	if !me.Manual() {
		by = code(string(me.Action))
	}
	est := m.w.none
	if me.Estimate != 0 {
		est = me.Estimate.String()
	}
	return []string{
		text(string(me.ID)) + " " + text(me.Name), proc,
		m.fieldList(me.Inputs, "\n"), m.fieldList(me.Outputs, "\n"), by, est,
	}
}

func (m *markdown) rollback(r *process.Rollback) string {
	s := text(r.Procedure)
	if r.Action != "" {
		s += " (" + code(string(r.Action)) + ")"
	}
	return s
}

func (m *markdown) responses() {
	if len(m.d.Responses) == 0 {
		return
	}
	m.section(m.w.responses)
	var rows [][]string
	for i := range m.d.Responses {
		r := &m.d.Responses[i]
		var procs, rollbacks []string
		for _, id := range r.Processes {
			procs = append(procs, m.process(id))
			if p := m.d.Process(id); p != nil {
				for _, me := range p.Methods {
					if me.Rollback != nil {
						rollbacks = append(rollbacks, text(string(me.ID))+": "+m.rollback(me.Rollback))
					}
				}
			}
		}
		approval := m.w.noApproval
		if r.Approval != "" {
			approval = m.party(r.Approval)
		}
		rows = append(rows, []string{
			code(string(r.ID)), text(r.Name), or(m.w.responsePhases, r.Phase), strings.Join(procs, "\n"),
			approval, text(r.Description), orNone(m.w, strings.Join(rollbacks, "\n")),
		})
	}
	m.table([]string{m.w.id, m.w.name, m.w.phase, m.w.process, m.w.approval, m.w.description, m.w.rollback}, rows)
}

func (m *markdown) policies() {
	if len(m.d.Policies) == 0 {
		return
	}
	m.section(m.w.policies)
	var rows [][]string
	for _, p := range m.d.Policies {
		rows = append(rows, []string{code(string(p.ID)), text(p.Description), code(p.Rule)})
	}
	m.table([]string{m.w.id, m.w.description, m.w.rule}, rows)
}
