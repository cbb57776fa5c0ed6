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
	"github.com/secopsdesign/secops/response"
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
// A column that is empty in every row is left out.
func (m *markdown) table(header []string, rows [][]string) {
	var keep []int
	for c := range header {
		for _, r := range rows {
			if c < len(r) && strings.TrimSpace(r[c]) != "" {
				keep = append(keep, c)
				break
			}
		}
	}
	if len(keep) < len(header) {
		pick := func(cells []string) []string {
			out := make([]string, 0, len(keep))
			for _, c := range keep {
				if c < len(cells) {
					out = append(out, cells[c])
				} else {
					out = append(out, "")
				}
			}
			return out
		}
		header = pick(header)
		for i, r := range rows {
			rows[i] = pick(r)
		}
	}
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
		m.printf("\n%s\n", paragraph(joinFolded(desc)))
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

// process writes "1.1 Name", linked to the process's section.
func (m *markdown) process(id ident.Number) string {
	if p := m.d.Process(id); p != nil {
		return "[" + text(string(id)) + " " + text(p.Name) + "](#" + anchor("process", string(id)) + ")"
	}
	return code(string(id))
}

// mdProse escapes text that YAML may have folded, on one line.
func mdProse(s string) string { return text(joinFolded(s)) }

// target writes an anchor that links can point at: GitHub keeps the id
// (as user-content-…) and scrolls to it.
func (m *markdown) anchorTag(parts ...string) string {
	return "<a id=\"" + anchor(parts...) + "\"></a>"
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

	// Domains and systems carry prose: each gets a short entry instead of
	// a table row, so that no table outgrows the page.
	if len(sc.Domains) > 0 {
		m.printf("\n### %s\n\n", m.w.domains)
		for _, dm := range sc.Domains {
			m.printf("- **%s** (%s) — %s\n", text(dm.Name), code(string(dm.ID)), m.covered(dm.Covered()))
			if dm.Purpose != "" {
				m.printf("  - %s: %s\n", m.w.purpose, mdProse(dm.Purpose))
			}
			if len(dm.Solutions) > 0 {
				m.printf("  - %s: %s\n", m.w.solutions, m.texts(dm.Solutions))
			}
		}
	}

	if len(sc.Systems) > 0 {
		m.printf("\n### %s\n\n", m.w.systems)
		for _, s := range sc.Systems {
			m.printf("- **%s** (%s) — %s, %s\n", text(s.Name), code(string(s.ID)), or(m.w.classes, s.Class), m.covered(s.Covered()))
			if len(s.Kinds) > 0 {
				m.printf("  - %s: %s\n", m.w.kinds, m.texts(s.Kinds))
			}
			if s.Threats != "" {
				m.printf("  - %s: %s\n", m.w.threats, mdProse(s.Threats))
			}
			if s.Notes != "" {
				m.printf("  - %s: %s\n", m.w.notes, mdProse(s.Notes))
			}
		}
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
			rows = append(rows, []string{m.anchorTag("incident", string(i.ID)) + named(i.Name, string(i.ID)), dom, m.covered(i.Covered()), m.join(systems), strings.Join(refs, " ")})
		}
		m.table([]string{m.w.name, m.w.domain, m.w.covered, m.w.systems, m.w.references}, rows)
	}

	m.printf("\n### %s\n", m.w.parties)
	var rows [][]string
	for _, p := range sc.Parties {
		rows = append(rows, []string{code(string(p.ID)), text(p.Name), or(m.w.sourcings, p.Sourcing)})
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
			"**" + text(s.Name) + "** (" + code(string(s.ID)) + ")", m.join(actions),
			target(m.w, s.Targets.FirstResponse.String(), s.Targets.FirstResponse != 0),
			target(m.w, s.Targets.Response.String(), s.Targets.Response != 0),
			triaged,
		})
	}
	m.table([]string{m.w.severity, m.w.actions, m.w.firstResponseTarget, m.w.responseTarget, m.w.triage}, rows)
	m.b.WriteString("\n")
	for _, s := range c.Severities {
		if s.Description != "" {
			m.printf("- **%s**: %s\n", text(s.Name), mdProse(s.Description))
		}
	}
	if c.TriageThreshold != "" {
		m.printf("\n%s\n", fmt.Sprintf(m.w.threshold, "**"+m.severity(c.TriageThreshold)+"**"))
	}

	if len(c.Detections) > 0 {
		// What the analyst reads first, then the conditions the SOC's
		// tools match: two narrow tables instead of one wide one.
		m.printf("\n### %s\n", m.w.detections)
		rows = nil
		var conds [][]string
		for _, dt := range c.Detections {
			confirm := ""
			if dt.Confirm != nil {
				confirm = m.process(dt.Confirm.Process) + " → " + text(describe(m.d, m.w, dt.Confirm.When))
			}
			pb := ""
			if p := m.d.PlaybookFor(dt.Incident); p != nil {
				pb = "[" + text(p.Name) + "](#" + anchor("playbook", string(p.ID)) + ")"
			}
			if !c.Triaged(dt.Severity) {
				pb = m.w.notTriagedCell
			}
			rows = append(rows, []string{text(dt.Name), m.incident(dt.Incident), m.severity(dt.Severity), confirm, pb})
			conds = append(conds, []string{code(string(dt.ID)), m.party(dt.Source), code(dt.When)})
		}
		m.table([]string{m.w.detection, m.w.incidents, m.w.severity, m.w.confirm, m.w.playbook}, rows)
		m.printf("\n#### %s\n", m.w.condition)
		m.table([]string{m.w.id, m.w.source, m.w.condition}, conds)
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
		rows = append(rows, []string{m.anchorTag("field", string(f.ID)) + code(string(f.ID)), text(f.Name), t, mdProse(f.Description)})
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
		m.printf("\n### %d.%d. %s%s\n", m.sections, i+1, m.anchorTag("playbook", string(p.ID)), named(p.Name, string(p.ID)))
		if p.Description != "" {
			m.printf("\n%s\n", paragraph(joinFolded(p.Description)))
		}
		steps, number := numbering(p)

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
		confirm, _ := confirmations(m.d, p)
		seen := map[string]bool{}
		for _, dt := range confirm {
			key := string(dt.Confirm.Process) + "\x00" + dt.Confirm.When
			if seen[key] {
				continue
			}
			seen[key] = true
			m.printf("- **%s** (%s): %s → %s %s\n", m.w.confirm, text(dt.Name), m.process(dt.Confirm.Process),
				fmt.Sprintf(m.w.when, text(lowerFirst(describe(m.d, m.w, dt.Confirm.When)))), code(dt.Confirm.When))
		}
		m.printf("- **%s**: %s\n\n", m.w.start, m.way(p, number, playbook.Way{Kind: playbook.Goto, To: string(p.Start)}))

		for n, s := range steps {
			m.step(p, s, n+1, number)
		}

		m.printf("\n#### %s: %s\n\n```mermaid\n", m.w.flow, text(p.Name))
		writeMermaid(&m.b, m.d, p)
		m.b.WriteString("```\n")
	}
}

