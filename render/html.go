package render

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/playbook"
	"github.com/secopsdesign/secops/process"
	"github.com/secopsdesign/secops/response"
	"github.com/secopsdesign/secops/scope"
)

// HTML writes d as one self-contained HTML runbook in the design's
// language, for an analyst on call: it loads nothing from anywhere (CSS
// inline, flows as inline SVG, no script), fits a narrow window without
// scrolling sideways and prints well.
//
// It holds, in order: a summary of the preparation (scope, criteria,
// response level) in one table; the scope and the severities; for each
// detection rule, a card that says what to do when the alert fires (the
// incident, severity and targets, the confirmation to do first, the
// playbook, who triages, who approves the containment); each playbook
// with its flow drawn by Graphviz (see SVG), then its steps in flow order
// with every method's procedure, condition, inputs, outputs and estimate
// inline, and each branch as a numbered decision in words (the CEL beside
// it); the responses with their approval, the party that carries them out
// (from the responsibilities) and the rollback of every method; then the
// fields, the process table and the policies for reference. Steps,
// processes, methods, responses, fields and incidents link to each other.
//
// d may have validation findings: references that do not resolve are
// shown by their ids. The flows are drawn by the secops-graphviz helper
// (see Helper) unless WithDrawer gives another Drawer.
func HTML(ctx context.Context, w io.Writer, d *secops.Design, opts ...Option) error {
	if d == nil {
		return errors.New("render: nil design")
	}
	h := &htmlDoc{d: d, w: wordsFor(d.Metadata.Language), ctx: ctx, drawer: newOptions(opts).drawer}
	h.page()
	if h.err != nil {
		return h.err
	}
	_, err := io.WriteString(w, h.b.String())
	return err
}

type htmlDoc struct {
	d      *secops.Design
	w      *words
	ctx    context.Context
	drawer Drawer
	b      strings.Builder
	err    error
}

func (h *htmlDoc) printf(format string, args ...any) { fmt.Fprintf(&h.b, format, args...) }

// esc escapes text for HTML.
func esc(s string) string { return html.EscapeString(s) }

// prose escapes text that YAML may have folded.
func prose(s string) string { return esc(joinFolded(s)) }

// anchor makes an id for HTML and Markdown from its parts, joined by "-".
// Letters, digits, ".", "_" and "-" (all that valid ids are made of) are
// kept; any other character becomes "~" and its code in hex, so that a
// hostile id can make no markup and two ids never make the same anchor.
func anchor(parts ...string) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('-')
		}
		for _, r := range p {
			if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r)) {
				b.WriteRune(r)
			} else {
				fmt.Fprintf(&b, "~%x", r)
			}
		}
	}
	return b.String()
}

const css = `
:root{--fg:#1b1b1b;--muted:#5b5b5b;--line:#d0d0d0;--bg2:#f5f6f8;--accent:#0b57d0;--warn:#b3261e}
*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans","Noto Sans CJK JP","Hiragino Sans",Meiryo,sans-serif;color:var(--fg);line-height:1.6}
body{margin:0 auto;padding:1rem;max-width:60rem}
h1{font-size:1.7rem;margin:.5rem 0}
h2{font-size:1.35rem;margin-top:2.5rem;border-bottom:2px solid var(--line);padding-bottom:.2rem}
h3{font-size:1.15rem;margin-top:1.8rem}
h4{font-size:1rem;margin:1.2rem 0 .3rem}
a{color:var(--accent)}
p,li,dd,dt,td,th{overflow-wrap:break-word;word-break:normal}
:lang(ja) p,:lang(ja) li,:lang(ja) dd,:lang(ja) td{line-break:strict}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.85em;background:var(--bg2);padding:0 .2em;border-radius:3px;white-space:pre-wrap;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin:.6rem 0}
th,td{border:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:var(--bg2);font-weight:600}
nav ol{columns:2;padding-left:1.2rem}
.start a{font-weight:bold;font-size:1.1rem}
.meta{color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,24rem),1fr));gap:1rem}
.card{border:1px solid var(--line);border-left:6px solid var(--accent);border-radius:6px;padding:.6rem .9rem;break-inside:avoid}
.card.untriaged{border-left-color:var(--line)}
.card h3{margin:.2rem 0 .5rem;font-size:1.05rem}
dl.facts{display:grid;grid-template-columns:fit-content(35%) minmax(0,1fr);gap:.2rem .8rem;margin:.3rem 0}
dl.facts dt{color:var(--muted);font-weight:600}
dl.facts dd{margin:0}
figure.flow{margin:1rem 0;padding:.5rem;border:1px solid var(--line);border-radius:6px;overflow:hidden;text-align:center}
figure.flow svg{max-width:100%;height:auto}
figure.flow figcaption{color:var(--muted);font-size:.9rem}
ol.steps{list-style:none;padding:0}
ol.steps>li{border-top:1px solid var(--line);padding:.4rem 0 .8rem}
.target{display:inline-block;font-size:.8rem;border:1px solid var(--line);border-radius:1rem;padding:0 .6rem;margin-left:.5rem;color:var(--muted);font-weight:normal}
.method{background:var(--bg2);border-radius:6px;padding:.4rem .8rem;margin:.5rem 0}
.method h5{margin:.1rem 0 .3rem;font-size:.95rem}
.procedure{margin:.2rem 0 .4rem}
ol.decisions{padding-left:0;list-style:none}
ol.decisions li{margin:.25rem 0}
.num{display:inline-block;min-width:2.2rem;font-weight:700}
.cel{color:var(--muted);font-size:.8rem}
.warn{color:var(--warn)}
@media print{body{max-width:none;padding:0}nav{display:none}a{color:inherit;text-decoration:none}h2{break-before:page}h2:first-of-type{break-before:auto}.card,.method,figure.flow,tr{break-inside:avoid}}
`

