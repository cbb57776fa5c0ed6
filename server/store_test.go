package server_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/secopsdesign/secops/executor"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/server"
)

// brokenStore is a store whose saves fail, as a full disk makes them.
type brokenStore struct{ *runstore.Memory }

func (brokenStore) Save(context.Context, *executor.Record) error {
	return errors.New("disk full")
}

// TestStoreFails runs an alert on a store that cannot save: the run
// stops, and the reply is a 500 problem naming the run and the store's
// error, not a record the store does not hold.
func TestStoreFails(t *testing.T) {
	srv, err := server.New(testPlan(t), brokenStore{runstore.NewMemory()}, server.WithRegistry(newLab(t).registry(t)),
		server.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	hs := httptest.NewServer(srv)
	defer hs.Close()
	resp, err := http.Post(hs.URL+"/v1/alerts", "application/json", strings.NewReader(`{"category": "rat", "host": "pc-a", "dst_ip": "203.0.113.7"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	p := reply{status: resp.StatusCode, header: resp.Header}
	p.body, _ = io.ReadAll(resp.Body)
	prob := p.problem(t)
	if prob.Status != 500 || prob.Run == "" || !strings.Contains(prob.Detail, "disk full") {
		t.Errorf("%d: %s", resp.StatusCode, p.body)
	}
}
