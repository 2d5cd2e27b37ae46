package api

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/monitor"
)

// TestServerRunAndShutdown serves a request, cancels, and expects Run to
// return nil and the port to be closed.
func TestServerRunAndShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := NewHandler(newFake(&monitor.State{Result: goodResult, LastPoll: time.Now()}), Config{WebhookPath: secret, PollInterval: time.Minute}, nil, nil)
	s := NewServer(ln, h, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()

	url := "http://" + ln.Addr().String()
	resp, err := http.Get(url + secret)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(body) == 0 {
		t.Fatalf("GET webhook: %d %s", resp.StatusCode, body)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v after cancel, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	if _, err := http.Get(url + "/health"); err == nil {
		t.Error("server still answers after shutdown")
	}
}