func (h *htmlDoc) page() {
	d := h.d
	title := d.Metadata.Title
	if title == "" {
		title = string(d.Metadata.Name)
	}
	lang := d.Metadata.Language
	if lang == "" {
		lang = "en"
	}
	h.printf("<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n", esc(lang))
	h.b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	// No request may leave the page, whatever the design holds.
	h.b.WriteString("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n")
	h.printf("<title>%s</title>\n<style>%s</style>\n</head>\n<body>\n", esc(title), css)
	h.printf("<header>\n<h1>%s</h1>\n", esc(title))
	if len(d.Criteria.Detections) > 0 {
		// The analyst on call comes with an alert: the way in is the
		// cards, first on the page and linked before anything else.
		h.printf("<p class=\"start\"><a href=\"#alerts\">%s</a></p>\n", esc(h.w.startHere))
	}
	h.printf("<p class=\"meta\"><code>%s</code>", esc(string(d.Metadata.Name)))
	if v := d.Metadata.Version; v != "" {
		h.printf(" · %s %s", esc(h.w.version), esc(v))
	}
	h.b.WriteString("</p>\n")
	if desc := d.Metadata.Description; desc != "" {
		h.printf("<p>%s</p>\n", prose(desc))
	}
	h.b.WriteString("</header>\n")

	type sec struct {
		id, title string
		write     func()
		present   bool
	}
	secs := []sec{
		{"alerts", h.w.whenFires, h.cards, len(d.Criteria.Detections) > 0},
		{"summary", h.w.summary, h.summary, true},
		{"scope", h.w.scope, h.scope, true},
		{"criteria", h.w.criteria, h.criteria, true},
		{"playbooks", h.w.playbooks, h.playbooks, len(d.Playbooks) > 0},
		{"responses", h.w.responses, h.responses, len(d.Responses) > 0},
		{"fields", h.w.fields, h.fields, len(d.Fields) > 0},
		{"processes", h.w.processTable, h.processes, len(d.Processes) > 0},
		{"policies", h.w.policies, h.policies, len(d.Policies) > 0},
	}
	h.printf("<nav aria-label=\"%s\">\n<h2>%s</h2>\n<ol>\n", esc(h.w.contents), esc(h.w.contents))
	for _, s := range secs {
		if s.present {
			h.printf("<li><a href=\"#%s\">%s</a></li>\n", s.id, esc(s.title))
		}
	}
	h.b.WriteString("</ol>\n</nav>\n<main>\n")
	for _, s := range secs {
		if s.present && h.err == nil {
			h.printf("<section id=\"%s\">\n<h2>%s</h2>\n", s.id, esc(s.title))
			s.write()
			h.b.WriteString("</section>\n")
		}
	}
	h.b.WriteString("</main>\n</body>\n</html>\n")
}

// Links to the things of the design, by id; an id that does not resolve
// is shown as code.

func (h *htmlDoc) party(id ident.ID) string {
	for _, p := range h.d.Scope.Parties {
		if p.ID == id {
			s := esc(p.Name)
			if p.Sourcing != "" {
				s += " (" + esc(or(h.w.sourcings, p.Sourcing)) + ")"
			}
			return s
		}
	}
	return "<code>" + esc(string(id)) + "</code>"
}

