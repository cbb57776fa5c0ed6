package cacao

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/scope"
)

// tlpFromLevel maps CACAO tlpv2_level values to design TLP levels.
var tlpFromLevel = map[string]secops.TLP{
	"TLP:CLEAR": secops.TLPClear, "TLP:WHITE": secops.TLPClear, "TLP:GREEN": secops.TLPGreen,
	"TLP:AMBER": secops.TLPAmber, "TLP:AMBER+STRICT": secops.TLPAmberStrict, "TLP:RED": secops.TLPRed,
}

// markings carries the playbook's TLP marking into metadata.tlp (the
// most restricted one if there are several) and notes the others.
func (im *importer) markings() {
	for i, id := range im.pb.Markings {
		path := "$.markings[" + strconv.Itoa(i) + "]"
		m, ok := im.pb.DataMarkingDefinitions[id]
		if !ok {
			im.rep.dropped("", path, "marking %s: dropped, it is not in data_marking_definitions", id)
			continue
		}
		t, ok := tlpFromLevel[strings.ToUpper(m.TLPv2Level)]
		if m.Type != "marking-tlp" || !ok {
			what := m.Type
			if m.Statement != "" {
				what += " " + strconv.Quote(m.Statement)
			}
			im.rep.dropped("", path, "marking %s (%s): dropped, a design carries only a TLP level (metadata.tlp)", id, what)
			continue
		}
		if cur := im.d.Metadata.TLP; cur != "" && cur != t {
			im.rep.dropped("", path, "marking %s (%s): the playbook has two TLP markings; metadata.tlp keeps the more restricted", id, m.TLPv2Level)
			if slices.Index(secops.TLPs, t) < slices.Index(secops.TLPs, cur) {
				continue
			}
		}
		im.d.Metadata.TLP = t
	}
}

// references carries the playbook's external references: into the
// playbook description, and as url: references of the placeholder
// incidents when there are some (see placeholders).
func (im *importer) references() {
	if len(im.pb.ExternalReferences) == 0 {
		return
	}
	var b strings.Builder
	b.WriteString("References:")
	for _, r := range im.pb.ExternalReferences {
		b.WriteString("\n- " + r.Name)
		for _, s := range []string{r.Description, r.Source, r.URL, r.ExternalID, r.ReferenceID} {
			if s != "" {
				b.WriteString("; " + s)
			}
		}
		if r.URL != "" && scope.Reference("url:"+r.URL).Valid() {
			im.refs = append(im.refs, scope.Reference("url:"+r.URL))
		}
	}
	im.refText = b.String()
	im.rep.dropped("", "$.external_references", "kept as text in the playbook description (and their URLs as references of the incidents it handles, if it names any)")
}

// playbookKeys are the playbook properties Import carries over, or
// derives again on export, or notes on its own.
var playbookKeys = map[string]bool{
	"type": true, "spec_version": true, "id": true, "name": true, "description": true, "created_by": true,
	"created": true, "modified": true, "workflow_start": true, "workflow_exception": true, "workflow": true,
	"playbook_variables": true, "playbook_extensions": true, "extension_definitions": true, "agent_definitions": true,
	"target_definitions": true, "markings": true, "data_marking_definitions": true, "external_references": true,
	"authentication_info_definitions": true, "labels": true, "playbook_types": true,
}

// stepKeys are the step properties Import carries over or notes on its
// own.
var stepKeys = map[string]bool{
	"type": true, "name": true, "description": true, "on_completion": true, "on_success": true, "on_failure": true,
	"step_extensions": true, "commands": true, "agent": true, "targets": true, "in_args": true, "out_args": true,
	"step_variables": true, "condition": true, "on_true": true, "on_false": true, "switch": true, "cases": true,
	"next_steps": true, "playbook_id": true, "timeout": true,
}

var commandKeys = map[string]bool{"type": true, "command": true, "command_b64": true, "description": true, "content": true, "headers": true}

var variableKeys = map[string]bool{"type": true, "description": true, "value": true, "constant": true, "external": true}

