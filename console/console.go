package console

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/process"
)

// EngineOptions are the engine options of a run at a terminal: its
// progress lines on out; with approve, every approval granted by user;
// else, when someone is at the terminal, approvals and people's tasks
// asked on in and out. Retries are left to the adapter configuration
// (its retries key): the engine does not retry on top of them, and runs
// each adapter call isolated.
func EngineOptions(in io.Reader, out io.Writer, d *secops.Design, user string, approve, terminal bool) []executor.Option {
	opts := []executor.Option{executor.WithEvents(Progress(out)), executor.WithIsolation(), executor.WithRetry(1, 0)}
	prompt := New(in, out, d, user)
	switch {
	case approve:
		opts = append(opts, executor.WithApprover(executor.AutoApprove(user)))
	case terminal:
		opts = append(opts, executor.WithApprover(prompt.Approver()))
	}
	if terminal {
		opts = append(opts, executor.WithPerson(prompt.Person()))
	}
	return opts
}

// Prompt asks a person at a terminal for what a run waits on.
type Prompt struct {
	in     *bufio.Reader
	out    io.Writer
	design *secops.Design
	actor  string
}

// New returns a prompt reading answers from in and writing questions to
// out, for the runs of design d; actor is who answers, in the records.
// Its Person and Approver share in.
func New(in io.Reader, out io.Writer, d *secops.Design, actor string) *Prompt {
	return &Prompt{in: bufio.NewReader(in), out: out, design: d, actor: actor}
}

// Approver asks for the approval of a response: y approves, n rejects,
// "wait" (or the end of the input) leaves the run waiting.
func (p *Prompt) Approver() executor.Approver {
	d, in := p.design, p.in
	return executor.ApproverFunc(func(ctx context.Context, a executor.Approval) (executor.Decision, error) {
		w := p.out
		name := string(a.Response)
		var methods []string
		for i := range d.Responses {
			if r := &d.Responses[i]; r.ID == a.Response {
				name = fmt.Sprintf("%s (%s)", r.ID, r.Name)
				for _, pid := range r.Processes {
					if pr := d.Process(pid); pr != nil {
						for _, m := range pr.Methods {
							how := string(m.Action)
							if how == "" {
								how = "by hand"
							}
							methods = append(methods, fmt.Sprintf("%s %s (%s)", m.ID, m.Name, how))
						}
					}
				}
			}
		}
		fmt.Fprintf(w, "approval needed: response %s for incident %s (severity %s) needs the approval of %s\n", name, a.Incident, a.Severity, a.Party)
		for _, m := range methods {
			fmt.Fprintf(w, "  will run: %s\n", m)
		}
		for {
			fmt.Fprintf(w, "  approve as %s? [y/N, or \"wait\" to decide later] ", a.Party)
			line, err := readLine(ctx, in)
			if ctx.Err() != nil {
				return executor.Decision{}, ctx.Err()
			}
			switch strings.ToLower(strings.TrimSpace(line)) {
			case "y", "yes":
				return executor.Decision{Approved: true, Actor: p.actor}, nil
			case "n", "no", "":
				if err != nil {
					return executor.Decision{}, executor.ErrWaiting
				}
				return executor.Decision{Approved: false, Actor: p.actor}, nil
			case "wait":
				return executor.Decision{}, executor.ErrWaiting
			}
			fmt.Fprintln(w, "  answer y or n")
		}
	})
}

// Person asks for the outputs of a manual task. Every output is
// required: an empty answer is asked again; "wait" (or the end of the
// input) stops the run in waiting.
func (p *Prompt) Person() executor.Person {
	d, in := p.design, p.in
	return executor.PersonFunc(func(ctx context.Context, t executor.Task) (executor.Done, error) {
		w := p.out
		fmt.Fprintf(w, "task for a person: method %s %s\n  %s\n", t.Method.ID, t.Method.Name, t.Method.Procedure)
		if len(t.Inputs) > 0 {
			b, _ := json.Marshal(t.Inputs)
			fmt.Fprintf(w, "  inputs: %s\n", b)
		}
		fmt.Fprintln(w, `  type each output (lists as a, b, c or JSON; each is required), or "wait" to stop here and resume later`)
		out := map[string]any{}
		for _, o := range t.Method.Outputs {
			f := d.Field(o)
			for {
				desc := "string"
				if f != nil {
					desc = string(f.Type)
					if f.List {
						desc += " list"
					}
				}
				fmt.Fprintf(w, "  %s (%s): ", o, desc)
				line, err := readLine(ctx, in)
				if ctx.Err() != nil {
					return executor.Done{}, ctx.Err()
				}
				line = strings.TrimSpace(line)
				if line == "wait" || err != nil && line == "" {
					return executor.Done{}, executor.ErrWaiting
				}
				if line == "" {
					// A method must give every output it declares: an
					// empty answer would fail the run later.
					fmt.Fprintf(w, "  %s is required (or type \"wait\" to stop here and resume later); try again\n", o)
					continue
				}
				v, perr := ParseAnswer(f, line)
				if perr == nil && f != nil {
					perr = f.Check(v)
				}
				if perr != nil {
					fmt.Fprintf(w, "  %v; try again\n", perr)
					continue
				}
				out[string(o)] = v
				break
			}
		}
		return executor.Done{Outputs: out, Actor: p.actor}, nil
	})
}

