package review_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/review"
)

func TestReviewSmoke(t *testing.T) {
	recs := records(t)
	for _, r := range recs {
		if r.Status != executor.Completed {
			t.Fatalf("%s: %s %s", r.ID, r.Status, r.Error)
		}
	}
	rep, err := review.Review(plan(t, targetedDesign), seq(recs))
	if err != nil {
		t.Fatal(err)
	}
	_ = cmp.Diff
	t.Logf("%+v", rep.Severities["high"].FirstResponse)
	for _, f := range rep.Findings {
		t.Log(f)
	}
}
