// Package expr compiles and evaluates the CEL expressions of a design:
// detection conditions over alert, method, branch and confirmation
// conditions over fields and severity, and policy rules over design.
//
// Expressions are type-checked when compiled and must be boolean. A Cache
// compiles each distinct expression once, so that validating or running a
// large design costs one compilation per distinct condition.
package expr
