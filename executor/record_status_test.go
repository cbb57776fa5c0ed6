package executor_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/secopsdesign/secops/executor"
)

func TestParseStatuses(t *testing.T) {
	got, err := executor.ParseStatuses("waiting, failed")
	if diff := cmp.Diff([]executor.Status{executor.Waiting, executor.Failed}, got); err != nil || diff != "" {
		t.Errorf("ParseStatuses = %v (-want +got):\n%s", err, diff)
	}
	if _, err := executor.ParseStatuses("waiting,done"); err == nil || err.Error() != `status "done": want one of [completed failed waiting no-incident not-triaged running interrupted]` {
		t.Errorf("an unknown status: %v", err)
	}
}
