package secops

import (
	"context"
	"reflect"

	"github.com/secopsdesign/secops/expr"
	"github.com/secopsdesign/secops/finding"
)

// checkPolicies compiles every policy rule and evaluates it with design
// bound to the document as a JSON object. Only the top-level keys that the
// rules read are converted, unless a rule uses design as a whole.
func (v *validator) checkPolicies() {
	prgs := make([]*expr.Program, len(v.d.Policies))
	keys := map[string]bool{}
	whole := false
	for i, pol := range v.d.Policies {
		pp := finding.NewPath("policies").Index(i)
		v.id(pp.Child("id"), pol.ID)
		if !v.requiredAt(pp, "rule", blank(pol.Rule)) {
			continue
		}
		if prgs[i] = v.compileAt(expr.Design, pol.Rule, pp, "rule"); prgs[i] != nil {
			whole = whole || prgs[i].ReadsWhole()
			for _, k := range prgs[i].Refs() {
				keys[k] = true
			}
		}
	}
	if whole {
		keys = nil
	}
	var doc map[string]any
	for i, prg := range prgs {
		if prg == nil {
			continue
		}
		if doc == nil {
			doc = v.d.asMap(keys)
		}
		pol := v.d.Policies[i]
		ok, err := prg.Eval(context.Background(), &expr.Vars{Design: doc})
		switch {
		case err != nil:
			v.add(finding.Policy, finding.NewPath("policies").Index(i).Child("rule"), "policy %q cannot be evaluated: %v", pol.ID, oneLine(err.Error()))
		case !ok:
			desc := pol.Description
			if desc == "" {
				desc = pol.Rule
			}
			v.add(finding.Policy, finding.NewPath("policies").Index(i).Child("rule"), "policy %q does not hold: %s", pol.ID, oneLine(desc))
		}
	}
}

// AsMap returns the design as a JSON object with the keys as written in
// the format, as policy rules see it.
// It equals what decoding the design's JSON into a map would give.
func (d *Design) AsMap() (map[string]any, error) {
	return d.asMap(nil), nil
}

// asMap is AsMap limited to the given top-level keys (all when nil).
func (d *Design) asMap(keys map[string]bool) map[string]any {
	return structMap(reflect.ValueOf(d).Elem(), keys)
}
