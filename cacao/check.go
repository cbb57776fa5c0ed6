package cacao

import (
	"fmt"
	"slices"
	"sort"
)

// Kind says which check a CheckError comes from.
type Kind string

// The kinds of CheckError.
const (
	// UnknownStep: a workflow property names a step that is not in the
	// workflow.
	UnknownStep Kind = "unknown-step"
	// Combined: on_completion is combined with on_success or on_failure.
	Combined Kind = "combined"
	// Unreachable: a step cannot be reached from workflow_start.
	Unreachable Kind = "unreachable"
	// NoWayOn: a step other than an end step leads nowhere.
	NoWayOn Kind = "no-way-on"
	// BadStart: workflow_start is not a start step of the workflow.
	BadStart Kind = "bad-start"
	// NoCompletion: a condition or parallel step has no on_completion,
	// so an executor has nowhere to go on when its branches end.
	NoCompletion Kind = "no-completion"
	// LeavesBlock: a branch sub-workflow (Property of Step) leads into
	// Target, a step of another block (the flow around it, or another
	// branch), instead of ending in an end step of its own.
	LeavesBlock Kind = "leaves-block"
)

// CheckError is one problem Check found. Property is the workflow
// property at fault ("on_true", "cases.default", ...), empty when the
// problem is the step itself.
type CheckError struct {
	// Kind is the check that failed.
	Kind Kind
	// Step is the id of the workflow step at fault; empty when the
	// problem is with workflow_start or workflow_exception.
	Step string
	// Property is the workflow property at fault, e.g. "on_true" or
	// "cases.default"; empty when the problem is the step itself.
	Property string
	// Target is the step id that Property names, for UnknownStep and
	// BadStart; empty for the other kinds.
	Target string
}

// Error returns a one-line description of the problem, naming the step,
// property and target involved.
func (e *CheckError) Error() string {
	switch e.Kind {
	case UnknownStep:
		return fmt.Sprintf("%s: %s: no step %q in the workflow", e.Step, e.Property, e.Target)
	case Combined:
		return fmt.Sprintf("%s: on_completion is combined with %s", e.Step, e.Property)
	case Unreachable:
		return fmt.Sprintf("%s: not reachable from workflow_start", e.Step)
	case NoWayOn:
		return fmt.Sprintf("%s: no on_completion, on_success or other way on", e.Step)
	case BadStart:
		return fmt.Sprintf("workflow_start: %q is not a start step of the workflow", e.Target)
	case NoCompletion:
		return fmt.Sprintf("%s: a condition or parallel step needs on_completion, where the flow goes on after its branches", e.Step)
	case LeavesBlock:
		return fmt.Sprintf("%s: the branch at %s leads into %s, a step of another block, instead of ending in an end step of its own", e.Step, e.Property, e.Target)
	}
	return fmt.Sprintf("%s: %s", e.Step, e.Kind)
}

// link is one reference from a step to another.
type link struct{ prop, to string }

// links returns the references from s to other steps, in a fixed order.
func links(s *Step) []link {
	var l []link
	add := func(prop, to string) {
		if to != "" {
			l = append(l, link{prop, to})
		}
	}
	add("on_completion", s.OnCompletion)
	add("on_success", s.OnSuccess)
	add("on_failure", s.OnFailure)
	add("on_true", s.OnTrue)
	add("on_false", s.OnFalse)
	for i, to := range s.NextSteps {
		add(fmt.Sprintf("next_steps[%d]", i), to)
	}
	keys := make([]string, 0, len(s.Cases))
	for k := range s.Cases {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		add("cases."+k, s.Cases[k])
	}
	return l
}

