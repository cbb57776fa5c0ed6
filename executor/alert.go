package executor

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/secopsdesign/secops/finding"
)

// ErrInvalidAlert is wrapped by the error of CheckAlert and of Run for an
// alert that does not fit the design.
var ErrInvalidAlert = fmt.Errorf("the alert does not fit the design")

// AlertError lists every key of an alert that does not fit the design,
// sorted by key.
type AlertError struct {
	Problems []KeyError
}

// KeyError is one alert key that does not fit the design.
type KeyError struct {
	// Key is the alert's key.
	Key string
	// Message says what is wrong, in the design's terms.
	Message string
}

func (e KeyError) Error() string { return e.Key + ": " + e.Message }

func (e *AlertError) Error() string {
	var b strings.Builder
	b.WriteString("alert: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Unwrap returns the problems, one error each.
func (e *AlertError) Unwrap() []error {
	out := make([]error, len(e.Problems))
	for i, p := range e.Problems {
		out[i] = p
	}
	return out
}

// Is reports whether target is ErrInvalidAlert.
func (e *AlertError) Is(target error) bool { return target == ErrInvalidAlert }

// CheckAlert reports whether alert fits the design: every key is a field
// the design declares, and every value is of its field's type. The error,
// an *AlertError, names every key that does not fit, with a "did you
// mean" for a misspelt one. Run checks it first and calls nothing for an
// alert that does not fit: a misspelt key would otherwise reach the
// actions as a missing input.
func (p *Plan) CheckAlert(alert map[string]any) error {
	ok := true
	for k, v := range alert {
		if f := p.fields[k]; f == nil || f.Check(v) != nil {
			ok = false
			break
		}
	}
	if ok {
		return nil
	}
	var probs []KeyError
	for _, k := range slices.Sorted(maps.Keys(alert)) {
		f := p.fields[k]
		if f == nil {
			msg := "not a field of the design"
			if s := finding.Suggest(k, p.fieldIDs()); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			}
			probs = append(probs, KeyError{k, msg})
			continue
		}
		if err := f.Check(alert[k]); err != nil {
			probs = append(probs, KeyError{k, fmt.Sprintf("%v (field %s is %s%s)", err, k, f.Type, listSuffix(f))})
		}
	}
	if len(probs) == 0 {
		return nil
	}
	return &AlertError{Problems: probs}
}

func (p *Plan) fieldIDs() []string {
	ids := make([]string, 0, len(p.fields))
	for k := range p.fields {
		ids = append(ids, k)
	}
	slices.Sort(ids)
	return ids
}
