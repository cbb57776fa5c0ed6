// Package console is a run at a terminal: Prompt asks a person for the
// outputs of the tasks and the approvals a run waits on (the executor's
// Person and Approver), and Progress writes a line for each step the
// run takes. The CLI's run and resume use it; a tool of one's own that
// runs a design at a terminal can too.
package console
