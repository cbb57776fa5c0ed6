package main

import (
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
