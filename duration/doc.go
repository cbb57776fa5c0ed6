// Package duration reads and writes the durations of a design: target
// times such as "2h" or "14d" and time estimates such as "10m".
//
// Unlike time.ParseDuration it accepts days (d) and weeks (w), which is how
// security teams state response targets.
package duration