func (h *htmlDoc) parties(ids []ident.ID) string {
	var s []string
	for _, id := range ids {
		s = append(s, h.party(id))
	}
	return strings.Join(s, esc(h.w.sep))
}

func (h *htmlDoc) field(id ident.ID) string {
	if f := h.d.Field(id); f != nil {
		return fmt.Sprintf("<a href=\"#%s\">%s</a>", anchor("field", string(id)), esc(f.Name))
	}
	return "<code>" + esc(string(id)) + "</code>"
}

func (h *htmlDoc) fieldList(ids []ident.ID) string {
	if len(ids) == 0 {
		return esc(h.w.none)
	}
	var s []string
	for _, id := range ids {
		s = append(s, h.field(id))
	}
	return strings.Join(s, esc(h.w.sep))
}

func (h *htmlDoc) incident(id ident.ID) string {
	for _, i := range h.d.Scope.Incidents {
		if i.ID == id {
			return fmt.Sprintf("<a href=\"#%s\">%s</a>", anchor("incident", string(id)), esc(i.Name))
		}
	}
	return "<code>" + esc(string(id)) + "</code>"
}

func (h *htmlDoc) severity(id ident.ID) string {
	if s := h.d.Criteria.Severities.Get(id); s != nil {
		return fmt.Sprintf("<a href=\"#%s\">%s</a>", anchor("severity", string(id)), esc(s.Name))
	}
	return "<code>" + esc(string(id)) + "</code>"
}

func (h *htmlDoc) process(id ident.Number) string {
	if p := h.d.Process(id); p != nil {
		return fmt.Sprintf("<a href=\"#%s\">%s %s</a>", anchor("process", string(id)), esc(string(id)), esc(p.Name))
	}
	return "<code>" + esc(string(id)) + "</code>"
}

func (h *htmlDoc) responseLink(id ident.ID) string {
	if r := h.d.Response(id); r != nil {
		return fmt.Sprintf("<a href=\"#%s\">%s %s%s%s</a>", anchor("response", string(id)),
			esc(responseWord(h.w, r)), esc(string(id)), esc(h.w.quoteSep), esc(fmt.Sprintf(h.w.quoted, r.Name)))
	}
	return "<code>" + esc(string(id)) + "</code>"
}

func (h *htmlDoc) playbookLink(p *playbook.Playbook) string {
	return fmt.Sprintf("<a href=\"#%s\">%s</a>", anchor("playbook", string(p.ID)), esc(p.Name))
}

// responsible returns the party responsible for a phase, and the party
// accountable when there is one.
func (h *htmlDoc) responsible(ph scope.Phase) string {
	a := h.d.Scope.Responsibilities.For(ph)
	if a == nil || a.Responsible == "" {
		return esc(h.w.none)
	}
	s := h.party(a.Responsible)
	if a.Accountable != "" && a.Accountable != a.Responsible {
		s += " (" + esc(h.w.accountable) + ": " + h.party(a.Accountable) + ")"
	}
	return s
}

func (h *htmlDoc) summary() {
	d := h.d
	var in []string
	for _, dm := range d.Scope.Domains {
		if dm.Covered() {
			in = append(in, esc(dm.Name))
		}
	}
	var systems []string
	for _, s := range d.Scope.Systems {
		if s.Covered() {
			systems = append(systems, esc(s.Name))
		}
	}
	var incidents []string
	for _, i := range d.Scope.Incidents {
		if i.Covered() {
			incidents = append(incidents, h.incident(i.ID))
		}
	}
	h.b.WriteString("<table class=\"summary\">\n<tbody>\n")
	h.printf("<tr><th scope=\"row\">%s</th><td>", esc(h.w.scope))
	if len(in) > 0 {
		h.printf("<strong>%s</strong>: %s<br>", esc(h.w.domains), strings.Join(in, esc(h.w.sep)))
	}
	if len(systems) > 0 {
		h.printf("<strong>%s</strong>: %s<br>", esc(h.w.systems), strings.Join(systems, esc(h.w.sep)))
	}
	h.printf("<strong>%s</strong>: %s</td></tr>\n", esc(h.w.incidents), orNone(h.w, strings.Join(incidents, esc(h.w.sep))))

	h.printf("<tr><th scope=\"row\">%s</th><td><ul>", esc(h.w.criteria))
	for _, s := range d.Criteria.Severities {
		var actions []string
		for _, a := range s.Actions {
			actions = append(actions, esc(or(h.w.actionNames, a)))
		}
		h.printf("<li>%s: %s", h.severity(s.ID), strings.Join(actions, esc(h.w.sep)))
		if s.Targets.FirstResponse != 0 {
			h.printf("; %s %s", esc(h.w.firstResponseTarget), esc(s.Targets.FirstResponse.String()))
		}
		if s.Targets.Response != 0 {
			h.printf("; %s %s", esc(h.w.responseTarget), esc(s.Targets.Response.String()))
		}
		h.b.WriteString("</li>")
	}
	h.b.WriteString("</ul>")
	if t := d.Criteria.TriageThreshold; t != "" {
		h.printf("%s", fmt.Sprintf(esc(h.w.threshold), "<strong>"+h.severity(t)+"</strong>"))
	}
	h.b.WriteString("</td></tr>\n")

	h.printf("<tr><th scope=\"row\">%s</th><td><ul>", esc(h.w.responsibilities))
	for _, ph := range scope.Phases {
		h.printf("<li>%s: %s</li>", esc(or(h.w.phases, ph)), h.responsible(ph))
	}
	h.b.WriteString("</ul></td></tr>\n</tbody>\n</table>\n")
}

