package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Playbook is the part of a CACAO playbook the runner reads.
type Playbook struct {
	WorkflowStart string              `json:"workflow_start"`
	Workflow      map[string]*Step    `json:"workflow"`
	Variables     map[string]Variable `json:"playbook_variables"`
	Targets       map[string]Target   `json:"target_definitions"`
}

// Step is a workflow step.
type Step struct {
	Type         string                     `json:"type"`
	Name         string                     `json:"name"`
	OnCompletion string                     `json:"on_completion"`
	OnSuccess    string                     `json:"on_success"`
	Condition    string                     `json:"condition"`
	OnTrue       string                     `json:"on_true"`
	OnFalse      string                     `json:"on_false"`
	Switch       string                     `json:"switch"`
	Cases        map[string]string          `json:"cases"`
	NextSteps    []string                   `json:"next_steps"`
	Commands     []Command                  `json:"commands"`
	Targets      []string                   `json:"targets"`
	OutArgs      []string                   `json:"out_args"`
	Extensions   map[string]json.RawMessage `json:"step_extensions"`
}

// Command is a command of an action step.
type Command struct {
	Type    string              `json:"type"`
	Command string              `json:"command"`
	Headers map[string][]string `json:"headers"`
	Content string              `json:"content"`
}

// Variable is a playbook variable.
type Variable struct {
	Type  string  `json:"type"`
	Value *string `json:"value"`
}

// Target is a target definition.
type Target struct {
	Type    string              `json:"type"`
	Address map[string][]string `json:"address"`
}

// Runner runs playbooks.
type Runner struct {
	// Client sends http-api commands; nil means http.DefaultClient.
	Client *http.Client
	// Manual answers a manual command of step id: the values of its
	// out_args, by variable name.
	Manual func(id string, s *Step) (map[string]any, error)
	// CEL evaluates a condition marked as CEL over the variables.
	CEL func(condition string, vars map[string]any) (bool, error)
}

// Trace is what a run did.
type Trace struct {
	// Steps are the ids of the steps run, in order, end steps included.
	Steps []string
	// Vars are the variables at the end.
	Vars map[string]any
}

// MaxSteps bounds a run, so that a loop fails instead of hanging.
const MaxSteps = 100000

type run struct {
	r     *Runner
	ctx   context.Context
	pb    *Playbook
	vars  map[string]any
	trace *Trace
}

// Run runs pb with the given values of its variables (by name).
func (r *Runner) Run(ctx context.Context, pb *Playbook, vars map[string]any) (*Trace, error) {
	x := &run{r: r, ctx: ctx, pb: pb, vars: map[string]any{}, trace: &Trace{}}
	for k, v := range pb.Variables {
		if v.Value != nil {
			x.vars[k] = *v.Value
		}
	}
	for k, v := range vars {
		x.vars[k] = v
	}
	err := x.branch(pb.WorkflowStart)
	x.trace.Vars = x.vars
	return x.trace, err
}

// Decode reads a playbook.
func Decode(data []byte) (*Playbook, error) {
	var pb Playbook
	if err := json.Unmarshal(data, &pb); err != nil {
		return nil, err
	}
	return &pb, nil
}

// branch runs the (sub-)workflow that starts at id until its end step.
func (x *run) branch(id string) error {
	for {
		if len(x.trace.Steps) >= MaxSteps {
			return errors.New("too many steps: a loop?")
		}
		s, ok := x.pb.Workflow[id]
		if !ok {
			return fmt.Errorf("step %q is not in the workflow", id)
		}
		x.trace.Steps = append(x.trace.Steps, id)
		if s.Type == "end" {
			return nil
		}
		after := s.OnCompletion
		if after == "" {
			after = s.OnSuccess
		}
		if after == "" {
			return fmt.Errorf("step %s (%s): no on_completion or on_success", id, s.Type)
		}
		if err := x.step(id, s); err != nil {
			return fmt.Errorf("step %s (%s): %w", id, s.Name, err)
		}
		id = after
	}
}

