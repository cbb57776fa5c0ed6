package secops_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReferencesCoverSchemas walks the committed JSON Schema of each
// file format and checks that its reference in docs/ names, in
// backquotes, every key of every object and every value of every
// enumeration: a key added to the Go types (and so to the schema)
// without a word in the reference fails here.
func TestReferencesCoverSchemas(t *testing.T) {
	tests := []struct {
		schema, doc string
		atLeast     int // keys and values walked: is the layout the expected one?
	}{
		{"schema/design.schema.json", "docs/design-format.md", 50},
		{"schema/adapters.schema.json", "docs/adapters.md", 20},
	}
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			raw, err := os.ReadFile(tt.schema)
			if err != nil {
				t.Fatal(err)
			}
			var schema any
			if err := json.Unmarshal(raw, &schema); err != nil {
				t.Fatal(err)
			}
			doc, err := os.ReadFile(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			named := map[string]bool{}
			for _, m := range regexp.MustCompile("`([^`\n]+)`").FindAllStringSubmatch(string(doc), -1) {
				named[m[1]] = true
			}
			var missing []string
			seen := map[string]bool{}
			var walk func(n any)
			walk = func(n any) {
				switch n := n.(type) {
				case map[string]any:
					if props, ok := n["properties"].(map[string]any); ok {
						for k := range props {
							if !named[k] && !seen["key "+k] {
								missing = append(missing, "key "+k)
							}
							seen["key "+k] = true
						}
					}
					if enum, ok := n["enum"].([]any); ok {
						for _, v := range enum {
							if s, ok := v.(string); ok {
								if !named[s] && !seen["value "+s] {
									missing = append(missing, "value "+s)
								}
								seen["value "+s] = true
							}
						}
					}
					for _, v := range n {
						walk(v)
					}
				case []any:
					for _, v := range n {
						walk(v)
					}
				}
			}
			walk(schema)
			slices.Sort(missing)
			if diff := cmp.Diff([]string(nil), missing); diff != "" {
				t.Errorf("keys and values of %s that %s does not name (-want +got):\n%s", tt.schema, tt.doc, diff)
			}
			if len(seen) < tt.atLeast {
				t.Errorf("walked only %d keys and values: is the schema's layout what this test expects?", len(seen))
			}
		})
	}
}

// TestFormatLinks checks that the examples' "Format:" comments and
// every relative Markdown link of the README and docs/ point at files
// that exist in the repository.
func TestFormatLinks(t *testing.T) {
	var files []string
	for _, g := range []string{"examples/*/*.yaml", "README.md", "docs/*.md", "examples/*/README.md"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	link := regexp.MustCompile(`(?:Format: |\]\()(\.{0,2}/?[A-Za-z0-9_./-]+\.md)`)
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			target := filepath.Join(filepath.Dir(f), m[1])
			if strings.HasPrefix(m[1], "http") {
				continue
			}
			checked++
			if _, err := os.Stat(target); err != nil {
				t.Errorf("%s links %s, which does not exist", f, m[1])
			}
		}
	}
	if checked == 0 {
		t.Error("no links found to check")
	}
}

// TestAnchorLinks checks that every #anchor link of the README and docs/
// (within the file, or into another Markdown file) names a heading there,
// as GitHub makes anchors of headings.
func TestAnchorLinks(t *testing.T) {
	files, _ := filepath.Glob("docs/*.md")
	files = append(files, "README.md")
	anchors := map[string]map[string]bool{}
	heading := regexp.MustCompile(`(?m)^#{1,6} (.+)$`)
	drop := regexp.MustCompile(`[^\p{L}\p{N} _-]`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		anchors[f] = map[string]bool{}
		for _, m := range heading.FindAllStringSubmatch(string(b), -1) {
			slug := strings.ReplaceAll(drop.ReplaceAllString(strings.ToLower(m[1]), ""), " ", "-")
			anchors[f][slug] = true
		}
	}
	link := regexp.MustCompile(`\]\(([A-Za-z0-9_./-]*\.md)?#([^)]+)\)`)
	n := 0
	for _, f := range files {
		b, _ := os.ReadFile(f)
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			target := f
			if m[1] != "" {
				target = filepath.Clean(filepath.Join(filepath.Dir(f), m[1]))
			}
			n++
			if a, ok := anchors[target]; !ok || !a[m[2]] {
				t.Errorf("%s links %s#%s, which has no such heading", f, target, m[2])
			}
		}
	}
	if n < 10 {
		t.Errorf("checked only %d anchor links", n)
	}
}
