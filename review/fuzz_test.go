package review_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/secopsdesign/secops/review"
)

// FuzzReadAlerts: any input reads without a panic, every alert has a
// line, and Replay takes what comes.
func FuzzReadAlerts(f *testing.F) {
	for _, p := range []string{targetedAlerts, acmeAlerts, "testdata/shadowed.jsonl"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 2000)])
	}
	f.Add([]byte("[{\"category\":\"rat\"}, 1, null]"))
	f.Add([]byte("\x1f\x8b\x08\x00"))
	p := plan(f, targetedDesign)
	f.Fuzz(func(t *testing.T, data []byte) {
		for a, err := range review.ReadAlerts("f", bytes.NewReader(data)) {
			if err != nil {
				break
			}
			if a.Line < 1 || (a.Fields == nil) == (a.Invalid == "") {
				t.Fatalf("alert %+v", a)
			}
		}
		rep, err := review.Replay(context.Background(), p, review.ReadAlerts("f", bytes.NewReader(data)), review.WithGroupBy("category"))
		if err == nil && rep.Matched+rep.Unmatched+rep.Invalid != rep.Alerts {
			t.Fatalf("%d + %d + %d != %d", rep.Matched, rep.Unmatched, rep.Invalid, rep.Alerts)
		}
	})
}

// FuzzReview: any input read as records reviews without a panic.
func FuzzReview(f *testing.F) {
	f.Add([]byte(`{"format":"secops-record/v1","id":"x","started":"2026-11-20T09:00:00Z","severity":"high","playbook":"malware-triage","path":["nope"],"branches":[{"step":"x","index":9}],"events":[{"kind":"method","method":"9.9"},{"kind":"response-completed","response":"fr-1"},{"kind":"call-started","idempotency_key":"k"}]}`))
	f.Add([]byte(`{"id":"y","started":"2026-11-20T09:00:00Z","events":[{"kind":"approval","response":"zz"},{"kind":"rolled-back","method":"2.1.1"}]}`))
	p := plan(f, targetedDesign)
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := review.Review(p, review.ReadRecords("f", bytes.NewReader(data)))
		if err == nil {
			var b bytes.Buffer
			if err := rep.WriteText(&b); err != nil {
				t.Fatal(err)
			}
			if err := rep.WriteMarkdown(&b, "c"); err != nil {
				t.Fatal(err)
			}
			if _, err := rep.Charts(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
