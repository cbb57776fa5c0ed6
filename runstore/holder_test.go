package runstore_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/runstore/storetest"
)

// TestHolderGone: only a holder named as Holder names it, of this host,
// whose process has ended, is gone.
func TestHolderGone(t *testing.T) {
	dead := storetest.DeadHolder(t)
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	pid := strings.Fields(dead)[1]
	tests := []struct {
		holder string
		want   bool
	}{
		{dead, true},
		{runstore.Holder(), false}, // this process
		{fmt.Sprintf("pid %d on %s", os.Getppid(), host), false},  // alive
		{fmt.Sprintf("pid %s on %s.elsewhere", pid, host), false}, // another host
		{fmt.Sprintf("pid 0%s on %s", pid, host), false},          // not as Holder writes it
		{fmt.Sprintf("pid %s on %s ", pid, host), false},          // nor this
		{fmt.Sprintf("pid -1 on %s", host), false},                // every process, to kill(2)
		{fmt.Sprintf("pid 0 on %s", host), false},                 // the process group
		{fmt.Sprintf("pid 99999999999999999999 on %s", host), false},
		{"worker-a", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := runstore.HolderGone(tt.holder); got != tt.want {
			t.Errorf("HolderGone(%q) = %v, want %v", tt.holder, got, tt.want)
		}
	}
}
