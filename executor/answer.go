package executor

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/secopsdesign/secops/ident"
)

// ErrNotWaiting is wrapped by the errors of CheckAnswer (and Resume) for
// an answer the run is not waiting for: the run is not waiting at all, an
// approval given to a run that waits for a person, or outputs given to a
// run that waits for an approval. An HTTP front maps it to 409 Conflict,
// and other CheckAnswer errors to 400 Bad Request.
var ErrNotWaiting = errors.New("the run is not waiting for this answer")

// ErrRolledBack is wrapped by the errors of CheckAnswer (and Resume) for
// any answer to a run whose rollback began (Record.RollbackBegun): once
// its containment is being undone, a run is given up, and no answer,
// approval, recovery or retry takes it further; only a rollback again,
// to undo what is left. An HTTP front maps it to 409 Conflict.
var ErrRolledBack = errors.New("the run was rolled back")

// notWaiting is an ErrNotWaiting that says why in its own words.
type notWaiting struct{ msg string }

func (e notWaiting) Error() string        { return e.msg }
func (e notWaiting) Is(target error) bool { return target == ErrNotWaiting }

// rolledBackSummary says what rec's rollback undid and left.
func rolledBackSummary(rec *Record) string {
	var parts []string
	if len(rec.RolledBack) > 0 {
		parts = append(parts, joinNumbers("undone ", rec.RolledBack))
	}
	if left := rec.NotRolledBack(); len(left) > 0 {
		parts = append(parts, joinNumbers("not undone ", left))
	}
	if len(parts) == 0 {
		return "nothing undone yet"
	}
	return strings.Join(parts, "; ")
}

func errNotWaiting(format string, args ...any) error {
	return notWaiting{fmt.Sprintf(format, args...)}
}

