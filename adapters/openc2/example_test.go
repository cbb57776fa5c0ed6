package openc2_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/adapters/openc2"
)

func Example() {
	// A packet filter that speaks OpenC2: it prints each command and
	// answers 200, copying the request id.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg openc2.Message
		if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		cmd, _ := json.Marshal(msg.Body.OpenC2.Request)
		fmt.Println(r.URL.Path, r.Header.Get("Content-Type"))
		fmt.Println(msg.Headers.RequestID == openc2.RequestID(r.Header.Get("Idempotency-Key")), string(cmd))
		w.Header().Set("Content-Type", openc2.ContentType)
		json.NewEncoder(w).Encode(openc2.Message{
			Headers: openc2.MessageHeaders{RequestID: msg.Headers.RequestID, Created: time.Now().UnixMilli(), From: "fw-1"},
			Body:    openc2.MessageBody{OpenC2: openc2.Content{Response: &openc2.Response{Status: 200}}},
		})
	}))
	defer srv.Close()

	fw, err := openc2.New("firewall", srv.URL+openc2.Path, nil) // nil: the default operations
	if err != nil {
		panic(err)
	}
	ip := map[string]any{"dst_ip": "203.0.113.7"}
	_, err = fw.Call(context.Background(), adapters.Request{Operation: "block_ip", Method: "2.1.1", Inputs: ip, IdempotencyKey: "run-1/response/fr-1/2.1.1"})
	fmt.Println(err)
	// The rollback of the block.
	_, err = fw.Call(context.Background(), adapters.Request{Operation: "unblock_ip", Method: "2.1.1", Inputs: ip, Rollback: true, IdempotencyKey: "run-1/rollback/2.1.1"})
	fmt.Println(err)
	// Output:
	// /.well-known/openc2 application/openc2+json;version=1.0
	// true {"action":"deny","target":{"ipv4_connection":{"dst_addr":"203.0.113.7"}},"args":{"response_requested":"complete"}}
	// <nil>
	// /.well-known/openc2 application/openc2+json;version=1.0
	// true {"action":"allow","target":{"ipv4_connection":{"dst_addr":"203.0.113.7"}},"args":{"response_requested":"complete"}}
	// <nil>
}

func ExampleMapping_Command() {
	m := openc2.Mapping{Action: "deny", Target: "ipv4_connection", Inputs: map[string]string{"src_ip": "src_addr"}, Actuator: "slpf"}
	cmd, err := m.Command(map[string]any{"src_ip": "10.0.1.23"})
	b, _ := json.Marshal(cmd)
	fmt.Println(string(b))
	fmt.Println(err)
	_, err = m.Command(map[string]any{"src_ip": "2001:db8::1"})
	fmt.Println(err)
	// Output:
	// {"action":"deny","target":{"ipv4_connection":{"src_addr":"10.0.1.23"}},"args":{"response_requested":"complete"},"actuator":{"slpf":{}}}
	// <nil>
	// input src_ip: "2001:db8::1" is not an IPv4 address or range
}
