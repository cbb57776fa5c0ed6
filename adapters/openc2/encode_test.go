package openc2

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAppendMessage: the hand-written encoder makes the bytes
// json.Marshal makes.
func TestAppendMessage(t *testing.T) {
	h := MessageHeaders{RequestID: RequestID("k"), Created: 1764931200000, From: "secops@soc <1> & \"q\"\n\u2028\xff é"}
	cmds := []Command{
		{Action: "deny", Target: map[string]any{"ipv4_connection": map[string]any{"dst_addr": "203.0.113.7", "src_addr": "10.0.0.1/8", "dst_port": 443, "protocol": "tcp"}},
			Args: map[string]any{"response_requested": "complete", "slpf": map[string]any{"direction": "egress", "drop_process": "none"}}, Actuator: map[string]any{"slpf": map[string]any{}}},
		{Action: "query", Target: map[string]any{"features": []string{}}},
		{Action: "query", Target: map[string]any{"features": []string{"versions", "pairs"}}},
		{Action: "deny", Target: map[string]any{"ipv4_net": "198.51.100.0/24"}, Args: map[string]any{"duration": float64(60000), "x-ratio": 0.5, "x-on": true, "x-list": []any{1, "a"}, "x-map": map[string]string{"b": "2", "a": "1"}}},
	}
	for _, c := range cmds {
		h := h
		h.To = []string{"fw-1"}
		want, err := json.Marshal(Message{Headers: h, Body: MessageBody{OpenC2: Content{Request: &c}}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendMessage(nil, h, &c)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("(-json.Marshal +appendMessage):\n%s", diff)
		}
	}
}

// TestTemplate: a template is the command Command makes, with the
// inputs' values as given, unchecked.
func TestTemplate(t *testing.T) {
	m := DefaultOperations()["block_ip"]
	got, err := m.Template(map[string]any{"dst_ip": "__dst_ip__:value"})
	if err != nil {
		t.Fatal(err)
	}
	want := Command{Action: "deny", Target: map[string]any{"ipv4_connection": map[string]any{"dst_addr": "__dst_ip__:value"}},
		Args: map[string]any{"response_requested": "complete"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Template (-want +got):\n%s", diff)
	}
	if _, err := m.Command(map[string]any{"dst_ip": "__dst_ip__:value"}); err == nil {
		t.Error("Command took a placeholder for an address")
	}
	if _, err := m.Template(map[string]any{"host": "x"}); err == nil {
		t.Error("a template from none of the mapping's inputs")
	}
}