// Check makes the checks that the CACAO JSON Schemas cannot make: every
// on_completion, on_success, on_failure, on_true, on_false, next_steps
// and cases target is a step of the workflow; on_completion is never
// combined with on_success or on_failure; workflow_start is a start
// step; every step is reachable from it; every step but an end step has
// a way on; and the workflow is block-structured as CACAO 2.0 defines
// it: every condition and parallel step has on_completion, and every
// branch sub-workflow (on_true, on_false, each case, each of
// next_steps) runs to an end step of its own without leading into the
// steps of another block. It returns every problem, ordered by step id,
// or nil.
func Check(pb *Playbook) []error {
	var errs []error
	ids := make([]string, 0, len(pb.Workflow))
	for id := range pb.Workflow {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if s, ok := pb.Workflow[pb.WorkflowStart]; !ok || s.Type != StepStart {
		errs = append(errs, &CheckError{Kind: BadStart, Property: "workflow_start", Target: pb.WorkflowStart})
	}
	if pb.WorkflowException != "" {
		if _, ok := pb.Workflow[pb.WorkflowException]; !ok {
			errs = append(errs, &CheckError{Kind: UnknownStep, Property: "workflow_exception", Target: pb.WorkflowException})
		}
	}
	for _, id := range ids {
		s := pb.Workflow[id]
		for _, l := range links(s) {
			if _, ok := pb.Workflow[l.to]; !ok {
				errs = append(errs, &CheckError{Kind: UnknownStep, Step: id, Property: l.prop, Target: l.to})
			}
		}
		if s.OnCompletion != "" {
			if s.OnSuccess != "" {
				errs = append(errs, &CheckError{Kind: Combined, Step: id, Property: "on_success"})
			}
			if s.OnFailure != "" {
				errs = append(errs, &CheckError{Kind: Combined, Step: id, Property: "on_failure"})
			}
		}
		switch {
		case isBranching(s) && s.OnCompletion == "" && s.OnSuccess == "":
			errs = append(errs, &CheckError{Kind: NoCompletion, Step: id})
		case s.Type != StepEnd && !hasWayOn(s):
			errs = append(errs, &CheckError{Kind: NoWayOn, Step: id})
		}
	}
	errs = append(errs, checkBlocks(pb)...)
	seen := map[string]bool{}
	var visit func(id string)
	visit = func(id string) {
		s, ok := pb.Workflow[id]
		if !ok || seen[id] {
			return
		}
		seen[id] = true
		for _, l := range links(s) {
			visit(l.to)
		}
	}
	visit(pb.WorkflowStart)
	if pb.WorkflowException != "" {
		visit(pb.WorkflowException)
	}
	for _, id := range ids {
		if !seen[id] {
			errs = append(errs, &CheckError{Kind: Unreachable, Step: id})
		}
	}
	slices.SortStableFunc(errs, func(a, b error) int {
		sa, sb := a.(*CheckError).Step, b.(*CheckError).Step
		switch {
		case sa < sb:
			return -1
		case sa > sb:
			return 1
		}
		return 0
	})
	return errs
}

// hasWayOn reports whether s leads anywhere: on_completion or on_success
// for any step; for conditions and parallel steps, their branches also
// count.
func hasWayOn(s *Step) bool {
	if s.OnCompletion != "" || s.OnSuccess != "" {
		return true
	}
	switch s.Type {
	case StepIfCondition, StepWhileCondition:
		return s.OnTrue != "" || s.OnFalse != ""
	case StepSwitchCondition:
		return len(s.Cases) > 0
	case StepParallel:
		return len(s.NextSteps) > 0
	}
	return false
}

// isBranching reports whether s starts branch sub-workflows.
func isBranching(s *Step) bool {
	switch s.Type {
	case StepIfCondition, StepWhileCondition, StepSwitchCondition, StepParallel:
		return true
	}
	return false
}

// branchLinks are the links of s that start branch sub-workflows.
func branchLinks(s *Step) []link {
	var l []link
	for _, k := range links(s) {
		switch k.prop {
		case "on_completion", "on_success", "on_failure":
		default:
			l = append(l, k)
		}
	}
	return l
}

// checkBlocks assigns every step to the block it runs in: the flow from
// workflow_start (and from workflow_exception), or one branch
// sub-workflow, following on_completion, on_success and on_failure
// within a block. A step met from two blocks is a LeavesBlock error at
// the branch that meets it second, in a fixed order.
func checkBlocks(pb *Playbook) []error {
	type block struct {
		from, prop, entry string
	}
	owner := map[string]int{}
	var errs []error
	blocks := []block{{entry: pb.WorkflowStart}}
	if pb.WorkflowException != "" {
		blocks = append(blocks, block{entry: pb.WorkflowException})
	}
	for b := 0; b < len(blocks); b++ {
		stack := []string{blocks[b].entry}
		for len(stack) > 0 {
			id := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			s, ok := pb.Workflow[id]
			if !ok {
				continue // UnknownStep says so
			}
			if o, seen := owner[id]; seen {
				if o != b && blocks[b].from != "" {
					errs = append(errs, &CheckError{Kind: LeavesBlock, Step: blocks[b].from, Property: blocks[b].prop, Target: id})
				} else if o != b {
					errs = append(errs, &CheckError{Kind: LeavesBlock, Step: blocks[o].from, Property: blocks[o].prop, Target: id})
				}
				continue
			}
			owner[id] = b
			if s.Type == StepEnd {
				continue
			}
			for _, l := range branchLinks(s) {
				blocks = append(blocks, block{from: id, prop: l.prop, entry: l.to})
			}
			for _, to := range []string{s.OnFailure, s.OnSuccess, s.OnCompletion} {
				if to != "" {
					stack = append(stack, to)
				}
			}
		}
	}
	return errs
}