// cards writes, for each detection rule, what to do when its alert fires.
func (h *htmlDoc) cards() {
	d := h.d
	h.b.WriteString("<div class=\"cards\">\n")
	for i := range d.Criteria.Detections {
		dt := &d.Criteria.Detections[i]
		triaged := d.Criteria.Triaged(dt.Severity)
		class := "card"
		if !triaged {
			class += " untriaged"
		}
		h.printf("<article class=\"%s\" id=\"%s\">\n<h3>%s</h3>\n<dl class=\"facts\">\n", class, anchor("detection", string(dt.ID)), esc(dt.Name))
		h.printf("<dt>%s</dt><dd>%s <span class=\"cel\"><code>%s</code></span></dd>\n", esc(h.w.source), h.party(dt.Source), esc(oneLine(dt.When)))
		h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.incidents), h.incident(dt.Incident))
		sev := h.severity(dt.Severity)
		if s := d.Criteria.Severities.Get(dt.Severity); s != nil {
			var t []string
			if s.Targets.FirstResponse != 0 {
				t = append(t, esc(h.w.firstResponseTarget)+" "+esc(s.Targets.FirstResponse.String()))
			}
			if s.Targets.Response != 0 {
				t = append(t, esc(h.w.responseTarget)+" "+esc(s.Targets.Response.String()))
			}
			if len(t) > 0 {
				sev += " (" + strings.Join(t, esc(h.w.sep)) + ")"
			}
		}
		h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.severity), sev)
		if !triaged {
			h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.triage), esc(h.w.notTriagedCard))
			h.b.WriteString("</dl>\n</article>\n")
			continue
		}
		if c := dt.Confirm; c != nil {
			h.printf("<dt>%s</dt><dd>%s: %s <span class=\"cel\"><code>%s</code></span></dd>\n", esc(h.w.confirmFirst),
				h.process(c.Process), esc(describe(d, h.w, c.When)), esc(oneLine(c.When)))
		}
		p := d.PlaybookFor(dt.Incident)
		if p != nil {
			h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.playbook), h.playbookLink(p))
		} else {
			h.printf("<dt>%s</dt><dd class=\"warn\">%s</dd>\n", esc(h.w.playbook), esc(h.w.none))
		}
		h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.triagedBy), h.responsible(scope.Triage))
		if p != nil {
			h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.approvedBy), h.approvers(p))
		}
		h.b.WriteString("</dl>\n</article>\n")
	}
	h.b.WriteString("</div>\n")
}

// approvers says who approves the responses that playbook p can end in,
// and for which.
func (h *htmlDoc) approvers(p *playbook.Playbook) string {
	var order []ident.ID
	by := map[ident.ID][]string{}
	var free []string
	for _, id := range reachedResponses(p) {
		r := h.d.Response(id)
		if r == nil {
			continue
		}
		link := fmt.Sprintf("<a href=\"#%s\">%s</a>", anchor("response", string(id)), esc(string(id)))
		if r.Approval == "" {
			free = append(free, link)
			continue
		}
		if _, ok := by[r.Approval]; !ok {
			order = append(order, r.Approval)
		}
		by[r.Approval] = append(by[r.Approval], link)
	}
	var parts []string
	for _, a := range order {
		parts = append(parts, h.party(a)+" ("+strings.Join(by[a], esc(h.w.sep))+")")
	}
	if len(free) > 0 {
		parts = append(parts, esc(h.w.noApproval)+" ("+strings.Join(free, esc(h.w.sep))+")")
	}
	if len(parts) == 0 {
		return esc(h.w.none)
	}
	return strings.Join(parts, "<br>")
}

