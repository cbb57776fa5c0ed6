// Package synth generates large, valid designs for benchmarks: N playbooks
// of 20 steps each, with their incidents, detections, processes, fields
// and responses, shaped like real ones (shared process table, branches on
// method outputs, first responses with rollbacks).
package synth
