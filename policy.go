package secops

import (
	"context"
	"reflect"

	"github.com/secopsdesign/secops/expr"
	"github.com/secopsdesign/secops/finding"
)

// checkPolicies compiles every policy rule and evaluates it with design
// bound to the document as a JSON object.
func (v *validator) checkPolicies() {
	var doc map[string]any
	for i, pol := range v.d.Policies {
		pp := finding.NewPath("policies").Index(i)
		v.id(pp.Child("id"), pol.ID)
		if !v.required(pp.Child("rule"), pol.Rule == "") {
			continue
		}
		prg := v.compile(expr.Design, pol.Rule, pp.Child("rule"))
		if prg == nil {
			continue
		}
		if doc == nil {
			var err error
			if doc, err = v.d.AsMap(); err != nil {
				v.add(finding.Policy, pp.Child("rule"), "cannot evaluate: %v", err)
				return
			}
		}
		ok, err := prg.Eval(context.Background(), &expr.Vars{Design: doc})
		switch {
		case err != nil:
			v.add(finding.Policy, pp.Child("rule"), "policy %q cannot be evaluated: %v", pol.ID, oneLine(err.Error()))
		case !ok:
			desc := pol.Description
			if desc == "" {
				desc = pol.Rule
			}
			v.add(finding.Policy, pp.Child("rule"), "policy %q does not hold: %s", pol.ID, oneLine(desc))
		}
	}
}

// AsMap returns the design as a JSON object with the keys as written in
// the format, as policy rules see it.
// It equals what decoding the design's JSON into a map would give.
func (d *Design) AsMap() (map[string]any, error) {
	m, _ := jsonValue(reflect.ValueOf(d).Elem()).(map[string]any)
	return m, nil
}