// reachedResponses lists the responses p's steps lead to, in flow order,
// each once.
func reachedResponses(p *playbook.Playbook) []ident.ID {
	var ids []ident.ID
	steps, _ := numbering(p)
	for _, s := range steps {
		ways := s.Ways()
		for j := range s.Branches {
			ways = append(ways, s.Branches[j].Ways()...)
		}
		for _, w := range ways {
			if w.Kind == playbook.Respond && !slices.Contains(ids, ident.ID(w.To)) {
				ids = append(ids, ident.ID(w.To))
			}
		}
	}
	return ids
}

func (h *htmlDoc) playbooks() {
	d := h.d
	for i := range d.Playbooks {
		p := &d.Playbooks[i]
		h.printf("<article id=\"%s\">\n<h3>%s <code>%s</code></h3>\n", anchor("playbook", string(p.ID)), esc(p.Name), esc(string(p.ID)))
		if p.Description != "" {
			h.printf("<p>%s</p>\n", prose(p.Description))
		}
		h.b.WriteString("<dl class=\"facts\">\n")
		if len(p.Incidents) > 0 {
			var inc []string
			for _, id := range p.Incidents {
				inc = append(inc, h.incident(id))
			}
			h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.playbookIncidents), strings.Join(inc, esc(h.w.sep)))
		}
		if len(p.Inputs) > 0 {
			h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.playbookInputs), h.fieldList(p.Inputs))
		}
		h.b.WriteString("</dl>\n")

		svg, err := playbookSVG(h.ctx, h.drawer, d, p)
		if err != nil {
			h.err = err
			return
		}
		h.printf("<figure class=\"flow\">\n%s\n<figcaption>%s: %s</figcaption>\n</figure>\n", svg, esc(h.w.flow), esc(p.Name))

		steps, number := numbering(p)
		h.b.WriteString("<ol class=\"steps\">\n")
		confirm, _ := confirmations(d, p)
		seen := map[string]bool{}
		for _, dt := range confirm {
			key := string(dt.Confirm.Process) + "\x00" + dt.Confirm.When
			if seen[key] {
				continue
			}
			seen[key] = true
			h.confirmStep(p, dt, number)
		}
		for _, s := range steps {
			h.step(p, s, number)
		}
		h.b.WriteString("</ol>\n</article>\n")
	}
}

// confirmStep writes the confirmation a detection asks for as step 0.
func (h *htmlDoc) confirmStep(p *playbook.Playbook, dt *criteria.Detection, number map[ident.ID]int) {
	c := dt.Confirm
	h.printf("<li id=\"%s\">\n<h4>0. %s</h4>\n", anchor("step", string(p.ID), "confirm", string(c.Process)), esc(h.w.confirm))
	h.printf("<p>%s: %s</p>\n", esc(h.w.process), h.process(c.Process))
	h.methods(c.Process)
	h.printf("<h5>%s 0</h5>\n<ol class=\"decisions\">\n", esc(h.w.decision))
	h.printf("<li><span class=\"num\">0.1</span> %s → %s <span class=\"cel\"><code>%s</code></span></li>\n",
		esc(h.w.ifCond(h.d, c.When)), h.way(p, number, playbook.Way{Kind: playbook.Goto, To: string(p.Start)}), esc(oneLine(c.When)))
	h.printf("<li><span class=\"num\">0.2</span> %s → %s</li>\n</ol>\n</li>\n", esc(h.w.otherwiseItem), h.way(p, number, playbook.Way{Kind: playbook.End, To: h.w.notIncident}))
}

