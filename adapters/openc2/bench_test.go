package openc2_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/secopsdesign/secops/adapters"
	"github.com/secopsdesign/secops/adapters/openc2"
)

// benchServer answers every POST with the same OpenC2 response.
func benchServer(b *testing.B) *httptest.Server {
	reply := []byte(response(openc2.RequestID("bench/response/fr-1/2.1.1"), 200, "", nil))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", openc2.ContentType)
		w.Write(reply)
	}))
	b.Cleanup(srv.Close)
	return srv
}

var benchReq = adapters.Request{Operation: "block_ip", Method: "2.1.1", Run: "bench", Inputs: map[string]any{"dst_ip": "203.0.113.7"}, IdempotencyKey: "bench/response/fr-1/2.1.1"}

// BenchmarkOpenC2Call is one call of the adapter: the command built, the
// message encoded, POSTed, the response read and its status mapped.
func BenchmarkOpenC2Call(b *testing.B) {
	srv := benchServer(b)
	a, err := openc2.New("firewall", srv.URL+openc2.Path, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if _, err := a.Call(ctx, benchReq); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, start)
}

// reportCPU reports the CPU time of the process per op since start, the
// server's included: on a busy machine, compare it rather than ns/op.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkBareCall is the baseline: a bare net/http POST of the same
// body to the same server, the response read whole.
func BenchmarkBareCall(b *testing.B) {
	srv := benchServer(b)
	a, err := openc2.New("firewall", srv.URL+openc2.Path, nil)
	if err != nil {
		b.Fatal(err)
	}
	cmd, err := a.Command(benchReq)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := json.Marshal(openc2.Message{
		Headers: openc2.MessageHeaders{RequestID: openc2.RequestID(benchReq.IdempotencyKey), Created: 1764931200000, From: "secops@bench"},
		Body:    openc2.MessageBody{OpenC2: openc2.Content{Request: &cmd}},
	})
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	url := srv.URL + openc2.Path
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		resp, err := client.Post(url, openc2.ContentType, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadAll(resp.Body); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatal(resp.Status)
		}
	}
	reportCPU(b, start)
}
