package api

import (
	"net"
	"net/http"
	"sync"
)

// DefaultMaxConns is the number of connections served at once when none
// is set.
const DefaultMaxConns = 1024

// connLimiter caps the connections open at once. A connection accepted at
// the cap first closes an idle keep-alive connection, so that idle
// clients cannot lock new ones out; only when every connection is busy is
// the new one closed at once.
type connLimiter struct {
	net.Listener
	max int

	mu    sync.Mutex
	conns map[net.Conn]http.ConnState
}

func newConnLimiter(ln net.Listener, max int) *connLimiter {
	return &connLimiter{Listener: ln, max: max, conns: make(map[net.Conn]http.ConnState)}
}

// Accept returns the next connection, making room for it at the cap.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		if len(l.conns) >= l.max && !l.closeIdle() {
			l.mu.Unlock()
			c.Close()
			continue
		}
		l.conns[c] = http.StateNew
		l.mu.Unlock()
		return c, nil
	}
}

// closeIdle closes one idle connection and reports whether there was one.
// The caller holds mu.
func (l *connLimiter) closeIdle() bool {
	for c, st := range l.conns {
		if st == http.StateIdle {
			delete(l.conns, c)
			c.Close()
			return true
		}
	}
	return false
}

// track is the server's ConnState hook.
func (l *connLimiter) track(c net.Conn, st http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if st == http.StateClosed || st == http.StateHijacked {
		delete(l.conns, c)
		return
	}
	if _, ok := l.conns[c]; ok {
		l.conns[c] = st
	}
}
