package alert

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

// receiver is a notification endpoint on loopback: a generic webhook
// (the body is the message) or an ntfy server (POST /TOPIC, the title in
// a header, text body, answered with ntfy's JSON). Its messages are as a
// person reads them: an ntfy title, then the body.
type receiver struct {
	srv  *httptest.Server
	ntfy bool

	mu       sync.Mutex
	messages []string
	priority []string // ntfy's Priority header of each message
	failures int      // requests still to fail with 500
	after    func()   // called after a message is taken, if set
	before   func()   // called before a request is answered at all, if set
}

func newReceiver(t *testing.T, ntfy bool) *receiver {
	t.Helper()
	r := &receiver{ntfy: ntfy}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if r.before != nil {
		r.before()
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
	if r.after != nil {
		r.after()
	}
}

// url is the receiver's shoutrrr URL.
func (r *receiver) url() string {
	host := strings.TrimPrefix(r.srv.URL, "http://")
	if r.ntfy {
		return "ntfy://" + host + "/alerts?scheme=http"
	}
	return "generic+http://" + host + "/hook"
}

func (r *receiver) failNext(n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = n
}

func (r *receiver) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.messages...)
}
