package api

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
)

// DefaultMaxConns is the number of connections served at once when none
// is set.
const DefaultMaxConns = 1024

// connLimiter caps the connections open at once. A connection accepted at
// the cap first closes an idle keep-alive connection, so that idle
// clients cannot lock new ones out; only when every connection is busy is
// the new one closed at once.
//
// A keep-alive request changes its connection's state twice (active,
// then idle). Those changes take no lock: the set of connections is a
// sync.Map, written only when a connection opens or closes, and each
// entry's state is an atomic value. Only Accept at the cap walks the set.
type connLimiter struct {
	net.Listener
	max int

	conns sync.Map // net.Conn -> *connEntry
	open  atomic.Int64
}

// connEntry is one open connection's last known state.
type connEntry struct{ state atomic.Int32 }

func newConnLimiter(ln net.Listener, max int) *connLimiter {
	return &connLimiter{Listener: ln, max: max}
}

// Accept returns the next connection, making room for it at the cap. The
// server calls it from one goroutine.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.open.Load() >= int64(l.max) && !l.closeIdle() {
			c.Close()
			continue
		}
		e := &connEntry{}
		e.state.Store(int32(http.StateNew))
		l.conns.Store(c, e)
		l.open.Add(1)
		return c, nil
	}
}

// closeIdle closes one idle connection and reports whether there was one.
func (l *connLimiter) closeIdle() bool {
	closed := false
	l.conns.Range(func(k, v any) bool {
		// The swap claims the connection: a request arriving on it now
		// finds it gone, as it would a connection its client closed.
		if !v.(*connEntry).state.CompareAndSwap(int32(http.StateIdle), int32(http.StateClosed)) {
			return true
		}
		l.forget(k.(net.Conn))
		k.(net.Conn).Close()
		closed = true
		return false
	})
	return closed
}

// forget removes c from the set, once.
func (l *connLimiter) forget(c net.Conn) {
	if _, ok := l.conns.LoadAndDelete(c); ok {
		l.open.Add(-1)
	}
}

// track is the server's ConnState hook.
func (l *connLimiter) track(c net.Conn, st http.ConnState) {
	if st == http.StateClosed || st == http.StateHijacked {
		l.forget(c)
		return
	}
	if v, ok := l.conns.Load(c); ok {
		v.(*connEntry).state.Store(int32(st))
	}
}

// count reports how many connections are open in each state, for tests
// that wait for the server to see what a client did.
func (l *connLimiter) count() map[http.ConnState]int {
	n := map[http.ConnState]int{}
	l.conns.Range(func(_, v any) bool {
		n[http.ConnState(v.(*connEntry).state.Load())]++
		return true
	})
	return n
}
