package console

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/process"
)

// Commands are how the reader goes on with a run, as what they type: the
// command that resumes the run (flags such as --approve are added to
// it), the one that rolls it back, and the one that runs the alert again
// as a dry run.
type Commands struct {
	Resume, Rollback, Rerun string
}

// Report writes how rec ended (where names its record) and, unless it
// completed or waits, what to do, in the commands c: it returns false
// when the run stopped, failed or could not be saved (runErr, the
// engine's error), for a command to exit non-zero.
func Report(w io.Writer, d *secops.Design, rec *executor.Record, runErr error, where string, c Commands) bool {
	kind := "run"
	if rec.DryRun {
		kind = "dry run"
	}
	fmt.Fprintf(w, "%s %s: %s", kind, rec.ID, rec.Status)
	if rec.Response != "" {
		fmt.Fprintf(w, ", response %s", rec.Response)
	}
	fmt.Fprintf(w, ", elapsed %v, estimate %v\nrecord: %s\n", rec.Elapsed, rec.Estimate, where)
	if runErr != nil {
		fmt.Fprintf(w, "error: %v\nthe record holds what was saved before; once the store works again, continue with: %s\n",
			runErr, c.Resume)
		return false
	}
	switch rec.Status {
	case executor.Interrupted, executor.Running:
		if unc := InDoubt(rec); len(unc) > 0 {
			fmt.Fprintln(w, Uncertain(unc, "stopped during a call", c))
		} else {
			fmt.Fprintf(w, "stopped before the end; continue with: %s\n", c.Resume)
		}
		if len(rec.Applied) > 0 {
			fmt.Fprintf(w, "applied so far: %s; undo with: %s\n", JoinNumbers(rec.Applied), c.Rollback)
		}
		return false
	case executor.Failed:
		fmt.Fprintln(w, "error:", rec.Error)
		if rec.DryRun {
			fmt.Fprintf(w, "give the outputs a dry run cannot get: %s --outputs ANSWERS.json\n  where ANSWERS.json holds them, e.g. %s\n",
				c.Rerun, OutputsTemplate(d, failedOutputs(d, rec)))
			return false
		}
		var doubt []string
		for _, u := range InDoubt(rec) {
			if u.Response != "" {
				doubt = append(doubt, string(u.Method))
			}
		}
		switch {
		case len(rec.Applied) > 0 && len(doubt) > 0:
			fmt.Fprintf(w, "applied before the failure: %s, and %s may have taken effect; undo with: %s\n",
				JoinNumbers(rec.Applied), strings.Join(doubt, ", "), c.Rollback)
		case len(rec.Applied) > 0:
			fmt.Fprintf(w, "applied before the failure: %s; undo with: %s\n", JoinNumbers(rec.Applied), c.Rollback)
		case len(doubt) > 0:
			fmt.Fprintf(w, "%s may have taken effect; undo with: %s\n", strings.Join(doubt, ", "), c.Rollback)
		}
		if ev, ok := rec.FailedMethod(); ok {
			fmt.Fprintf(w, "once the cause is fixed, retry method %s with: %s --retry\n", ev.Method, c.Resume)
			if ev.Uncertain {
				fmt.Fprintf(w, "or, if it did take effect, go on with: %s --recover applied\n", c.Resume)
			}
		}
		return false
	case executor.Waiting:
		if rec.DryRun {
			fmt.Fprintln(w, "the record is a dry run: resuming it calls no adapter either")
		}
		p := rec.Pending
		if p.Party != "" {
			fmt.Fprintf(w, "waiting for the approval of %s for response %s\ncontinue with: %s --approve (or --reject)\n",
				p.Party, p.Response, c.Resume)
			break
		}
		fmt.Fprintf(w, "waiting for method %s, a task for a person: %s\ncontinue with: %s --outputs ANSWERS.json\n  where ANSWERS.json holds the outputs, e.g. %s\n",
			p.Method, p.Procedure, c.Resume, OutputsTemplate(d, map[ident.Number][]ident.ID{p.Method: p.Outputs}))
	}
	return true
}

// OutputsTemplate returns an example answer for the outputs of methods
// (method id to output field ids), each value typed by its field: false,
// 0, [] or "…".
func OutputsTemplate(d *secops.Design, methods map[ident.Number][]ident.ID) string {
	example := map[ident.Number]map[ident.ID]any{}
	for m, outs := range methods {
		example[m] = map[ident.ID]any{}
		for _, o := range outs {
			example[m][o] = exampleValue(d.Field(o))
		}
	}
	b, _ := json.Marshal(example)
	return string(b)
}

func exampleValue(f *process.Field) any {
	switch {
	case f == nil:
		return "…"
	case f.List:
		return []any{}
	case f.Type == process.Bool:
		return false
	case f.Type == process.Int || f.Type == process.Port:
		return 0
	}
	return "…"
}

// failedOutputs returns the methods a dry run passed without the outputs
// they declare, with those outputs.
func failedOutputs(d *secops.Design, rec *executor.Record) map[ident.Number][]ident.ID {
	out := map[ident.Number][]ident.ID{}
	for _, e := range rec.Events {
		if e.Kind != executor.EvMethod || !e.DryRun || len(e.Outputs) > 0 {
			continue
		}
		if m := methodOf(d, e.Method); m != nil && len(m.Outputs) > 0 {
			out[e.Method] = m.Outputs
		}
	}
	return out
}

func methodOf(d *secops.Design, id ident.Number) *process.Method {
	for i := range d.Processes {
		for j := range d.Processes[i].Methods {
			if m := &d.Processes[i].Methods[j]; m.ID == id {
				return m
			}
		}
	}
	return nil
}

// InDoubt returns the calls of the run (not of a rollback) whose outcome
// rec does not know.
func InDoubt(rec *executor.Record) []executor.UncertainCall {
	var out []executor.UncertainCall
	for _, c := range rec.Uncertain() {
		if !c.Rollback {
			out = append(out, c)
		}
	}
	return out
}

// Uncertain says which calls are in doubt and the two ways on, after
// head ("run.json: the run was interrupted during a call").
func Uncertain(calls []executor.UncertainCall, head string, c Commands) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s; whether it took effect is unknown:\n", head)
	for _, c := range calls {
		in, _ := json.Marshal(c.Inputs)
		fmt.Fprintf(&b, "  method %s: %s with %s (attempt %d, started %s, idempotency key %s)\n",
			c.Method, c.Action, in, c.Attempt, c.Started.Format(time.RFC3339), c.IdempotencyKey)
	}
	fmt.Fprintf(&b, "check the system, then go on with one of:\n")
	fmt.Fprintf(&b, "  %s --recover retry     # call it again, with the same idempotency key\n", c.Resume)
	fmt.Fprintf(&b, "  %s --recover applied   # it took effect: count it as done", c.Resume)
	return b.String()
}
