package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAnswer(t *testing.T) {
	tests := []struct {
		name    string
		request string
		want    reply
		wantErr bool
	}{
		{"an investigation", `{"operation": "lookup_ip", "method": "1.2.4", "inputs": {"dst_ip": "203.0.113.7"}}`,
			reply{Outputs: map[string]any{"c2_domain": "update-check.example.net", "c2_location": "NL", "c2_registrant": "privacy-protected"}}, false},
		{"a containment", `{"operation": "block_ip", "method": "2.1.1", "inputs": {"dst_ip": "203.0.113.7"}}`, reply{}, false},
		{"a rollback", `{"operation": "unblock_ip", "method": "2.1.1", "rollback": true}`, reply{}, false},
		{"not JSON", `block everything`, reply{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := answer(strings.NewReader(tt.request), "lab.json")
			if (err != nil) != tt.wantErr {
				t.Fatalf("answer() error = %v, wantErr %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestIdempotency: a repeated key is answered as before and done once.
func TestIdempotency(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("LAB_STATE", dir)
	log := dir + "/log"
	t.Setenv("LAB_LOG", log)
	req := `{"operation": "lookup_ip", "method": "1.2.4", "inputs": {"dst_ip": "203.0.113.7"}, "idempotency_key": "r1/step/s/1.2.4"}`
	first, err := answer(strings.NewReader(req), "lab.json")
	if err != nil {
		t.Fatal(err)
	}
	again, err := answer(strings.NewReader(req), "lab.json")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("repeat answered otherwise (-first +repeat):\n%s", diff)
	}
	b, _ := os.ReadFile(log)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 4 || !strings.Contains(lines[0], "1.2.4 received key=r1/step/s/1.2.4") || !strings.Contains(lines[1], "1.2.4 lookup_ip") ||
		!strings.Contains(lines[3], "repeat r1/step/s/1.2.4: answered as before, nothing done") {
		t.Errorf("log:\n%s", b)
	}
}

// TestInProgress: a repeat that comes while another lab process acts on
// the key is refused as retryable; a mark of a dead process is taken over.
func TestInProgress(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("LAB_STATE", dir)
	t.Setenv("LAB_LOG", "")
	key := "r1/response/fr-1/2.2.1"
	mark := stateFile(key) + ".pending"
	os.WriteFile(mark, []byte(fmt.Sprintf("%d\n", os.Getppid())), 0o600) // a live process
	req := `{"operation": "isolate_host", "method": "2.2.1", "inputs": {"host": "pc-a"}, "idempotency_key": "` + key + `"}`
	_, err := answer(strings.NewReader(req), "lab.json")
	var ip inProgress
	if !errors.As(err, &ip) {
		t.Fatalf("answer while in progress: %v", err)
	}
	os.WriteFile(mark, []byte("999999999\n"), 0o600) // no such process
	if _, err := answer(strings.NewReader(req), "lab.json"); err != nil {
		t.Fatalf("answer after the holder died: %v", err)
	}
	if _, err := os.Stat(mark); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the mark is left: %v", err)
	}
}