func (h *htmlDoc) step(p *playbook.Playbook, s *playbook.Step, number map[ident.ID]int) {
	n := number[s.ID]
	id := anchor("step", string(p.ID), string(s.ID))
	if p.Step(s.ID) != s {
		id += "-dup"
	}
	h.printf("<li id=\"%s\">\n<h4>%d. %s <code>%s</code>", id, n, esc(s.Name), esc(string(s.ID)))
	if t := group(s.Target); t != "" {
		h.printf("<span class=\"target\">%s</span>", esc(or(h.w.targets, t)))
	}
	h.b.WriteString("</h4>\n")
	h.printf("<p>%s: %s</p>\n", esc(h.w.process), h.process(s.Process))
	h.methods(s.Process)
	for _, way := range s.Ways() {
		if way.Kind != playbook.Branches {
			h.printf("<p>%s: %s</p>\n", esc(h.w.next), h.way(p, number, way))
		}
	}
	if len(s.Branches) > 0 {
		h.printf("<h5>%s %d</h5>\n<ol class=\"decisions\">\n", esc(h.w.decision), n)
		for j, b := range s.Branches {
			cond := esc(h.w.otherwiseItem)
			if b.When != "" {
				cond = esc(h.w.ifCond(h.d, b.When))
			}
			h.printf("<li><span class=\"num\">%d.%d</span> %s", n, j+1, cond)
			for _, way := range b.Ways() {
				h.printf(" %s %s", esc(h.w.goTo), h.way(p, number, way))
			}
			if b.When != "" {
				h.printf(" <span class=\"cel\"><code>%s</code></span>", esc(oneLine(b.When)))
			}
			h.b.WriteString("</li>\n")
		}
		h.b.WriteString("</ol>\n")
	}
	h.b.WriteString("</li>\n")
}

// way links to where a way leads: a numbered step, a response or an end.
func (h *htmlDoc) way(p *playbook.Playbook, number map[ident.ID]int, way playbook.Way) string {
	switch way.Kind {
	case playbook.Goto:
		s := p.Step(ident.ID(way.To))
		if s == nil {
			return "<code>" + esc(way.To) + "</code>"
		}
		return fmt.Sprintf("<a href=\"#%s\">%s</a>", anchor("step", string(p.ID), way.To),
			esc(fmt.Sprintf(h.w.stepRef, number[s.ID], fmt.Sprintf(h.w.quoted, s.Name))))
	case playbook.Respond:
		return h.responseLink(ident.ID(way.To))
	case playbook.End:
		if way.To == "" {
			return esc(h.w.end)
		}
		return esc(h.w.end) + ": " + esc(way.To)
	}
	return esc(h.w.none)
}

// methods writes the methods of a process inline.
func (h *htmlDoc) methods(id ident.Number) {
	p := h.d.Process(id)
	if p == nil {
		return
	}
	for _, me := range p.Methods {
		h.method(me, false)
	}
}

// method writes one method: its procedure, condition, note, inputs,
// outputs, who or what does it, its estimate and its rollback. The
// process table's copy carries the anchor.
func (h *htmlDoc) method(me process.Method, anchored bool) {
	if anchored {
		h.printf("<div class=\"method\" id=\"%s\">\n", anchor("method", string(me.ID)))
	} else {
		h.b.WriteString("<div class=\"method\">\n")
	}
	h.printf("<h5>%s %s</h5>\n", esc(string(me.ID)), esc(me.Name))
	h.printf("<p class=\"procedure\">%s</p>\n<dl class=\"facts\">\n", prose(me.Procedure))
	if me.When != "" {
		h.printf("<dt>%s</dt><dd>%s <span class=\"cel\"><code>%s</code></span></dd>\n", esc(h.w.condition),
			esc(describe(h.d, h.w, me.When)), esc(oneLine(me.When)))
	}
	if me.Note != "" {
		h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.note), prose(me.Note))
	}
	h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.inputs), h.fieldList(me.Inputs))
	h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.outputs), h.fieldList(me.Outputs))
	by := esc(h.w.manual)
	if !me.Manual() {
		by = "<code>" + esc(string(me.Action)) + "</code>"
	}
	h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.performedBy), by)
	est := h.w.none
	if me.Estimate != 0 {
		est = me.Estimate.String()
	}
	h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.estimate), esc(est))
	if r := me.Rollback; r != nil {
		h.printf("<dt>%s</dt><dd>%s", esc(h.w.rollback), prose(r.Procedure))
		if r.Action != "" {
			h.printf(" (<code>%s</code>)", esc(string(r.Action)))
		}
		h.b.WriteString("</dd>\n")
	}
	h.b.WriteString("</dl>\n</div>\n")
}

// performer is who carries out a response: the party responsible for its
// phase, with the one accountable.
func (h *htmlDoc) performer(r *response.Response) string {
	ph := scope.FirstResponse
	if r.Phase == response.Later {
		ph = scope.Response
	}
	return h.responsible(ph)
}

