package cacao

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/finding"
)

// examples returns the CACAO example files, or skips the test.
func examples(t *testing.T) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(sharedDir, "cacao", "examples", "*.json"))
	if len(files) == 0 {
		t.Skip("no CACAO examples in " + sharedDir)
	}
	return files
}

// requireValid fails the test when d, written with WriteYAML and loaded
// back, has errors.
func requireValid(t *testing.T, d *secops.Design, rep *Report) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteYAML(&buf, d, rep.Placeholders); err != nil {
		t.Fatal(err)
	}
	back, lf, err := secops.Load(bytes.NewReader(buf.Bytes()), "imported.yaml")
	if err == nil {
		err = lf.Err()
	}
	if err != nil {
		t.Fatalf("load: %v\n%s", err, buf.Bytes())
	}
	for _, f := range finding.From(back.Validate()) {
		if f.Severity == finding.Error {
			t.Errorf("validate: %v", f)
		}
	}
	return buf.Bytes()
}

func TestImportExamples(t *testing.T) {
	for _, path := range examples(t) {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".json"), func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			d, rep, err := Import(f)
			if err != nil {
				t.Fatal(err)
			}
			y := requireValid(t, d, rep)
			if n := bytes.Count(y, []byte("# TODO(import)")); n != len(rep.Placeholders) || n == 0 {
				t.Errorf("%d TODO(import) comments, want %d", n, len(rep.Placeholders))
			}
			var pb Playbook
			data, _ := os.ReadFile(path)
			if err := json.Unmarshal(data, &pb); err != nil {
				t.Fatal(err)
			}
			actions := 0
			for _, s := range pb.Workflow {
				if s.Type == StepAction || s.Type == StepPlaybookAction {
					actions++
				}
			}
			methods := 0
			for _, p := range d.Processes {
				methods += len(p.Methods)
			}
			if methods != actions {
				t.Errorf("%d methods for %d action steps", methods, actions)
			}
			// The imported design exports to a valid playbook that
			// imports back to the same steps and processes.
			files, err := Export(d, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if s := playbookSchema(t); s != nil {
				if err := validateSchema(t, s, files[0].Playbook); err != nil {
					t.Errorf("schema: %v", err)
				}
			}
			var buf bytes.Buffer
			if err := files[0].Playbook.Encode(&buf); err != nil {
				t.Fatal(err)
			}
			again, _, err := Import(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(d.Playbooks[0].Steps, again.Playbooks[0].Steps); diff != "" {
				t.Errorf("import → export → import: steps (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(d.Processes, again.Processes); diff != "" {
				t.Errorf("import → export → import: processes (-want +got):\n%s", diff)
			}
		})
	}
}

// shape is what a round trip keeps: for each CACAO step, its type,
// name, condition, commands, arguments and links, by id.
func shape(pb *Playbook) map[string]Step {
	m := map[string]Step{}
	for id, s := range pb.Workflow {
		c := *s
		c.Agent = ""
		m[id] = c
	}
	return m
}

func TestRoundTrip(t *testing.T) {
	for _, path := range bundled {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) {
			d := loadDesign(t, path)
			first, err := Export(d, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range first {
				var buf bytes.Buffer
				if err := f.Playbook.Encode(&buf); err != nil {
					t.Fatal(err)
				}
				imported, rep, err := Import(&buf)
				if err != nil {
					t.Fatal(err)
				}
				requireValid(t, imported, rep)
				orig := d.Playbook(f.ID)
				got := imported.Playbooks[0]
				if diff := cmp.Diff(sortedSteps(orig.Steps), sortedSteps(got.Steps)); diff != "" {
					t.Errorf("%s: steps (-want +got):\n%s", f.ID, diff)
				}
				for _, p := range imported.Processes {
					if diff := cmp.Diff(*d.Process(p.ID), p); diff != "" {
						t.Errorf("%s: process %s (-want +got):\n%s", f.ID, p.ID, diff)
					}
				}
				for _, r := range imported.Responses {
					if diff := cmp.Diff(*d.Response(r.ID), r); diff != "" {
						t.Errorf("%s: response %s (-want +got):\n%s", f.ID, r.ID, diff)
					}
				}
				again, err := Export(imported, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(shape(f.Playbook), shape(again[0].Playbook)); diff != "" {
					t.Errorf("%s: export → import → export (-want +got):\n%s", f.ID, diff)
				}
			}
		})
	}
}

func sortedSteps[S ~[]E, E any](steps S) S {
	c := append(S(nil), steps...)
	sort.Slice(c, func(i, j int) bool { return stepKey(c[i]) < stepKey(c[j]) })
	return c
}

func stepKey(v any) string {
	b, _ := json.Marshal(v)
	var m struct{ ID string }
	_ = json.Unmarshal(b, &m)
	return m.ID
}
