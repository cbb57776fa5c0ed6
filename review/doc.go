// Package review measures a design against what happened: Replay runs an
// alert history through the design's detections and shows what the
// design would have done, and Review (of run records) compares real runs
// with the design's targets and estimates. Both end in findings on the
// design file, with positions, in the form secops validate prints, so
// that a review lands as a change to the design.
//
// Both stream their input: memory grows with the aggregates (detections,
// days, distinct group values up to MaxGroups), not with the number of
// alerts or records.
package review