// CheckOutputs reports whether outputs, method id to outputs, fit the
// design: every method exists, and every output is one the method
// declares, of its field's type. The error lists every problem found.
func (p *Plan) CheckOutputs(outputs map[ident.Number]map[string]any) error {
	var errs []error
	for _, id := range sortedKeys(outputs) {
		mp := p.methods[id]
		if mp == nil {
			errs = append(errs, fmt.Errorf("method %s: the design has no such method", id))
			continue
		}
		if err := mp.check(outputs[id]); err != nil {
			errs = append(errs, fmt.Errorf("method %s: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// check reports whether outputs are declared by mp and of their fields'
// types, naming every problem.
func (mp *methodPlan) check(outputs map[string]any) error {
	var errs []error
	for _, k := range sortedKeys(outputs) {
		f, declared := mp.output(k)
		if !declared {
			errs = append(errs, fmt.Errorf("output %q is not one of the method's outputs %v", k, mp.m.Outputs))
			continue
		}
		if f == nil {
			continue
		}
		if err := f.Check(outputs[k]); err != nil {
			errs = append(errs, fmt.Errorf("output %s (%s%s): %v", k, f.Type, listSuffix(f), err))
		}
	}
	return errors.Join(errs...)
}

// CheckAnswer reports whether a can continue rec, without changing rec, so
// that a mistyped answer is refused instead of failing the run. Resume
// checks it too. It is an error wrapping ErrNotWaiting when rec is not
// waiting, when a approves or rejects but rec waits for a person, or when
// a gives outputs but no decision while rec waits for an approval. Other
// errors are mistakes in the answer: approving and rejecting at once;
// outputs that do not include the method the run waits for; outputs for a
// method the design does not have, that already ran, or that has an
// action (unless rec is a dry run); outputs the method does not declare,
// or of the wrong type; outputs that leave out (or give null for) any
// output the method declares, since a method must give them all. An answer with neither a decision nor outputs is
// accepted: the engine's Person or Approver is asked.
func (p *Plan) CheckAnswer(rec *Record, a Answer) error {
	if rec == nil {
		return errors.New("no record")
	}
	switch a.Recover {
	case "", Retry, Applied:
	default:
		return fmt.Errorf("unknown recovery %q: want %q or %q", a.Recover, Retry, Applied)
	}
	if rec.RollbackBegun() {
		return fmt.Errorf("%w: run %s was rolled back (%s): it goes no further; roll it back again to undo what is left",
			ErrRolledBack, rec.ID, rolledBackSummary(rec))
	}
	switch rec.Status {
	case Running, Interrupted:
		return p.checkRecovery(rec, a)
	case Failed:
		return p.checkRetry(rec, a)
	}
	pend := rec.Pending
	if rec.Status != Waiting || pend == nil {
		return errNotWaiting("run %s is %s, not waiting", rec.ID, rec.Status)
	}
	if a.Recover != "" {
		return errNotWaiting("run %s is waiting, not interrupted or failed: there is nothing to recover", rec.ID)
	}
	if a.Approve && a.Reject {
		return errors.New("an answer cannot both approve and reject")
	}
	decided := a.Approve || a.Reject
	if pend.Method != "" && decided {
		return errNotWaiting("run %s waits for method %s, a task for a person, not for an approval", rec.ID, pend.Method)
	}
	if pend.Method == "" && len(a.Outputs) > 0 && !decided {
		return errNotWaiting("run %s waits for the approval of %s for response %s, not for outputs", rec.ID, pend.Party, pend.Response)
	}
	if pend.Method != "" && len(a.Outputs) > 0 {
		if _, ok := a.Outputs[pend.Method]; !ok {
			return fmt.Errorf("run %s waits for the outputs of method %s; the answer gives %s", rec.ID, pend.Method, joinNumbers("", sortedKeys(a.Outputs)))
		}
	}
	var errs []error
	for _, id := range sortedKeys(a.Outputs) {
		mp := p.methods[id]
		switch {
		case mp == nil:
			errs = append(errs, fmt.Errorf("method %s: the design has no such method", id))
			continue
		case id != pend.Method && slices.Contains(rec.Ran, id):
			errs = append(errs, fmt.Errorf("method %s: already done in run %s", id, rec.ID))
			continue
		case !mp.m.Manual() && !rec.DryRun:
			errs = append(errs, fmt.Errorf("method %s: it calls %s, which gives its outputs; only a person's methods take outputs from an answer", id, mp.m.Action))
			continue
		}
		errs = append(errs, mp.checkComplete(id, a.Outputs[id])...)
	}
	return errors.Join(errs...)
}

// checkComplete checks the outputs a person gives for method id: declared,
// of their types, and all of them.
func (mp *methodPlan) checkComplete(id ident.Number, outputs map[string]any) []error {
	var errs []error
	if err := mp.check(outputs); err != nil {
		errs = append(errs, fmt.Errorf("method %s: %w", id, err))
	}
	if missing := mp.missing(outputs); len(missing) > 0 {
		errs = append(errs, fmt.Errorf("method %s: the answer leaves out %s: a method must give every output it declares (%s)",
			id, strings.Join(missing, ", "), joinIDs(mp.m.Outputs)))
	}
	return errs
}

// checkRecovery checks an answer to a record left running or
// interrupted.
func (p *Plan) checkRecovery(rec *Record, a Answer) error {
	if rec.PriorStatus != "" {
		return errNotWaiting("run %s was being rolled back when it stopped: roll it back again to finish undoing it", rec.ID)
	}
	if a.Approve || a.Reject {
		return errNotWaiting("run %s is %s, not waiting for an approval", rec.ID, rec.Status)
	}
	var unc []UncertainCall
	for _, c := range rec.Uncertain() {
		if !c.Rollback {
			unc = append(unc, c)
		}
	}
	if len(unc) == 0 {
		if len(a.Outputs) > 0 {
			return fmt.Errorf("run %s was interrupted with no call in doubt: there are no outputs to give", rec.ID)
		}
		return nil
	}
	if a.Recover == "" {
		return &UncertainError{Run: rec.ID, Calls: unc}
	}
	c := unc[len(unc)-1]
	if len(unc) > 1 || rec.At == nil || rec.At.Method != c.Method {
		return fmt.Errorf("run %s: the record is inconsistent: the call of method %s in doubt is not where the run stopped", rec.ID, c.Method)
	}
	if a.Recover == Retry {
		if len(a.Outputs) > 0 {
			return fmt.Errorf("run %s: a retry takes no outputs: the call of method %s gives them", rec.ID, c.Method)
		}
		return nil
	}
	return p.checkApplied(rec, c.Method, a)
}

// checkRetry checks an answer to a failed record: only a retry of the
// method it failed on continues it.
func (p *Plan) checkRetry(rec *Record, a Answer) error {
	if a.Recover == "" {
		return errNotWaiting("run %s failed (%s): only a retry of the method it failed on continues it", rec.ID, rec.Error)
	}
	if a.Approve || a.Reject {
		return errors.New("a recovery takes no approval")
	}
	if rec.PriorStatus != "" {
		return errNotWaiting("run %s was being rolled back: roll it back again to finish undoing it", rec.ID)
	}
	if len(rec.RolledBack) > 0 || len(rec.ManualRollback) > 0 {
		return errNotWaiting("run %s was rolled back: it cannot be retried", rec.ID)
	}
	last, ok := rec.FailedMethod()
	if !ok {
		return errNotWaiting("run %s did not fail on a method (%s): there is nothing to retry", rec.ID, rec.Error)
	}
	if a.Recover == Retry {
		if len(a.Outputs) > 0 {
			return errors.New("a retry takes no outputs: the call gives them")
		}
		return nil
	}
	// Applied: only for a call whose outcome is unknown (it timed out, or
	// its answer was lost), which a person has checked took effect.
	if !last.Uncertain {
		return fmt.Errorf("run %s: method %s failed, so it did not take effect: retry it, or leave the run failed", rec.ID, last.Method)
	}
	return p.checkApplied(rec, last.Method, a)
}

// checkApplied checks an answer that counts the call of method, in
// doubt, as applied: outputs only for it, and all it declares.
func (p *Plan) checkApplied(rec *Record, method ident.Number, a Answer) error {
	mp := p.methods[method]
	if mp == nil {
		return fmt.Errorf("method %s: the design has no such method", method)
	}
	for _, id := range sortedKeys(a.Outputs) {
		if id != method {
			return fmt.Errorf("run %s: outputs are taken only for method %s, whose call is in doubt; the answer gives %s", rec.ID, method, id)
		}
	}
	if len(mp.outputs) == 0 {
		return nil
	}
	if _, ok := a.Outputs[method]; !ok {
		return fmt.Errorf("run %s: method %s declares outputs (%s): to count its call as applied, give them too, or retry it",
			rec.ID, method, joinIDs(mp.m.Outputs))
	}
	return errors.Join(mp.checkComplete(method, a.Outputs[method])...)
}

// missing returns the declared outputs of mp that outputs does not give,
// or gives as null, in declaration order.
func (mp *methodPlan) missing(outputs map[string]any) []string {
	var out []string
	for _, o := range mp.outputs {
		if v, ok := outputs[o.id]; !ok || v == nil {
			out = append(out, o.id)
		}
	}
	return out
}

func joinIDs(ids []ident.ID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ", ")
}

// missingFields names the fields of refs that the run does not know, each
// with the method that ran and would have given it, for the message of
// an expression that could not be evaluated.
func (r *run) missingFields(refs []string) string {
	var missing []string
	for _, k := range refs {
		if _, ok := r.rec.Fields[k]; ok {
			continue
		}
		s := k
		for _, id := range r.rec.Ran {
			if mp := r.e.c.plan.methods[id]; mp != nil {
				if _, ok := mp.output(k); ok {
					s += fmt.Sprintf(" (an output of method %s", id)
					if mp.m.Action != "" {
						s += fmt.Sprintf(", %s", mp.m.Action)
					}
					s += ")"
					break
				}
			}
		}
		missing = append(missing, s)
	}
	if len(missing) == 0 {
		return ""
	}
	word := "field"
	if len(missing) > 1 {
		word = "fields"
	}
	verb := "is"
	if len(missing) > 1 {
		verb = "are"
	}
	return fmt.Sprintf("%s %s %s not known", word, strings.Join(missing, ", "), verb)
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// FailedMethod returns the method-failed event of the method a failed
// run stopped on, which Resume with Recover: Retry calls again; false when
// the run did not fail on a method (a rejection, a branch that does not
// hold) or was rolled back since.
func (r *Record) FailedMethod() (*Event, bool) {
	if r == nil || r.Status != Failed || r.At == nil || len(r.RolledBack) > 0 || len(r.ManualRollback) > 0 || r.PriorStatus != "" {
		return nil, false
	}
	for i := len(r.Events) - 1; i >= 0; i-- {
		switch e := &r.Events[i]; e.Kind {
		case EvMethodFailed:
			return e, e.Method == r.At.Method
		case EvRejected, EvResumed, EvRecovered:
			return nil, false
		}
	}
	return nil, false
}
