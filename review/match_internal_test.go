package review

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/executor"
)

// Replay decides as the executor does: every alert of both histories,
// and of the shadowing test, run through a dry-run engine, takes the same
// detection, and the alerts replay calls invalid are the runs that fail
// before any detection matched.
func TestMatchAsEngine(t *testing.T) {
	for _, tt := range []struct{ design, alerts string }{
		{"../examples/targeted-attack/design.yaml", "testdata/targeted-attack.jsonl"},
		{"../examples/acme-web/design.yaml", "testdata/acme-web.json"},
		{"testdata/shadowed.yaml", "testdata/shadowed.jsonl"},
	} {
		d, lf, err := secops.LoadFile(tt.design)
		if err == nil {
			err = lf.Err()
		}
		if err != nil {
			t.Fatal(err)
		}
		plan, err := executor.Compile(d)
		if err != nil {
			t.Fatal(err)
		}
		eng, err := executor.New(executor.WithPlan(plan), executor.WithDryRun(nil))
		if err != nil {
			t.Fatal(err)
		}
		m, err := newMatcher(plan)
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(tt.alerts)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		n, invalid := 0, 0
		for a, err := range ReadAlerts(tt.alerts, f) {
			if err != nil {
				t.Fatal(err)
			}
			if a.Invalid != "" {
				continue
			}
			n++
			first, failed := m.match(context.Background(), a.Fields, nil)
			want := ""
			if first >= 0 {
				want = string(d.Criteria.Detections[first].ID)
			}
			rec, err := eng.Run(context.Background(), a.Fields)
			if err != nil {
				// Refused at the edge: replay must call it invalid
				// with the same words.
				if !errors.Is(err, executor.ErrInvalidAlert) {
					t.Fatal(err)
				}
				if failed != err.Error() {
					t.Errorf("%s:%d: replay says %q, the engine %q", a.File, a.Line, failed, err)
				}
				invalid++
				continue
			}
			engineFailed := rec.Status == executor.Failed && rec.Detection == ""
			if string(rec.Detection) != want || engineFailed != (failed != "") {
				t.Errorf("%s:%d: replay took %q (failed %q), the engine %q (status %s, %s)", a.File, a.Line, want, failed, rec.Detection, rec.Status, rec.Error)
			}
			if failed != "" && failed != rec.Error {
				t.Errorf("%s:%d: replay says %q, the engine %q", a.File, a.Line, failed, rec.Error)
			}
		}
		if n == 0 || invalid == 0 {
			t.Errorf("%s: %d alerts, %d invalid: the test needs both", tt.alerts, n, invalid)
		}
	}
}
