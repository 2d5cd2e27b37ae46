package api

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/config"
	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// TestServerRunAndShutdown serves a request, cancels, and expects Run to
// return nil and the port to be closed.
func TestServerRunAndShutdown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := NewHandler(testrig.NewState(&traffic.State{Result: goodResult, LastPoll: polled}), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute}, at(polled), nil)
	s := NewServer(ln, h, 1024, nil)
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

// startServer serves h on a loopback port until the test ends.
func startServer(t *testing.T, h http.Handler) (addr string, stop func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- NewServer(ln, h, 1024, nil).Run(ctx) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() { cancel(); runErr = <-done })
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return ln.Addr().String(), stop
}

// TestSlowloris opens 500 connections that trickle a request header: a
// normal client still gets its answer at once, and the server cuts the
// slow ones off after ReadHeaderTimeout.
func TestSlowloris(t *testing.T) {
	h := NewHandler(testrig.NewState(&traffic.State{Result: goodResult, LastPoll: polled}), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute}, at(polled), nil)
	addr, _ := startServer(t, h)
	const n = 500
	conns := make([]net.Conn, 0, n)
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial %d: %v", len(conns), err)
		}
		defer c.Close()
		if _, err := c.Write([]byte("GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: a")); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	// Keep trickling for a while, and meanwhile ask as a normal client.
	client := &http.Client{Timeout: 5 * time.Second}
	for range 3 {
		for _, c := range conns {
			_, _ = c.Write([]byte("a"))
		}
		resp, err := client.Get("http://" + addr + secret)
		if err != nil {
			t.Fatalf("a normal client failed beside %d slow ones: %v", n, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("normal client: %d", resp.StatusCode)
		}
		time.Sleep(500 * time.Millisecond)
	}
	// Then stop trickling: every slow connection is closed by the server
	// (ReadHeaderTimeout is 5 s), answered with at most a 408.
	var wg sync.WaitGroup
	var cut atomic.Int32
	for _, c := range conns {
		wg.Go(func() {
			_ = c.SetReadDeadline(time.Now().Add(30 * time.Second))
			b, err := io.ReadAll(c)
			if err == nil && (len(b) == 0 || strings.HasPrefix(string(b), "HTTP/1.1 408")) {
				cut.Add(1)
			}
		})
	}
	wg.Wait()
	if got := cut.Load(); got != n {
		t.Errorf("%d of %d slow connections were cut off by the server", got, n)
	}
}

func TestOversizedHeaderAndUnreadBody(t *testing.T) {
	h := NewHandler(testrig.NewState(&traffic.State{Result: goodResult, LastPoll: polled}), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute}, at(polled), nil)
	addr, _ := startServer(t, h)
	send := func(raw string) string {
		t.Helper()
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write([]byte(raw)); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		return line
	}
	big := "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 64<<10) + "\r\n\r\n"
	if line := send(big); !strings.HasPrefix(line, "HTTP/1.1 431") {
		t.Errorf("64 KiB header: %q, want 431", line)
	}
	// A POST announcing 1 GiB gets its 405 without the body being sent.
	post := "POST " + secret + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741824\r\n\r\n" + strings.Repeat("b", 1024)
	if line := send(post); !strings.HasPrefix(line, "HTTP/1.1 405") {
		t.Errorf("POST with a 1 GiB body: %q, want 405 at once", line)
	}
}

// TestConnectionCap: at the cap, a new client is answered by closing an
// idle keep-alive connection; when every connection is busy, the new one
// is closed at once instead of waiting. The test waits for the server to
// have seen each step (the limiter's own count), never for a duration.
func TestConnectionCap(t *testing.T) {
	const limit = 20
	h := NewHandler(testrig.NewState(&traffic.State{Result: goodResult, LastPoll: polled}), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute}, at(polled), nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := NewServer(ln, h, limit, nil)
	go func() { _ = srv.Run(ctx) }()
	addr := ln.Addr().String()

	// limit idle keep-alive connections, each after one answer.
	var idle []net.Conn
	for range limit {
		c := dialSend(t, addr, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		idle = append(idle, c)
	}
	waitConns(t, srv, "every connection idle", func(n map[http.ConnState]int) bool { return n[http.StateIdle] == limit })
	// A generous timeout: a client queued behind the cap would wait it
	// out, one served or refused at once does not.
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get("http://" + addr + "/health")
	if err != nil {
		t.Fatalf("a new client at the cap: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("a new client at the cap: %d", resp.StatusCode)
	}
	closed := 0
	for _, c := range idle {
		// A closed connection reads EOF at once; an open idle one would
		// block, so it is given a deadline that has already passed once
		// the closed ones have been counted.
		_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); errors.Is(err, io.EOF) {
			closed++
		}
	}
	if closed != 1 {
		t.Errorf("%d idle connections were closed to make room for one, want 1", closed)
	}

	// Every connection busy (a request half sent): the new one is closed
	// at once, not queued behind them.
	for _, c := range idle {
		c.Close()
	}
	waitConns(t, srv, "every connection closed", func(n map[http.ConnState]int) bool { return len(n) == 0 })
	for range limit {
		dialSend(t, addr, "GET /health HTTP/1.1\r\n")
	}
	waitConns(t, srv, "every connection busy", func(n map[http.ConnState]int) bool {
		return n[http.StateNew]+n[http.StateActive] == limit
	})
	resp, err = client.Get("http://" + addr + "/health")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("a client beyond %d busy connections was served: %d", limit, resp.StatusCode)
	}
	if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
		t.Errorf("a client beyond %d busy connections waited for its timeout instead of being refused: %v", limit, err)
	}
}

// waitConns waits until the server's open connections, counted by state,
// satisfy ok; it fails the test after a deadline far beyond what a loaded
// machine needs.
func waitConns(t *testing.T, srv *Server, what string, ok func(map[http.ConnState]int) bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		n := srv.conns.count()
		if ok(n) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: connections by state %v", what, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// dialSend opens a connection to addr, closed when the test ends, and
// writes text on it.
func dialSend(t *testing.T, addr, text string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, text); err != nil {
		t.Fatal(err)
	}
	return c
}
