package runstore_test

import (
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/runstore/storetest"
)

func TestParseQuery(t *testing.T) {
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		query string
		want  runstore.Query
		err   string
	}{
		{"none", "", runstore.Query{}, ""},
		{"all", "status=waiting,failed&status=running&incident=ransomware&severity=high&since=2026-11-19T09:00:00Z&until=7d&limit=10&cursor=abc",
			runstore.Query{Status: []executor.Status{executor.Waiting, executor.Failed, executor.Running}, Incident: "ransomware", Severity: "high",
				Since: now.Add(-24 * time.Hour), Until: now.Add(-7 * 24 * time.Hour), Limit: 10, Cursor: "abc"}, ""},
		{"a duration in hours", "since=24h", runstore.Query{Since: now.Add(-24 * time.Hour)}, ""},
		{"every problem", "status=done&since=yesterday&limit=0",
			runstore.Query{}, `status "done": want one of [completed failed waiting no-incident not-triaged running interrupted]` + "\n" +
				`since "yesterday": want a time like 2026-11-20T09:00:00Z or a duration back from now like 24h or 7d` + "\n" +
				`limit "0": want 1 to 1000`},
		{"a limit over the most", "limit=1001", runstore.Query{}, `limit "1001": want 1 to 1000`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			q, err := runstore.ParseQuery(v, now)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Errorf("error:\n%v\nwant:\n%s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, q); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestPages: every run once, page after page, and a stop stops.
func TestPages(t *testing.T) {
	s := runstore.NewMemory()
	for i := range 5 {
		if err := s.Create(t.Context(), storetest.Record(string(rune('a'+i)), executor.Completed, "x", "low", i)); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	pages := 0
	for p, err := range runstore.Pages(t.Context(), s, runstore.Query{Limit: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, r := range p.Runs {
			ids = append(ids, r.ID)
		}
	}
	if diff := cmp.Diff([]string{"e", "d", "c", "b", "a"}, ids); diff != "" || pages != 3 {
		t.Errorf("%d pages, (-want +got):\n%s", pages, diff)
	}
	for range runstore.Pages(t.Context(), s, runstore.Query{Limit: 2}) {
		break
	}
	for _, err := range runstore.Pages(t.Context(), s, runstore.Query{Cursor: "not a cursor"}) {
		if err == nil {
			t.Error("a bad cursor listed")
		}
	}
}