// droppedFields notes, with its JSON path, every property of the
// playbook that Import neither carries over nor notes otherwise.
func droppedFields(root map[string]any, pb *Playbook, rep *Report) {
	for _, k := range sortedKeys(root) {
		path := joinPath("$", k, false)
		switch {
		case !playbookKeys[k]:
			rep.dropped("", path, "dropped: a design has no place for it (%s)", summary(root[k]))
		case k == "playbook_extensions":
			for _, e := range sortedKeys(asMap(root[k])) {
				if e != ExtensionID {
					rep.dropped("", joinPath(path, e, true), "dropped: an extension secops does not know")
				}
			}
		case k == "labels":
			var l []string
			for _, s := range pb.Labels {
				if s != "secops" && !strings.HasPrefix(s, "secops-design:") && !strings.HasPrefix(s, "secops-playbook:") {
					l = append(l, s)
				}
			}
			if len(l) > 0 {
				rep.dropped("", path, "dropped: %s", strings.Join(l, ", "))
			}
		case k == "playbook_types":
			if !slices.Equal(pb.PlaybookTypes, []string{"investigation"}) {
				rep.dropped("", path, "dropped: %s (a design playbook is for triage, investigation)", strings.Join(pb.PlaybookTypes, ", "))
			}
		case k == "authentication_info_definitions":
			for _, id := range sortedKeys(asMap(root[k])) {
				a := pb.AuthenticationInfoDefinitions[id]
				if _, ours := a.Extensions[ExtensionID]; !ours && !strings.HasPrefix(a.Token, "__secops_secret_") {
					rep.dropped("", joinPath(path, id, true), "dropped: a design holds no credentials (give them to the adapters instead)")
				}
			}
		case k == "agent_definitions" || k == "target_definitions":
			used := map[string]bool{}
			for _, st := range pb.Workflow {
				if st != nil {
					used[st.Agent] = true
					for _, t := range st.Targets {
						used[t] = true
					}
				}
			}
			for _, id := range sortedKeys(asMap(root[k])) {
				if !used[id] {
					rep.dropped("", joinPath(path, id, true), "dropped: no step names it")
				}
			}
		case k == "playbook_variables":
			for _, name := range sortedKeys(asMap(root[k])) {
				unknownKeys(asMap(asMap(root[k])[name]), variableKeys, joinPath(path, name, true), "", rep)
			}
		case k == "workflow":
			for _, id := range sortedKeys(asMap(root[k])) {
				stepDropped(id, asMap(asMap(root[k])[id]), pb.Workflow[id], joinPath(path, id, true), rep)
			}
		}
	}
	sort.SliceStable(rep.Notes, func(i, j int) bool { return rep.Notes[i].Path == "" && rep.Notes[j].Path != "" })
}

func stepDropped(id string, raw map[string]any, s *Step, path string, rep *Report) {
	if s == nil {
		return
	}
	_, ours := s.StepExtensions[ExtensionID]
	unknownKeys(raw, stepKeys, path, id, rep)
	for _, e := range sortedKeys(asMap(raw["step_extensions"])) {
		if e != ExtensionID {
			rep.dropped(id, joinPath(joinPath(path, "step_extensions", false), e, true), "dropped: an extension secops does not know")
		}
	}
	if cmds, ok := raw["commands"].([]any); ok {
		for i, c := range cmds {
			unknownKeys(asMap(c), commandKeys, path+".commands["+strconv.Itoa(i)+"]", id, rep)
		}
	}
	for _, name := range sortedKeys(asMap(raw["step_variables"])) {
		unknownKeys(asMap(asMap(raw["step_variables"])[name]), variableKeys, joinPath(joinPath(path, "step_variables", false), name, true), id, rep)
	}
	if _, ok := raw["timeout"]; ok && !ours {
		switch s.Type {
		case StepAction, StepPlaybookAction:
		default:
			rep.dropped(id, path+".timeout", "dropped: only action steps have an estimate to carry it")
		}
	}
}

func unknownKeys(m map[string]any, known map[string]bool, path, step string, rep *Report) {
	for _, k := range sortedKeys(m) {
		if !known[k] {
			rep.dropped(step, joinPath(path, k, false), "dropped: a design has no place for it (%s)", summary(m[k]))
		}
	}
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// summary says briefly what a dropped value was.
func summary(v any) string {
	switch x := v.(type) {
	case []any:
		return fmt.Sprintf("an array of %d", len(x))
	case map[string]any:
		return fmt.Sprintf("an object of %d properties", len(x))
	}
	return describeJSON(v)
}