// readLine reads a line of in, or gives up when ctx is done (a signal at
// a prompt), leaving the read to finish in the background.
func readLine(ctx context.Context, in *bufio.Reader) (string, error) {
	type result struct {
		line string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		line, err := in.ReadString('\n')
		ch <- result{line, err}
	}()
	select {
	case r := <-ch:
		return r.line, r.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// ParseAnswer reads a person's typed answer s as a value of field f: a
// list as comma-separated values or JSON, a bool as true or false, a
// number as a whole number, anything else as the text.
func ParseAnswer(f *process.Field, s string) (any, error) {
	if f == nil {
		return s, nil
	}
	if f.List && !strings.HasPrefix(s, "[") {
		// A list as comma-separated values: 203.0.113.7, 198.51.100.2
		var out []any
		for _, part := range strings.Split(s, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			item := *f
			item.List = false
			v, err := ParseAnswer(&item, part)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	}
	if f.List || strings.HasPrefix(s, `"`) {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return nil, fmt.Errorf("not JSON: %v", err)
		}
		return v, nil
	}
	switch f.Type {
	case process.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, fmt.Errorf("want true or false, got %q", s)
		}
		return b, nil
	case process.Int, process.Port:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("want a whole number, got %q", s)
		}
		return n, nil
	}
	return s, nil
}

// Progress returns an event sink (executor.WithEvents) that writes a line
// to w for each step, method, branch and rollback of a run.
func Progress(w io.Writer) func(executor.Event) {
	return func(e executor.Event) {
		var b strings.Builder
		switch e.Kind {
		case executor.EvStep:
			fmt.Fprintf(&b, "step %s: %s", e.Step, e.Detail)
		case executor.EvMethod:
			if e.DryRun {
				fmt.Fprintf(&b, "  method %s would call %s", e.Method, e.Action)
				if len(e.Inputs) > 0 {
					in, _ := json.Marshal(e.Inputs)
					fmt.Fprintf(&b, " with %s", in)
				}
				if len(e.Outputs) > 0 {
					out, _ := json.Marshal(e.Outputs)
					fmt.Fprintf(&b, "; outputs given: %s", out)
				} else {
					b.WriteString("; no outputs given")
				}
				break
			}
			how := string(e.Action)
			if how == "" {
				how = "by " + e.Actor
			}
			if e.Detail != "" {
				fmt.Fprintf(&b, "  method %s %s: %s", e.Method, how, e.Detail)
				break
			}
			fmt.Fprintf(&b, "  method %s %s: ok", e.Method, how)
			if len(e.Outputs) > 0 {
				out, _ := json.Marshal(e.Outputs)
				fmt.Fprintf(&b, " %s", out)
			}
		case executor.EvRolledBack:
			if e.DryRun {
				fmt.Fprintf(&b, "  rollback of method %s would call %s", e.Method, e.Action)
				break
			}
			fmt.Fprintf(&b, "  rollback of method %s %s: ok", e.Method, e.Action)
		case executor.EvSkipped:
			fmt.Fprintf(&b, "  method %s skipped: %s is false", e.Method, e.Detail)
		case executor.EvMethodFailed:
			fmt.Fprintf(&b, "  method %s FAILED: %s", e.Method, e.Error)
		case executor.EvBranch:
			fmt.Fprintf(&b, "  %s", e.Detail)
		case executor.EvStarted, executor.EvCompleted, executor.EvCallStarted:
			return // the method's line says it; runs show lists calls
		default:
			fmt.Fprintf(&b, "%s", e.Kind)
			for _, s := range []string{string(e.Response), string(e.Method), string(e.Action), e.Actor, e.Detail, e.Error} {
				if s != "" {
					fmt.Fprintf(&b, " %s", s)
				}
			}
		}
		fmt.Fprintln(w, b.String())
	}
}