func (h *htmlDoc) responses() {
	for i := range h.d.Responses {
		r := &h.d.Responses[i]
		h.printf("<article id=\"%s\">\n<h3>%s <code>%s</code></h3>\n", anchor("response", string(r.ID)), esc(r.Name), esc(string(r.ID)))
		if r.Description != "" {
			h.printf("<p>%s</p>\n", prose(r.Description))
		}
		h.b.WriteString("<dl class=\"facts\">\n")
		h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.phase), esc(or(h.w.responsePhases, r.Phase)))
		approval := esc(h.w.noApproval)
		if r.Approval != "" {
			approval = h.party(r.Approval)
		}
		h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.approval), approval)
		h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.performer), h.performer(r))
		var procs []string
		for _, id := range r.Processes {
			procs = append(procs, h.process(id))
		}
		h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.process), strings.Join(procs, "<br>"))
		h.b.WriteString("</dl>\n")
		h.printf("<table>\n<thead><tr><th>%s</th><th>%s</th></tr></thead>\n<tbody>\n", esc(h.w.method), esc(h.w.rollback))
		for _, id := range r.Processes {
			p := h.d.Process(id)
			if p == nil {
				continue
			}
			for _, me := range p.Methods {
				rb := esc(h.w.none)
				if me.Rollback != nil {
					rb = prose(me.Rollback.Procedure)
					if me.Rollback.Action != "" {
						rb += " (<code>" + esc(string(me.Rollback.Action)) + "</code>)"
					}
				}
				h.printf("<tr><td><a href=\"#%s\">%s %s</a></td><td>%s</td></tr>\n", anchor("method", string(me.ID)), esc(string(me.ID)), esc(me.Name), rb)
			}
		}
		h.b.WriteString("</tbody>\n</table>\n</article>\n")
	}
}

func (h *htmlDoc) covered(in bool) string {
	if in {
		return esc(h.w.inScope)
	}
	return esc(h.w.outOfScope)
}

func (h *htmlDoc) scope() {
	sc := &h.d.Scope
	if len(sc.Domains) > 0 {
		h.printf("<h3>%s</h3>\n", esc(h.w.domains))
		for _, dm := range sc.Domains {
			h.printf("<h4>%s <code>%s</code> <span class=\"target\">%s</span></h4>\n", esc(dm.Name), esc(string(dm.ID)), h.covered(dm.Covered()))
			if dm.Purpose != "" {
				h.printf("<p>%s</p>\n", prose(dm.Purpose))
			}
			if len(dm.Solutions) > 0 {
				h.printf("<p>%s: %s</p>\n", esc(h.w.solutions), h.texts(dm.Solutions))
			}
		}
	}
	if len(sc.Systems) > 0 {
		h.printf("<h3>%s</h3>\n", esc(h.w.systems))
		for _, s := range sc.Systems {
			h.printf("<h4>%s <code>%s</code> <span class=\"target\">%s</span></h4>\n<dl class=\"facts\">\n", esc(s.Name), esc(string(s.ID)), h.covered(s.Covered()))
			h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.class), esc(or(h.w.classes, s.Class)))
			if len(s.Kinds) > 0 {
				h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.kinds), h.texts(s.Kinds))
			}
			if s.Threats != "" {
				h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.threats), prose(s.Threats))
			}
			if s.Notes != "" {
				h.printf("<dt>%s</dt><dd>%s</dd>\n", esc(h.w.notes), prose(s.Notes))
			}
			h.b.WriteString("</dl>\n")
		}
	}
	if len(sc.Incidents) > 0 {
		h.printf("<h3>%s</h3>\n<table>\n<thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead>\n<tbody>\n",
			esc(h.w.incidents), esc(h.w.name), esc(h.w.covered), esc(h.w.playbook), esc(h.w.references))
		for _, i := range sc.Incidents {
			var refs []string
			for _, r := range i.References {
				refs = append(refs, "<code>"+esc(string(r))+"</code>")
			}
			pb := esc(h.w.none)
			if p := h.d.PlaybookFor(i.ID); p != nil {
				pb = h.playbookLink(p)
			}
			h.printf("<tr id=\"%s\"><td>%s <code>%s</code></td><td>%s</td><td>%s</td><td>%s</td></tr>\n", anchor("incident", string(i.ID)),
				esc(i.Name), esc(string(i.ID)), h.covered(i.Covered()), pb, orNone(h.w, strings.Join(refs, " ")))
		}
		h.b.WriteString("</tbody>\n</table>\n")
	}
	h.printf("<h3>%s</h3>\n<ul>\n", esc(h.w.parties))
	for _, p := range sc.Parties {
		h.printf("<li id=\"%s\">%s <code>%s</code></li>\n", anchor("party", string(p.ID)), h.party(p.ID), esc(string(p.ID)))
	}
	h.b.WriteString("</ul>\n")
	h.printf("<h3>%s</h3>\n<table>\n<thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead>\n<tbody>\n",
		esc(h.w.responsibilities), esc(h.w.phase), esc(h.w.responsible), esc(h.w.accountable), esc(h.w.consulted), esc(h.w.informed))
	for _, ph := range scope.Phases {
		a := sc.Responsibilities.For(ph)
		if a == nil {
			h.printf("<tr><td>%s</td><td>%s</td><td></td><td></td><td></td></tr>\n", esc(or(h.w.phases, ph)), esc(h.w.none))
			continue
		}
		acc := ""
		if a.Accountable != "" {
			acc = h.party(a.Accountable)
		}
		h.printf("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n", esc(or(h.w.phases, ph)),
			h.party(a.Responsible), acc, h.parties(a.Consulted), h.parties(a.Informed))
	}
	h.b.WriteString("</tbody>\n</table>\n")
}

