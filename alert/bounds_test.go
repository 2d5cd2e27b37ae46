package alert

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// httpServices are the documented services that send over HTTP.
func httpServices() []service {
	var out []service
	for _, s := range documented {
		if !s.smtp {
			out = append(out, s)
		}
	}
	return out
}

// servers starts h as a plain and a TLS server and returns, for svc, the
// address its URL names and where the redirecting dialer goes.
func servers(t *testing.T, h http.Handler) (plain, tls string) {
	t.Helper()
	p := httptest.NewServer(h)
	t.Cleanup(p.Close)
	s := httptest.NewTLSServer(h)
	t.Cleanup(s.Close)
	return p.Listener.Addr().String(), s.Listener.Addr().String()
}

// TestLargeAnswerBounded: every HTTP service, answered 200 with a body of
// 1 GB, reads at most MaxAnswer of it: the send returns having allocated
// far less than the answer, and the connection is closed, so the
// receiver cannot write it all.
func TestLargeAnswerBounded(t *testing.T) {
	const answer = 1 << 30
	var written atomic.Int64
	chunk := make([]byte, 256<<10)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", "1073741824")
		w.WriteHeader(http.StatusOK)
		for n := 0; n < answer; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			written.Add(int64(len(chunk)))
		}
	})
	plain, tls := servers(t, h)
	redirect(t, tls)
	for _, svc := range httpServices() {
		t.Run(svc.name, func(t *testing.T) {
			written.Store(0)
			chs, err := Channels([]string{svc.url(plain)})
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err = chs[0].deliver(Notification{Title: "test"}, "")
			runtime.ReadMemStats(&after)
			t.Logf("%v; the receiver wrote %d bytes", err, written.Load())
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("the send allocated %d bytes for a %d-byte answer", alloc, answer)
			}
			if w := written.Load(); w > 256<<20 {
				t.Errorf("the receiver wrote %d bytes: the answer was read on", w)
			}
		})
	}
}

// TestRedirectIsNotSent: for every HTTP service, an answer that redirects
// (300 to 304) is a failure that says so, whatever the new address then
// answers; 307 and 308, which repeat the request, body included, are
// followed, and the answer there decides.
func TestRedirectIsNotSent(t *testing.T) {
	var (
		mu     sync.Mutex
		status int
		moved  []string // bodies that reached /moved
	)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path == "/moved" {
			moved = append(moved, r.Method+" "+string(body))
			// Every service's idea of success: ok JSON with 200.
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ok":true,"status":1,"code":200,"id":"1","event":"message","time":1,"topic":"x","message":"x","request":"r"}`)
			return
		}
		w.Header().Set("Location", "/moved")
		w.WriteHeader(status)
	})
	plain, tls := servers(t, h)
	redirect(t, tls)
	for _, code := range []int{300, 301, 302, 303, 304, 307, 308} {
		for _, svc := range httpServices() {
			t.Run(svc.name+"/"+http.StatusText(code), func(t *testing.T) {
				mu.Lock()
				status, moved = code, nil
				mu.Unlock()
				chs, err := Channels([]string{svc.url(plain)})
				if err != nil {
					t.Fatal(err)
				}
				err = chs[0].deliver(Notification{Title: "test"}, "")
				mu.Lock()
				defer mu.Unlock()
				if code == 307 || code == 308 {
					for _, m := range moved {
						// Matrix asks for the login flows first, with GET.
						if svc.name == "matrix" && m == "GET " {
							continue
						}
						if !strings.HasPrefix(m, "POST ") || !strings.Contains(m, "test") && svc.name != "matrix" {
							t.Errorf("the repeated request %q is not the service's POST", m)
						}
					}
					return
				}
				if err == nil || svc.name != "matrix" && !strings.Contains(err.Error(), "a redirect to") {
					t.Errorf("%d: %v; want a failure saying it was a redirect", code, err)
				}
				if len(moved) > 0 {
					t.Errorf("%d was followed: %q", code, moved)
				}
			})
		}
	}
	// A generic webhook moved for good with 308 gets the message there.
	mu.Lock()
	status, moved = 308, nil
	mu.Unlock()
	chs, err := Channels([]string{"generic+http://" + plain + "/hook"})
	if err != nil {
		t.Fatal(err)
	}
	if err := chs[0].deliver(Notification{Title: "moved for good"}, ""); err != nil {
		t.Errorf("308: %v", err)
	}
	if want := []string{"POST moved for good"}; len(moved) != 1 || moved[0] != want[0] {
		t.Errorf("308 reached the new address as %q, want %q", moved, want)
	}
}

// blackHole accepts connections, reads what comes, and never answers; it
// counts the connections and those the other side closed.
type blackHole struct {
	ln             net.Listener
	opened, closed atomic.Int64
}

func newBlackHole(t *testing.T) *blackHole {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackHole{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b.opened.Add(1)
			go func() {
				defer c.Close()
				_, _ = io.Copy(io.Discard, c) // until the sender closes it
				b.closed.Add(1)
			}()
		}
	}()
	return b
}

// TestBlackHoleReceivers: every documented service, sent to a receiver
// that accepts and never answers (a blocked Telegram), fails within its
// send's time, SendTimeout, and leaves no connection open.
func TestBlackHoleReceivers(t *testing.T) {
	if testing.Short() {
		t.Skip("waits SendTimeout")
	}
	hole := newBlackHole(t)
	addr := hole.ln.Addr().String()
	redirect(t, addr)
	var wg sync.WaitGroup
	for _, svc := range documented {
		chs, err := Channels([]string{svc.url(addr)})
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			start := time.Now()
			err := chs[0].deliver(Notification{Title: "test"}, "")
			took := time.Since(start)
			t.Logf("%s after %s: %v", svc.name, took.Round(time.Second), err)
			if err == nil {
				t.Errorf("%s: sent to a black hole", svc.name)
			}
			// A bound, not a timing: the send must have been cut.
			if took > 2*SendTimeout {
				t.Errorf("%s took %s", svc.name, took)
			}
		})
	}
	wg.Wait()
	// A dial given up by its request still ends within SendTimeout.
	deadline := time.Now().Add(SendTimeout + 10*time.Second)
	for hole.closed.Load() < hole.opened.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if o, c := hole.opened.Load(), hole.closed.Load(); o == 0 || c != o {
		t.Errorf("%d connections opened, %d closed by the senders", o, c)
	}
}
