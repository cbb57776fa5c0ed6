// Package runner executes CACAO 2.0 playbooks the way the specification
// describes, so that tests can check what an exported playbook does
// without the exporter's code: it reads the JSON into types of its own.
//
// It follows the flow from workflow_start. Every step but an end step
// goes on at on_completion (or on_success); a missing one is an error,
// as in executors that follow the spec. An if-condition runs its on_true
// or on_false branch as a sub-workflow until that branch's end step,
// then goes on at its own on_completion; a while-condition runs its
// on_true branch while its condition holds; a switch-condition runs the
// case (or default) its variable's value selects; a parallel step runs
// its next_steps branches one after another.
//
// Conditions are STIX comparison expressions over the variables
// (__name__:value = 'text', = true, != 3, < 5, IN ('a', 'b'), joined by
// AND); a comparison of a variable with no value is false. A condition
// step whose secops extension says expression_language "cel" is handed
// to Runner.CEL instead.
//
// Action steps run their commands: manual commands are handed to
// Runner.Manual; http-api commands are sent to the first http-api target
// of the step (its address url, with the command's method and path),
// with the command's headers and content after variable interpolation,
// and the reply's outputs ({"outputs": {"name": value}}) set the out_args
// __name__. Other command types are errors.
//
// Variables hold JSON values. Interpolation writes a string variable's
// text as it is and any other value as JSON text; a variable with no
// value is written as null, or as nothing when the reference is inside
// quotes.
package runner
