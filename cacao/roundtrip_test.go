package cacao

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/criteria"
	"github.com/secopsdesign/secops/expr"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/scope"
)

// TestImportRestoresScope: a playbook exported by secops imports with
// its incidents (placeholders, each with a placeholder detection that
// reaches the playbook), the design's parties, responsibilities and
// description.
func TestImportRestoresScope(t *testing.T) {
	for _, path := range bundled {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) {
			d := loadDesign(t, path)
			files, err := Export(d, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				var buf bytes.Buffer
				if err := f.Playbook.Encode(&buf); err != nil {
					t.Fatal(err)
				}
				got, rep, err := Import(&buf)
				if err != nil {
					t.Fatal(err)
				}
				requireValid(t, got, rep)
				orig := d.Playbook(f.ID)
				if diff := cmp.Diff(orig.Incidents, got.Playbooks[0].Incidents); diff != "" {
					t.Errorf("%s: incidents (-want +got):\n%s", f.ID, diff)
				}
				if diff := cmp.Diff(d.Metadata, got.Metadata); diff != "" {
					t.Errorf("%s: metadata (-want +got):\n%s", f.ID, diff)
				}
				if diff := cmp.Diff(d.Scope.Parties, got.Scope.Parties); diff != "" {
					t.Errorf("%s: parties (-want +got):\n%s", f.ID, diff)
				}
				if diff := cmp.Diff(d.Scope.Responsibilities, got.Scope.Responsibilities); diff != "" {
					t.Errorf("%s: responsibilities (-want +got):\n%s", f.ID, diff)
				}
				for _, inc := range orig.Incidents {
					if !slices.ContainsFunc(got.Scope.Incidents, func(i scope.Incident) bool { return i.ID == inc }) {
						t.Errorf("%s: no incident %s", f.ID, inc)
					}
					det := slices.IndexFunc(got.Criteria.Detections, func(det criteria.Detection) bool { return det.Incident == inc })
					if det < 0 {
						t.Errorf("%s: no detection of %s", f.ID, inc)
						continue
					}
					dt := got.Criteria.Detections[det]
					if dt.Severity != got.Criteria.TriageThreshold {
						t.Errorf("%s: detection of %s has severity %s, want the triage threshold", f.ID, inc, dt.Severity)
					}
					prg, err := expr.Compile(expr.Alert, dt.When)
					if err != nil {
						t.Errorf("%s: detection of %s: %v", f.ID, inc, err)
						continue
					}
					for _, r := range prg.Refs() {
						if got.Field(ident.ID(r)) == nil {
							t.Errorf("%s: detection of %s reads alert.%s, which is not a field", f.ID, inc, r)
						}
					}
					if !slices.Contains(rep.Placeholders, "$.criteria.detections["+strconv.Itoa(det)+"]") {
						t.Errorf("%s: detection of %s is not marked as a placeholder", f.ID, inc)
					}
				}
			}
		})
	}
}

// TestExportWhenGuard: a method's when is an if-condition whose on_true
// branch is the method's action step alone, ending in an end step of
// its own; the if-condition goes on at on_completion. The condition is
// the when (or its STIX translation, the when in the extension).
func TestExportWhenGuard(t *testing.T) {
	guarded := 0
	for _, path := range bundled {
		d := loadDesign(t, path)
		files, err := Export(d, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			for id, s := range f.Playbook.Workflow {
				e := stepExt(s)
				if s.Type != StepIfCondition || e == nil || e.Method == "" {
					continue
				}
				guarded++
				m := d.Process(ident.Number(e.Process))
				var when string
				for _, mm := range m.Methods {
					if string(mm.ID) == e.Method {
						when = mm.When
					}
				}
				got := s.Condition
				if e.ExpressionLanguage != ExpressionLanguage {
					got = e.When
				}
				if got != when || when == "" {
					t.Errorf("%s: condition %q, want the when of method %s, %q", id, got, e.Method, when)
				}
				a := f.Playbook.Workflow[s.OnTrue]
				if a == nil || a.Type != StepAction || stepExt(a).Method != e.Method {
					t.Errorf("%s: on_true %s is not the action of method %s", id, s.OnTrue, e.Method)
					continue
				}
				if end := f.Playbook.Workflow[a.OnCompletion]; end == nil || end.Type != StepEnd {
					t.Errorf("%s: the action %s does not end its branch", id, s.OnTrue)
				}
				if s.OnFalse != "" || s.OnCompletion == "" {
					t.Errorf("%s: on_false %q, on_completion %q: want none, and where the flow goes on", id, s.OnFalse, s.OnCompletion)
				}
			}
		}
	}
	if guarded == 0 {
		t.Skip("no bundled method has a when")
	}
}

// TestRoundTripIdentical: export → import → export of the bundled
// examples gives byte-identical files, extensions included, with and
// without adapters; the import lists nothing as dropped.
func TestRoundTripIdentical(t *testing.T) {
	for _, path := range bundled {
		for _, withAdapters := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/adapters=%v", filepath.Base(filepath.Dir(path)), withAdapters), func(t *testing.T) {
				d := loadDesign(t, path)
				d.Metadata.TLP = secops.TLPAmberStrict
				var opts Options
				if withAdapters {
					opts.Adapters = testAdapters(t, d)
				}
				files, err := Export(d, opts)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range files {
					var first bytes.Buffer
					if err := f.Playbook.Encode(&first); err != nil {
						t.Fatal(err)
					}
					imported, rep, err := Import(bytes.NewReader(first.Bytes()))
					if err != nil {
						t.Fatal(err)
					}
					for _, n := range rep.Notes {
						if n.Path != "" {
							t.Errorf("%s: dropped: %v", f.ID, n)
						}
					}
					if imported.Metadata.TLP != secops.TLPAmberStrict {
						t.Errorf("%s: metadata.tlp %q, want amber+strict", f.ID, imported.Metadata.TLP)
					}
					again, err := Export(imported, opts)
					if err != nil {
						t.Fatal(err)
					}
					var second bytes.Buffer
					if err := again[0].Playbook.Encode(&second); err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(first.String(), second.String()); diff != "" {
						t.Errorf("%s: export → import → export (-want +got):\n%s", f.ID, diff)
					}
				}
			})
		}
	}
}