func (x *run) step(id string, s *Step) error {
	switch s.Type {
	case "start":
		return nil
	case "action":
		for i := range s.Commands {
			if err := x.command(id, s, &s.Commands[i]); err != nil {
				return err
			}
		}
		return nil
	case "if-condition":
		ok, err := x.cond(s)
		if err != nil {
			return err
		}
		switch {
		case ok && s.OnTrue != "":
			return x.branch(s.OnTrue)
		case !ok && s.OnFalse != "":
			return x.branch(s.OnFalse)
		}
		return nil
	case "while-condition":
		for {
			ok, err := x.cond(s)
			if err != nil || !ok {
				return err
			}
			if err := x.branch(s.OnTrue); err != nil {
				return err
			}
		}
	case "switch-condition":
		v, _ := x.vars[strings.TrimSuffix(s.Switch, ":value")]
		key := text(v)
		to, ok := s.Cases[key]
		if !ok {
			to, ok = s.Cases["default"]
		}
		if ok {
			return x.branch(to)
		}
		return nil
	case "parallel":
		for _, n := range s.NextSteps {
			if err := x.branch(n); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("step type %q is not supported", s.Type)
}

func (x *run) cond(s *Step) (bool, error) {
	var e struct {
		Language string `json:"expression_language"`
	}
	for _, raw := range s.Extensions {
		_ = json.Unmarshal(raw, &e)
		if e.Language == "cel" {
			if x.r.CEL == nil {
				return false, errors.New("a CEL condition, and no CEL evaluator")
			}
			return x.r.CEL(s.Condition, x.vars)
		}
	}
	return EvalSTIX(s.Condition, x.vars)
}

func (x *run) command(id string, s *Step, c *Command) error {
	switch c.Type {
	case "manual":
		if x.r.Manual == nil {
			return errors.New("a manual command, and nobody to do it")
		}
		out, err := x.r.Manual(id, s)
		if err != nil {
			return err
		}
		for k, v := range out {
			x.vars[k] = v
		}
		return nil
	case "http-api":
		return x.http(s, c)
	}
	return fmt.Errorf("command type %q is not supported", c.Type)
}

func (x *run) http(s *Step, c *Command) error {
	var base *url.URL
	for _, t := range s.Targets {
		if d, ok := x.pb.Targets[t]; ok && d.Type == "http-api" && len(d.Address["url"]) > 0 {
			u, err := url.Parse(d.Address["url"][0])
			if err != nil {
				return err
			}
			base = u
			break
		}
	}
	if base == nil {
		return errors.New("an http-api command with no http-api target")
	}
	method, rest, ok := strings.Cut(c.Command, " ")
	path, _, _ := strings.Cut(rest, " ")
	if !ok || path == "" {
		return fmt.Errorf("command %q: want METHOD PATH HTTP/1.1", c.Command)
	}
	ref, err := url.Parse(path)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(x.ctx, method, base.ResolveReference(ref).String(), strings.NewReader(x.interpolate(c.Content)))
	if err != nil {
		return err
	}
	for k, vs := range c.Headers {
		for _, v := range vs {
			req.Header.Add(k, x.interpolate(v))
		}
	}
	client := x.r.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(body))
	}
	var reply struct {
		Outputs map[string]any `json:"outputs"`
	}
	if err := json.Unmarshal(body, &reply); err != nil {
		return fmt.Errorf("reply: %v", err)
	}
	for k, v := range reply.Outputs {
		name := "__" + strings.ReplaceAll(k, ".", "_") + "__"
		for _, o := range s.OutArgs {
			if o == name {
				x.vars[name] = v
			}
		}
	}
	return nil
}

var reference = regexp.MustCompile(`__[A-Za-z][A-Za-z0-9_]*?__:value`)

// interpolate replaces each __name__:value in s.
func (x *run) interpolate(s string) string {
	var b strings.Builder
	last := 0
	for _, m := range reference.FindAllStringIndex(s, -1) {
		b.WriteString(s[last:m[0]])
		name := strings.TrimSuffix(s[m[0]:m[1]], ":value")
		v, ok := x.vars[name]
		quoted := m[0] > 0 && s[m[0]-1] == '"'
		switch {
		case !ok && quoted:
		case !ok:
			b.WriteString("null")
		default:
			if str, isStr := v.(string); isStr {
				if quoted {
					j, _ := json.Marshal(str)
					b.Write(j[1 : len(j)-1])
				} else {
					b.WriteString(str)
				}
			} else {
				j, _ := json.Marshal(v)
				b.Write(j)
			}
		}
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// text is a value as a switch case or comparison sees it.
func text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	j, _ := json.Marshal(v)
	return string(j)
}