// step writes step s as item n of an ordered list: its target, its
// process and methods (linked to the process table), and its ways on,
// each branch as a numbered decision in words with the CEL beside it.
func (m *markdown) step(p *playbook.Playbook, s *playbook.Step, n int, number map[ident.ID]int) {
	marker := strconv.Itoa(n) + ". "
	indent := strings.Repeat(" ", len(marker))
	t := "" // a step that names no target says nothing of one
	if g := group(s.Target); g != "" {
		t = " — " + or(m.w.targets, g)
	}
	m.printf("%s**%s** (%s)%s%s\n", marker, text(s.Name), code(string(s.ID)), t, m.anchorTag("step", string(p.ID), string(s.ID)))
	proc := m.process(s.Process)
	if pr := m.d.Process(s.Process); pr != nil && len(pr.Methods) > 0 {
		var methods []string
		for _, me := range pr.Methods {
			methods = append(methods, "["+text(string(me.ID))+" "+text(me.Name)+"](#"+anchor("method", string(me.ID))+")")
		}
		proc += ": " + m.join(methods)
	}
	m.printf("%s- %s: %s\n", indent, m.w.process, proc)
	for _, way := range s.Ways() {
		if way.Kind != playbook.Branches {
			m.printf("%s- %s: %s\n", indent, m.w.next, m.way(p, number, way))
		}
	}
	for j, b := range s.Branches {
		cond := m.w.otherwiseItem
		if b.When != "" {
			cond = fmt.Sprintf(m.w.when, text(lowerFirst(describe(m.d, m.w, b.When))))
		}
		for _, way := range b.Ways() {
			m.printf("%s- %d.%d %s: %s", indent, n, j+1, cond, m.way(p, number, way))
			if b.When != "" {
				m.printf(" — %s", code(b.When))
			}
			m.b.WriteString("\n")
		}
	}
}

// group is the target a step is listed with: its target, or "" when it
// has no valid target.
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
		return "[" + fmt.Sprintf(m.w.stepRef, number[s.ID], m.quoted(s.Name)) + "](#" + anchor("step", string(p.ID), way.To) + ")"
	case playbook.Respond:
		r := m.d.Response(ident.ID(way.To))
		if r == nil {
			return code(way.To)
		}
		return responseWord(m.w, r) + " [" + code(way.To) + m.w.quoteSep + m.quoted(r.Name) + "](#" + anchor("response", way.To) + ")"
	case playbook.End:
		if way.To == "" {
			return m.w.end
		}
		return m.w.end + ": " + text(way.To)
	}
	return m.w.none
}

