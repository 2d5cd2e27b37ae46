package api

import (
	"context"
	"math"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// sweepEvery is how often the listener checks the connections' deadlines:
// a deadline is enforced at most this late.
const sweepEvery = 250 * time.Millisecond

// connLimiter is the server's listener. It does two jobs, both on the
// connections it hands out:
//
// It caps the connections open at once. A connection accepted at the cap
// first closes an idle keep-alive connection, so that idle clients cannot
// lock new ones out; only when every connection is busy is the new one
// closed at once.
//
// It keeps the server's read and write deadlines without a kernel timer
// each. net/http sets four deadlines per keep-alive request (header,
// request, write, idle) and clears them again; on a connection that is
// a timer added and removed each time, a large share of what a request
// costs. Here a deadline is a number the connection keeps, and one sweep
// every sweepEvery applies those that have passed to the real connection,
// which interrupts its blocked read or write as the deadline would have.
// A deadline already past when it is set (net/http's way to interrupt a
// read at once) is applied at once.
type connLimiter struct {
	net.Listener
	max int
	// base is when the listener was made; the deadlines are kept as
	// nanoseconds since base on the monotonic clock, as the kernel's
	// are, so that a step of the wall clock (NTP at boot, an
	// administrator's date -s) neither fires nor delays them.
	base time.Time
	now  atomic.Int64 // the sweep's clock, nanoseconds since base

	mu    sync.Mutex
	conns map[*conn]struct{}
}

// conn is a connection the limiter handed out.
type conn struct {
	net.Conn
	l     *connLimiter
	state atomic.Int32 // http.ConnState

	mu sync.Mutex // orders the calls on the real connection's deadlines
	// read and write are the deadlines asked for, nanoseconds since the
	// listener's base, noDeadline for none; readSet and writeSet say
	// whether the real connection has a deadline set (under mu).
	read, write       atomic.Int64
	readSet, writeSet bool
}

func newConnLimiter(ln net.Listener, max int) *connLimiter {
	return &connLimiter{Listener: ln, max: max, base: time.Now(), conns: make(map[*conn]struct{})}
}

// Accept returns the next connection, making room for it at the cap. The
// server calls it from one goroutine.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		if len(l.conns) >= l.max && !l.closeIdle() {
			l.mu.Unlock()
			nc.Close()
			continue
		}
		c := &conn{Conn: nc, l: l}
		c.read.Store(noDeadline)
		c.write.Store(noDeadline)
		c.state.Store(int32(http.StateNew))
		l.conns[c] = struct{}{}
		l.mu.Unlock()
		return c, nil
	}
}

// closeIdle closes one idle connection and reports whether there was one.
// The caller holds l.mu.
func (l *connLimiter) closeIdle() bool {
	for c := range l.conns {
		// The swap claims the connection: a request arriving on it now
		// finds it closed, as it would if its client had closed it.
		if c.state.CompareAndSwap(int32(http.StateIdle), int32(http.StateClosed)) {
			delete(l.conns, c)
			c.Close()
			return true
		}
	}
	return false
}

// track is the server's ConnState hook.
func (l *connLimiter) track(nc net.Conn, st http.ConnState) {
	c, ok := nc.(*conn)
	if !ok {
		return
	}
	if st == http.StateClosed || st == http.StateHijacked {
		l.mu.Lock()
		delete(l.conns, c)
		l.mu.Unlock()
	}
	c.state.Store(int32(st))
}

// sweep applies the deadlines that have passed, every sweepEvery, until
// ctx is cancelled.
func (l *connLimiter) sweep(ctx context.Context) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			now := int64(time.Since(l.base))
			l.now.Store(now)
			l.mu.Lock()
			for c := range l.conns {
				c.expire(now)
			}
			l.mu.Unlock()
		}
	}
}

// noDeadline is a deadline that never passes.
const noDeadline = math.MaxInt64

// past is a deadline long gone: set on the real connection, it interrupts
// a blocked read or write at once.
var past = time.Unix(1, 0)

// expire interrupts the read and the write of c whose deadline has passed
// by now (nanoseconds since the listener's base).
func (c *conn) expire(now int64) {
	if c.read.Load() > now && c.write.Load() > now {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.read.Load() <= now && !c.readSet {
		c.readSet = true
		_ = c.Conn.SetReadDeadline(past)
	}
	if c.write.Load() <= now && !c.writeSet {
		c.writeSet = true
		_ = c.Conn.SetWriteDeadline(past)
	}
}

// SetReadDeadline keeps t, for the sweep to apply.
func (c *conn) SetReadDeadline(t time.Time) error {
	return c.setDeadline(t, &c.read, &c.readSet, c.Conn.SetReadDeadline)
}

// SetWriteDeadline keeps t, for the sweep to apply.
func (c *conn) SetWriteDeadline(t time.Time) error {
	return c.setDeadline(t, &c.write, &c.writeSet, c.Conn.SetWriteDeadline)
}

// SetDeadline keeps t as both deadlines.
func (c *conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// setDeadline keeps t in want. A t already past by the sweep's clock is
// set on the real connection at once; a deadline set there before is
// cleared when t is later or none.
func (c *conn) setDeadline(t time.Time, want *atomic.Int64, set *bool, apply func(time.Time) error) error {
	ns := int64(noDeadline)
	if !t.IsZero() {
		// Monotonic when t has a monotonic reading, as net/http's
		// deadlines (time.Now().Add) do.
		ns = int64(t.Sub(c.l.base))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	want.Store(ns)
	switch {
	case ns <= c.l.now.Load():
		*set = true
		return apply(past)
	case *set:
		*set = false
		return apply(time.Time{})
	}
	return nil
}

// CloseWrite shuts the writing side down, as net/http does before it
// closes a connection whose request it refused, so that the client reads
// the answer.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
