package api

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"
)

// TestDeadlinesAreSwept drives the listener's deadlines by hand: a
// deadline is only kept until a sweep finds it passed, then it interrupts
// the read or write as a kernel deadline would; a deadline already past is
// applied at once; clearing one lifts what the sweep set. The sweeps are
// called with chosen times, so nothing here waits for a clock.
func TestDeadlinesAreSwept(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := newConnLimiter(ln, 10)
	defer l.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	nc, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	c := nc.(*conn)
	read := func() error {
		t.Helper()
		b := make([]byte, 1)
		_, err := c.Read(b)
		return err
	}
	send := func() {
		t.Helper()
		if _, err := client.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
	}

	now := time.Now()
	if err := c.SetReadDeadline(now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	c.expire(int64(now.Add(time.Minute).Sub(l.base))) // not passed yet
	send()
	if err := read(); err != nil {
		t.Fatalf("read before the deadline: %v", err)
	}

	c.expire(int64(now.Add(2 * time.Hour).Sub(l.base))) // passed
	if err := read(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read after the swept deadline: %v, want a deadline error", err)
	}
	if err := c.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	send()
	if err := read(); err != nil {
		t.Fatalf("read after the deadline was cleared: %v", err)
	}

	// A deadline in the past (net/http's way to abort a read) acts at once.
	if err := c.SetReadDeadline(time.Unix(1, 0)); err != nil {
		t.Fatal(err)
	}
	if err := read(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read after a deadline in the past: %v, want a deadline error", err)
	}
	if err := c.SetReadDeadline(now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	send()
	if err := read(); err != nil {
		t.Fatalf("read after a later deadline replaced a past one: %v", err)
	}

	// The same for writes.
	if err := c.SetWriteDeadline(now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("y")); err != nil {
		t.Fatalf("write before the deadline: %v", err)
	}
	c.expire(int64(now.Add(2 * time.Hour).Sub(l.base)))
	if _, err := c.Write([]byte("y")); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write after the swept deadline: %v, want a deadline error", err)
	}
	if err := c.SetDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("y")); err != nil {
		t.Fatalf("write after the deadline was cleared: %v", err)
	}
	if _, err := io.ReadFull(client, make([]byte, 2)); err != nil {
		t.Fatalf("the client did not get what was written: %v", err)
	}
}

// count reports how many connections are open in each state, for tests
// that wait for the server to see what a client did.
func (l *connLimiter) count() map[http.ConnState]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := map[http.ConnState]int{}
	for c := range l.conns {
		n[http.ConnState(c.state.Load())]++
	}
	return n
}
