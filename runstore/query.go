package runstore

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"strconv"
	"time"

	"github.com/secopsdesign/secops/duration"
	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/ident"
)

// ParseQuery reads a listing's query from its parameters, as the
// server's GET /v1/runs takes them and the CLI's flags of the same names
// (secops runs list): status (comma-separated, and may be given more
// than once), incident, severity, since and until (an RFC 3339 time, or
// a duration back from now such as 24h or 7d), limit (1 to MaxLimit)
// and cursor. Parameters left empty select nothing. Each problem is
// one line of the error, starting with its parameter's name.
func ParseQuery(v url.Values, now time.Time) (Query, error) {
	var q Query
	var errs []error
	for _, list := range v["status"] {
		sts, err := executor.ParseStatuses(list)
		if err != nil {
			errs = append(errs, err) // "status ...: want ..."
		}
		q.Status = append(q.Status, sts...)
	}
	q.Incident, q.Severity = ident.ID(v.Get("incident")), ident.ID(v.Get("severity"))
	for _, k := range []string{"since", "until"} {
		t, err := parseTime(v.Get(k), now)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %q: want a time like 2026-11-20T09:00:00Z or a duration back from now like 24h or 7d", k, v.Get(k)))
		}
		if k == "since" {
			q.Since = t
		} else {
			q.Until = t
		}
	}
	if l := v.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > MaxLimit {
			errs = append(errs, fmt.Errorf("limit %q: want 1 to %d", l, MaxLimit))
		}
		q.Limit = n
	}
	q.Cursor = v.Get("cursor")
	return q, errors.Join(errs...)
}

// parseTime reads a time, or a duration back from now; "" is the zero
// time.
func parseTime(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := duration.Parse(s)
	if err != nil {
		return time.Time{}, err
	}
	return now.Add(-d.Std()), nil
}

// Pages lists the runs q selects in s, page after page from q.Cursor,
// until the last page or an error (yielded with an empty page).
func Pages(ctx context.Context, s Store, q Query) iter.Seq2[Page, error] {
	return func(yield func(Page, error) bool) {
		for {
			p, err := s.List(ctx, q)
			if err != nil {
				yield(Page{}, err)
				return
			}
			if !yield(p, nil) || p.Next == "" {
				return
			}
			q.Cursor = p.Next
		}
	}
}
