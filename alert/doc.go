// Package alert reads alerts: one object of field id to value, written in
// JSON or YAML, as `secops run --alert`, the server's POST /v1/alerts and
// every other reader of a single alert take it.
//
// Reading is strict where a lenient reader would change the alert
// silently: a key written twice in one object is refused at its position
// (encoding/json would keep the last), as are a document larger than
// MaxSize, one that is not an object, more than one document, and text
// that is not UTF-8. Numbers are float64, integers included, as
// encoding/json gives them, so that an alert reads the same whichever
// syntax it came in.
//
// Whether the alert fits a design (its keys are the design's fields, its
// values of their types) is the design's to say: see
// executor.Plan.CheckAlert.
package alert
