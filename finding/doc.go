// Package finding describes problems found in a document: a Finding has a
// severity, a code, a Path such as "playbooks[0].steps[6].process", a
// message and, when the document came from a file, a Position.
//
// Validators take the Path of the value they check and append to a List,
// so every problem is reported in one pass. WriteText and WriteJSON render
// a List for people and for tools, in the one order findings are shown in
// everywhere (List.Sort: file, line, column, code).
package finding
