package server_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

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
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz: %s", resp.Status)
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
