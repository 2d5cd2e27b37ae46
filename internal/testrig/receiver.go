package testrig

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Receiver is a notification endpoint on loopback: a generic webhook
// (POST /hook, the body is the message) or an ntfy server (POST /TOPIC,
// the title in a header, a text body, answered with ntfy's JSON). Its
// messages are as a person reads them: an ntfy title, then the body.
type Receiver struct {
	srv  *httptest.Server
	ntfy bool

	// Before, if set, is called before a request is answered at all;
	// After, after a message is taken. Set them before the first send.
	Before, After func()

	mu       sync.Mutex
	messages []string
	priority []string // ntfy's Priority header of each message
	failures int      // requests still to fail with 500
}

// NewReceiver starts a generic webhook receiver, or an ntfy one, closed
// when the test ends.
func NewReceiver(t testing.TB, ntfy bool) *Receiver {
	t.Helper()
	r := &Receiver{ntfy: ntfy}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if r.Before != nil {
		r.Before()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failures > 0 {
		r.failures--
		http.Error(w, "try later", http.StatusInternalServerError)
		return
	}
	wantPath := "/hook"
	if r.ntfy {
		wantPath = "/alerts"
	}
	if req.Method != http.MethodPost || req.URL.Path != wantPath {
		http.Error(w, "wrong request "+req.Method+" "+req.URL.Path, http.StatusBadRequest)
		return
	}
	msg := string(body)
	if title := req.Header.Get("Title"); r.ntfy && title != "" {
		msg = title + "\n" + msg
	}
	r.messages = append(r.messages, msg)
	r.priority = append(r.priority, req.Header.Get("Priority"))
	if r.ntfy {
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "x1", "time": time.Now().Unix(), "event": "message", "topic": "alerts", "message": string(body)})
	}
	if r.After != nil {
		r.After()
	}
}

// URL is the receiver's shoutrrr URL.
func (r *Receiver) URL() string {
	host := strings.TrimPrefix(r.srv.URL, "http://")
	if r.ntfy {
		return "ntfy://" + host + "/alerts?scheme=http"
	}
	return "generic+http://" + host + "/hook"
}

// FailNext has the next n requests fail with 500.
func (r *Receiver) FailNext(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = n
}

// Messages are the messages taken so far.
func (r *Receiver) Messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.messages...)
}

// Priorities are the ntfy Priority headers of the messages taken so far.
func (r *Receiver) Priorities() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.priority...)
}

// WaitMessages waits, up to 30 s, until each receiver holds n messages.
func WaitMessages(t testing.TB, n int, rs ...*Receiver) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for _, r := range rs {
		for len(r.Messages()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("receiver has %q, want %d messages", r.Messages(), n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// Addr is the receiver's host:port.
func (r *Receiver) Addr() string { return r.srv.Listener.Addr().String() }
