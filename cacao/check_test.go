package cacao

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCheck(t *testing.T) {
	const (
		start = "start--00000000-0000-4000-8000-000000000001"
		act   = "action--00000000-0000-4000-8000-000000000002"
		cond  = "if-condition--00000000-0000-4000-8000-000000000003"
		end   = "end--00000000-0000-4000-8000-000000000004"
		done  = "end--00000000-0000-4000-8000-000000000006"
		lost  = "end--00000000-0000-4000-8000-000000000005"
		ghost = "action--00000000-0000-4000-8000-0000000000ff"
	)
	tests := []struct {
		name     string
		workflow map[string]*Step
		start    string
		want     []CheckError
	}{
		{
			name: "valid",
			workflow: map[string]*Step{
				start: {Type: StepStart, OnCompletion: act},
				act:   {Type: StepAction, OnCompletion: cond},
				cond:  {Type: StepIfCondition, OnTrue: end, OnFalse: lost, OnCompletion: done},
				end:   {Type: StepEnd},
				lost:  {Type: StepEnd},
				done:  {Type: StepEnd},
			},
		},
		{
			name: "branches that re-join and no on_completion",
			workflow: map[string]*Step{
				start: {Type: StepStart, OnCompletion: act},
				act:   {Type: StepAction, OnCompletion: cond},
				cond:  {Type: StepIfCondition, OnTrue: ghost, OnFalse: end},
				ghost: {Type: StepAction, OnCompletion: end},
				end:   {Type: StepEnd},
			},
			want: []CheckError{
				{Kind: NoCompletion, Step: cond},
				{Kind: LeavesBlock, Step: cond, Property: "on_false", Target: end},
			},
		},
		{
			name: "a branch that leads back into the flow around it",
			workflow: map[string]*Step{
				start: {Type: StepStart, OnCompletion: cond},
				cond:  {Type: StepIfCondition, OnTrue: act, OnCompletion: end},
				act:   {Type: StepAction, OnCompletion: end},
				end:   {Type: StepEnd},
			},
			want: []CheckError{{Kind: LeavesBlock, Step: cond, Property: "on_true", Target: end}},
		},
		{
			name: "unknown targets",
			workflow: map[string]*Step{
				start: {Type: StepStart, OnCompletion: act},
				act:   {Type: StepParallel, NextSteps: []string{end, ghost}, OnCompletion: done},
				cond:  {Type: StepSwitchCondition, Cases: map[string]string{"x": ghost}, OnCompletion: done},
				done:  {Type: StepEnd},
				end:   {Type: StepEnd},
			},
			want: []CheckError{
				{Kind: UnknownStep, Step: act, Property: "next_steps[1]", Target: ghost},
				{Kind: UnknownStep, Step: cond, Property: "cases.x", Target: ghost},
				{Kind: Unreachable, Step: cond},
			},
		},
		{
			name: "combined and dead end",
			workflow: map[string]*Step{
				start: {Type: StepStart, OnCompletion: act},
				act:   {Type: StepAction, OnCompletion: end, OnFailure: end},
				end:   {Type: StepEnd},
				cond:  {Type: StepIfCondition},
			},
			want: []CheckError{
				{Kind: Combined, Step: act, Property: "on_failure"},
				{Kind: NoCompletion, Step: cond},
				{Kind: Unreachable, Step: cond},
			},
		},
		{
			name:     "bad start",
			workflow: map[string]*Step{act: {Type: StepAction, OnCompletion: end}, end: {Type: StepEnd}},
			start:    act,
			want:     []CheckError{{Kind: BadStart, Property: "workflow_start", Target: act}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.start
			if s == "" {
				s = start
			}
			var got []CheckError
			for _, err := range Check(&Playbook{WorkflowStart: s, Workflow: tt.workflow}) {
				got = append(got, *err.(*CheckError))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Check (-want +got):\n%s", diff)
			}
		})
	}
}
