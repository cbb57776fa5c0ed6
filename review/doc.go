// Package review measures a design against what happened. Replay runs an
// alert history through the design's detections, exactly as the executor
// decides them, and shows what the design would have done: what each
// detection took and shadowed, alerts to triage per day, and the workload
// the estimates imply. Review reads run records and compares them with
// the design: time to first response against the targets, waits on
// people, method durations against estimates, the paths taken, the
// failures of adapter calls, and the scorecard: per detection and
// source, the confirmations and the dispositions the runs ended in; per
// party, its tasks, approvals, waits and the targets passed while runs
// waited on it; the outsourced responsibilities against the runs; the
// time to notify. A record that cannot be read is counted and listed,
// and the review goes on. Both end in findings on the design file,
// with positions, in the form secops validate prints, so that a review
// lands as a change to the design.
//
// Both stream their input: memory grows with the aggregates (the design's
// detections, methods, parties and steps, the days, and at most MaxGroups
// distinct group values), not with the number of alerts or records.
// Quantiles (median, P90) are exact over a bounded per-key sample: every
// duration up to MaxSamples per key, and beyond that a uniform reservoir
// sample of MaxSamples (seeded, so the same records give the same
// report); counts, maxima, target shares and breaches are always exact.
package review
