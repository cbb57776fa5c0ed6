package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/secopsdesign/secops"
	"github.com/secopsdesign/secops/runstore"
	"github.com/secopsdesign/secops/server"
)

// TestServe: Serve answers on its listener until ctx is done, then
// shuts down and returns nil; the listener is closed.
func TestServe(t *testing.T) {
	l := newLab(t)
	srv, err := server.New(testPlan(t), runstore.NewMemory(), server.WithRegistry(l.registry(t)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var health struct{ Status, Version string }
	err = json.NewDecoder(resp.Body).Decode(&health)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil || health.Status != "ok" || health.Version != secops.Version() {
		t.Errorf("healthz: %s %+v %v", resp.Status, health, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve = %v, want nil after shutdown", err)
		}
	case <-time.After(server.ShutdownTimeout + 5*time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("still serving after shutdown")
	}
}

// TestCheckOpen: without tokens a server listens on loopback only, and
// Serve refuses any other listener before it serves a request.
func TestCheckOpen(t *testing.T) {
	toks, _ := testTokens(t)
	tcp := func(ip string) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: 8080} }
	for _, tc := range []struct {
		addr   net.Addr
		tokens *server.Tokens
		open   bool
	}{
		{tcp("127.0.0.1"), nil, true},
		{tcp("::1"), nil, true},
		{tcp("0.0.0.0"), nil, false},
		{tcp("192.0.2.10"), nil, false},
		{tcp("0.0.0.0"), toks, true},
		{&net.UnixAddr{Name: "/run/secops.sock", Net: "unix"}, nil, true},
	} {
		err := server.CheckOpen(tc.addr, tc.tokens)
		if (err == nil) != tc.open || err != nil && !errors.Is(err, server.ErrOpenListener) {
			t.Errorf("%v, tokens %v: %v", tc.addr, tc.tokens != nil, err)
		}
	}

	srv, err := server.New(testPlan(t), runstore.NewMemory(), server.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := srv.Serve(t.Context(), ln); !errors.Is(err, server.ErrOpenListener) {
		t.Errorf("Serve on %v without tokens: %v", ln.Addr(), err)
	}
}