func (h *htmlDoc) texts(ss []string) string {
	var out []string
	for _, s := range ss {
		out = append(out, esc(s))
	}
	return strings.Join(out, esc(h.w.sep))
}

func (h *htmlDoc) criteria() {
	c := &h.d.Criteria
	h.printf("<h3>%s</h3>\n", esc(h.w.severities))
	for _, s := range c.Severities {
		h.printf("<h4 id=\"%s\">%s <code>%s</code></h4>\n", anchor("severity", string(s.ID)), esc(s.Name), esc(string(s.ID)))
		if s.Description != "" {
			h.printf("<p>%s</p>\n", prose(s.Description))
		}
		var actions []string
		for _, a := range s.Actions {
			actions = append(actions, esc(or(h.w.actionNames, a)))
		}
		triaged := h.w.notTriaged
		if c.Triaged(s.ID) {
			triaged = h.w.triaged
		}
		h.printf("<dl class=\"facts\">\n<dt>%s</dt><dd>%s</dd>\n<dt>%s</dt><dd>%s</dd>\n<dt>%s</dt><dd>%s</dd>\n<dt>%s</dt><dd>%s</dd>\n</dl>\n",
			esc(h.w.actions), orNone(h.w, strings.Join(actions, esc(h.w.sep))),
			esc(h.w.firstResponseTarget), esc(target(h.w, s.Targets.FirstResponse.String(), s.Targets.FirstResponse != 0)),
			esc(h.w.responseTarget), esc(target(h.w, s.Targets.Response.String(), s.Targets.Response != 0)),
			esc(h.w.triage), esc(triaged))
	}
	if c.TriageThreshold != "" {
		h.printf("<p>%s</p>\n", fmt.Sprintf(esc(h.w.threshold), "<strong>"+h.severity(c.TriageThreshold)+"</strong>"))
	}
}

func (h *htmlDoc) fields() {
	h.printf("<table>\n<thead><tr><th>%s</th><th>%s</th><th>%s</th></tr></thead>\n<tbody>\n", esc(h.w.name), esc(h.w.id), esc(h.w.fieldType))
	for _, f := range h.d.Fields {
		t := "<code>" + esc(string(f.Type)) + "</code>"
		if f.List {
			t = esc(h.w.list) + " " + t
		}
		name := esc(f.Name)
		if f.Description != "" {
			name += "<br>" + prose(f.Description)
		}
		h.printf("<tr id=\"%s\"><td>%s</td><td><code>%s</code></td><td>%s</td></tr>\n", anchor("field", string(f.ID)), name, esc(string(f.ID)), t)
	}
	h.b.WriteString("</tbody>\n</table>\n")
}

func (h *htmlDoc) processes() {
	for _, p := range h.d.Processes {
		h.printf("<article id=\"%s\">\n<h3>%s %s</h3>\n", anchor("process", string(p.ID)), esc(string(p.ID)), esc(p.Name))
		if p.Description != "" {
			h.printf("<p>%s</p>\n", prose(p.Description))
		}
		for _, me := range p.Methods {
			h.method(me, true)
		}
		h.b.WriteString("</article>\n")
	}
}

func (h *htmlDoc) policies() {
	h.b.WriteString("<ul>\n")
	for _, p := range h.d.Policies {
		h.printf("<li id=\"%s\"><code>%s</code>: %s <span class=\"cel\"><code>%s</code></span></li>\n", anchor("policy", string(p.ID)),
			esc(string(p.ID)), prose(p.Description), esc(oneLine(p.Rule)))
	}
	h.b.WriteString("</ul>\n")
}
