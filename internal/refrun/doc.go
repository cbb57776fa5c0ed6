// Package refrun runs the reference playbook that the run stores' tests
// and benchmarks journal: the targeted-attack example's playbook through
// its c2-single-host-ongoing scenario, from detection through
// confirmation, eight steps' worth of investigation, two branches, and
// first response fr-1, with adapters and a person answering the
// scenario's outputs at once and doing nothing else.
package refrun
