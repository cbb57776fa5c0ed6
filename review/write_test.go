package review_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/secopsdesign/secops/review"
)

// TestWrite: each format is the report's own writer; Markdown with a
// chart folder writes the charts there and links them; an unknown
// format is an error naming the formats. WithCount counts every byte of
// the alert files read.
func TestWrite(t *testing.T) {
	var read atomic.Int64
	rep, err := review.Replay(t.Context(), plan(t, targetedDesign), review.ReadAlertFiles([]string{targetedAlerts}, nil, review.WithCount(&read)))
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(targetedAlerts); err != nil || read.Load() != fi.Size() {
		t.Errorf("counted %d bytes read of %s, want its size (%v)", read.Load(), targetedAlerts, err)
	}
	for _, tc := range []struct {
		format string
		own    func(*bytes.Buffer) error
	}{
		{"text", func(b *bytes.Buffer) error { return rep.WriteText(b) }},
		{"json", func(b *bytes.Buffer) error { return rep.WriteJSON(b) }},
		{"markdown", func(b *bytes.Buffer) error { return rep.WriteMarkdown(b, "") }},
	} {
		var got, want bytes.Buffer
		if err := review.Write(&got, rep, tc.format, ""); err != nil {
			t.Fatal(err)
		}
		if err := tc.own(&want); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%s: Write differs from the report's own writer", tc.format)
		}
	}
	dir := filepath.Join(t.TempDir(), "charts")
	var md bytes.Buffer
	if err := review.Write(&md, rep, "markdown", dir); err != nil {
		t.Fatal(err)
	}
	charts, err := rep.Charts()
	if err != nil || len(charts) == 0 {
		t.Fatalf("charts: %d, %v", len(charts), err)
	}
	for _, c := range charts {
		if _, err := os.Stat(filepath.Join(dir, c.File)); err != nil {
			t.Errorf("chart %s not written: %v", c.File, err)
		}
		if !strings.Contains(md.String(), filepath.ToSlash(dir)+"/"+c.File) {
			t.Errorf("the Markdown does not link %s", c.File)
		}
	}
	if err := review.Write(&md, rep, "csv", ""); err == nil || !strings.Contains(err.Error(), "want text, json, markdown") {
		t.Errorf("csv: %v", err)
	}
}