// processes writes the process table as one entry per process, each
// method with its procedure, condition, inputs, outputs, performer,
// estimate and rollback: prose does not fit in table cells.
func (m *markdown) processes() {
	if len(m.d.Processes) == 0 {
		return
	}
	m.section(m.w.processTable)
	for _, p := range m.d.Processes {
		m.printf("\n### %s%s %s\n", m.anchorTag("process", string(p.ID)), text(string(p.ID)), text(p.Name))
		if p.Description != "" {
			m.printf("\n%s\n", paragraph(joinFolded(p.Description)))
		}
		if len(p.Methods) > 0 {
			m.b.WriteString("\n")
		}
		for _, me := range p.Methods {
			m.method(me)
		}
	}
}

// method writes one method of the process table as a list item.
func (m *markdown) method(me process.Method) {
	m.printf("- %s**%s %s**: %s\n", m.anchorTag("method", string(me.ID)), text(string(me.ID)), text(me.Name), mdProse(me.Procedure))
	if me.When != "" {
		m.printf("  - %s: %s — %s\n", m.w.condition, text(describe(m.d, m.w, me.When)), code(me.When))
	}
	if me.Note != "" {
		m.printf("  - %s: %s\n", m.w.note, mdProse(me.Note))
	}
	if len(me.Inputs) > 0 {
		m.printf("  - %s: %s\n", m.w.inputs, m.fieldList(me.Inputs, m.w.sep))
	}
	if len(me.Outputs) > 0 {
		m.printf("  - %s: %s\n", m.w.outputs, m.fieldList(me.Outputs, m.w.sep))
	}
	by := m.w.manual
	if !me.Manual() {
		by = code(string(me.Action))
	}
	m.printf("  - %s: %s\n", m.w.performedBy, by)
	if me.Estimate != 0 {
		m.printf("  - %s: %s\n", m.w.estimate, me.Estimate.String())
	}
	if me.Rollback != nil {
		m.printf("  - %s: %s\n", m.w.rollback, m.rollback(me.Rollback))
	}
}

func (m *markdown) rollback(r *process.Rollback) string {
	s := mdProse(r.Procedure)
	if r.Action != "" {
		s += " (" + code(string(r.Action)) + ")"
	}
	return s
}

// performer is who carries out a response: the party responsible for
// its phase in the responsibilities.
func (m *markdown) performer(r *response.Response) string {
	ph := scope.FirstResponse
	if r.Phase == response.Later {
		ph = scope.Response
	}
	if a := m.d.Scope.Responsibilities.For(ph); a != nil && a.Responsible != "" {
		return m.party(a.Responsible)
	}
	return m.w.none
}

func (m *markdown) responses() {
	if len(m.d.Responses) == 0 {
		return
	}
	m.section(m.w.responses)
	var rows [][]string
	for i := range m.d.Responses {
		r := &m.d.Responses[i]
		var procs []string
		for _, id := range r.Processes {
			procs = append(procs, m.process(id))
		}
		approval := m.w.noApproval
		if r.Approval != "" {
			approval = m.party(r.Approval)
		}
		rows = append(rows, []string{
			"[" + code(string(r.ID)) + "](#" + anchor("response", string(r.ID)) + ") " + text(r.Name),
			or(m.w.responsePhases, r.Phase), strings.Join(procs, "<br>"), approval, m.performer(r),
		})
	}
	m.table([]string{m.w.name, m.w.phase, m.w.process, m.w.approval, m.w.performer}, rows)
	for i := range m.d.Responses {
		r := &m.d.Responses[i]
		m.printf("\n### %s%s %s\n", m.anchorTag("response", string(r.ID)), code(string(r.ID)), text(r.Name))
		if r.Description != "" {
			m.printf("\n%s\n", paragraph(joinFolded(r.Description)))
		}
		var rollbacks []string
		for _, id := range r.Processes {
			if p := m.d.Process(id); p != nil {
				for _, me := range p.Methods {
					if me.Rollback != nil {
						rollbacks = append(rollbacks, "- "+text(string(me.ID))+" "+text(me.Name)+": "+m.rollback(me.Rollback))
					}
				}
			}
		}
		if len(rollbacks) > 0 {
			m.printf("\n**%s**\n\n%s\n", m.w.rollback, strings.Join(rollbacks, "\n"))
		}
	}
}

func (m *markdown) policies() {
	if len(m.d.Policies) == 0 {
		return
	}
	m.section(m.w.policies)
	m.b.WriteString("\n")
	for _, p := range m.d.Policies {
		m.printf("- %s: %s\n  - %s: %s\n", code(string(p.ID)), mdProse(p.Description), m.w.rule, code(p.Rule))
	}
}
