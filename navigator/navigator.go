package navigator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/ident"
)

// Versions of the formats a layer is written for.
const (
	LayerVersion     = "4.5"
	NavigatorVersion = "5.1.0"
	AttackVersion    = "16"
	Domain           = "enterprise-attack"
)

// Scores of coverage.
const (
	Neither  = 0 // no detection rule reveals the incident
	Detected = 1 // detected, but below the triage threshold or with no playbook
	Covered  = 2 // detected at or above the triage threshold and handled by a playbook
)

// Colours of the scores, from the gradient's ends and middle.
const (
	colorNeither  = "#ff6666"
	colorDetected = "#ffe766"
	colorCovered  = "#8ec843"
)

// Layer is an ATT&CK Navigator layer, as much of format 4.5 as a coverage
// layer needs.
type Layer struct {
	Name        string       `json:"name"`
	Versions    Versions     `json:"versions"`
	Domain      string       `json:"domain"`
	Description string       `json:"description,omitempty"`
	Techniques  []Technique  `json:"techniques"`
	Gradient    Gradient     `json:"gradient"`
	LegendItems []LegendItem `json:"legendItems"`
	Metadata    []Metadata   `json:"metadata"`
	Links       []Link       `json:"links"`
	// HideDisabled keeps techniques that are not scored visible.
	HideDisabled bool `json:"hideDisabled"`
}

// Versions names the versions of ATT&CK, the Navigator and the layer
// format.
type Versions struct {
	Attack    string `json:"attack"`
	Navigator string `json:"navigator"`
	Layer     string `json:"layer"`
}

// Technique is the score of one technique or sub-technique.
type Technique struct {
	TechniqueID string     `json:"techniqueID"`
	Score       int        `json:"score"`
	Color       string     `json:"color"`
	Comment     string     `json:"comment"`
	Enabled     bool       `json:"enabled"`
	Metadata    []Metadata `json:"metadata"`
	Links       []Link     `json:"links"`
	// ShowSubtechniques opens a technique whose sub-techniques are scored.
	ShowSubtechniques bool `json:"showSubtechniques"`
}

// Gradient maps scores to colours.
type Gradient struct {
	Colors   []string `json:"colors"`
	MinValue int      `json:"minValue"`
	MaxValue int      `json:"maxValue"`
}

// LegendItem explains a colour.
type LegendItem struct {
	Label string `json:"label"`
	Color string `json:"color"`
}

// Metadata is a name and a value shown with a technique or a layer.
type Metadata struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Link is a labelled URL.
type Link struct {
	Label string `json:"label"`
	URL   string `json:"url"`
}

// New returns the coverage layer of d. It does not validate d: references
// that do not resolve count as absent.
func New(d *secops.Design) (*Layer, error) {
	if d == nil {
		return nil, errors.New("navigator: nil design")
	}
	l := legend()
	name := d.Metadata.Title
	if name == "" {
		name = string(d.Metadata.Name)
	}
	layer := &Layer{
		Name:        name,
		Versions:    Versions{Attack: AttackVersion, Navigator: NavigatorVersion, Layer: LayerVersion},
		Domain:      Domain,
		Description: fmt.Sprintf("ATT&CK coverage of the security-operations design %s", d.Metadata.Name),
		Gradient:    Gradient{Colors: []string{colorNeither, colorDetected, colorCovered}, MinValue: Neither, MaxValue: Covered},
		LegendItems: l,
		Metadata:    []Metadata{{Name: "design", Value: string(d.Metadata.Name)}},
		Links:       []Link{},
		Techniques:  []Technique{},
	}
	if v := d.Metadata.Version; v != "" {
		layer.Metadata = append(layer.Metadata, Metadata{Name: "version", Value: v})
	}

	type acc struct {
		score                            int
		incidents, detections, playbooks []string
	}
	byID := map[string]*acc{}
	for _, inc := range d.Scope.Incidents {
		if !inc.Covered() {
			continue
		}
		score, detections, playbook := coverage(d, inc.ID)
		for _, ref := range inc.References {
			if ref.Scheme() != "attack" {
				continue
			}
			id := strings.ToUpper(strings.TrimPrefix(string(ref), "attack:"))
			a := byID[id]
			if a == nil {
				a = &acc{score: -1}
				byID[id] = a
			}
			a.score = max(a.score, score)
			a.incidents = appendNew(a.incidents, string(inc.ID))
			for _, dt := range detections {
				a.detections = appendNew(a.detections, dt)
			}
			if playbook != "" {
				a.playbooks = appendNew(a.playbooks, playbook)
			}
		}
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		a := byID[id]
		t := Technique{
			TechniqueID: id,
			Score:       a.score,
			Color:       []string{colorNeither, colorDetected, colorCovered}[a.score],
			Enabled:     true,
			Links:       []Link{{Label: "ATT&CK " + id, URL: "https://attack.mitre.org/techniques/" + strings.ReplaceAll(id, ".", "/") + "/"}},
			Metadata:    []Metadata{},
		}
		var comment []string
		comment = append(comment, l[2-a.score].Label+".")
		comment = append(comment, "Incidents: "+strings.Join(a.incidents, ", ")+".")
		for _, i := range a.incidents {
			t.Metadata = append(t.Metadata, Metadata{Name: "incident", Value: i})
		}
		if len(a.detections) > 0 {
			comment = append(comment, "Detections: "+strings.Join(a.detections, ", ")+".")
			for _, dt := range a.detections {
				t.Metadata = append(t.Metadata, Metadata{Name: "detection", Value: dt})
			}
		}
		if len(a.playbooks) > 0 {
			comment = append(comment, "Playbooks: "+strings.Join(a.playbooks, ", ")+".")
			for _, p := range a.playbooks {
				t.Metadata = append(t.Metadata, Metadata{Name: "playbook", Value: p})
			}
		}
		t.Comment = strings.Join(comment, " ")
		layer.Techniques = append(layer.Techniques, t)
	}
	// Open the parents of scored sub-techniques.
	for i := range layer.Techniques {
		for _, id := range ids {
			if strings.HasPrefix(id, layer.Techniques[i].TechniqueID+".") {
				layer.Techniques[i].ShowSubtechniques = true
			}
		}
	}
	return layer, nil
}

// legend names the scores, best first, in English whatever the design's
// language: the Navigator's interface is in English.
func legend() []LegendItem {
	return []LegendItem{
		{Label: "Detected and handled by a playbook at or above the triage threshold", Color: colorCovered},
		{Label: "Detected only", Color: colorDetected},
		{Label: "Neither detected nor handled", Color: colorNeither},
	}
}

// coverage scores incident id of d and lists the detection rules that
// reveal it (with their severities) and the playbook that handles it.
func coverage(d *secops.Design, id ident.ID) (score int, detections []string, playbook string) {
	p := d.PlaybookFor(id)
	if p != nil {
		playbook = string(p.ID)
	}
	for _, dt := range d.Criteria.Detections {
		if dt.Incident != id {
			continue
		}
		detections = append(detections, string(dt.ID)+" ("+string(dt.Severity)+")")
		s := Detected
		if p != nil && d.Criteria.Triaged(dt.Severity) {
			s = Covered
		}
		score = max(score, s)
	}
	return score, detections, playbook
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// Write writes layers as JSON: one layer as an object, several as an
// array, as the Navigator opens them.
func Write(w io.Writer, layers ...*Layer) error {
	if len(layers) == 0 {
		return errors.New("navigator: no layer to write")
	}
	var v any = layers
	if len(layers) == 1 {
		v = layers[0]
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
