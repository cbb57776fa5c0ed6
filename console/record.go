package console

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
	"github.com/secopsdesign/secops/runstore"
)

// WriteSummaries writes runs as a table: id, status, incident, severity,
// response, start, and a note on what each waits for or why it stopped.
func WriteSummaries(w io.Writer, runs []runstore.Summary) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tINCIDENT\tSEVERITY\tRESPONSE\tSTARTED\tNOTE")
	for _, r := range runs {
		note := ""
		switch {
		case r.Pending != nil && r.Pending.Party != "":
			note = fmt.Sprintf("waits for the approval of %s", r.Pending.Party)
		case r.Pending != nil:
			note = fmt.Sprintf("waits for method %s", r.Pending.Method)
		case r.Status == executor.Interrupted || r.Status == executor.Running:
			note = "stopped before its end (or still at work): secops runs show " + r.ID + " says where"
		case r.Error != "":
			note = r.Error
			if len(note) > 60 {
				note = note[:57] + "..."
			}
		}
		if r.Breached {
			note = strings.TrimSpace("target breached " + note)
		}
		status := string(r.Status)
		if r.RolledBack {
			status += ", rolled back"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, status, dash(string(r.Incident)), dash(string(r.Severity)),
			dash(string(r.Response)), r.Started.Format(time.RFC3339), note)
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WriteRecord writes a run's record as text: its outcome, the calls in
// doubt, and its events in order.
func WriteRecord(w io.Writer, rec *executor.Record) error {
	fmt.Fprintf(w, "run %s: %s\n", rec.ID, rec.Status)
	for _, kv := range [][2]string{
		{"design", rec.Design}, {"detection", string(rec.Detection)}, {"incident", string(rec.Incident)},
		{"severity", string(rec.Severity)}, {"playbook", string(rec.Playbook)}, {"response", string(rec.Response)},
		{"applied", JoinNumbers(rec.Applied)}, {"rolled back", JoinNumbers(rec.RolledBack)}, {"error", rec.Error},
	} {
		if kv[1] != "" {
			fmt.Fprintf(w, "  %-12s %s\n", kv[0]+":", kv[1])
		}
	}
	fmt.Fprintf(w, "  %-12s %s (elapsed %v, estimate %v)\n", "started:", rec.Started.Format(time.RFC3339), rec.Elapsed, rec.Estimate)
	for _, c := range rec.Uncertain() {
		fmt.Fprintf(w, "  in doubt:    method %s (%s), attempt %d, key %s\n", c.Method, c.Action, c.Attempt, c.IdempotencyKey)
	}
	fmt.Fprintln(w, "events:")
	pr := Progress(w)
	for _, e := range rec.Events {
		fmt.Fprintf(w, "  %s ", e.Time.Format("15:04:05"))
		switch e.Kind {
		case executor.EvStarted:
			fmt.Fprintln(w, "started")
		case executor.EvCompleted:
			fmt.Fprintln(w, "completed")
		case executor.EvCallStarted:
			fmt.Fprintf(w, "  method %s calls %s (attempt %d, key %s)\n", e.Method, e.Action, e.Attempt, e.IdempotencyKey)
		default:
			pr(e)
		}
	}
	return nil
}

// JoinNumbers lists method ids as "2.1.1, 2.2.1".
func JoinNumbers(ns []ident.Number) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = string(n)
	}
	return strings.Join(s, ", ")
}
