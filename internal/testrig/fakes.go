package testrig

import (
	"bytes"
	"sync"
	"sync/atomic"

	"github.com/vnstat-exporter/vnstat-exporter/monitor"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// State is a poller's state that a test sets: it gives State() as the
// alert engine and the HTTP handler read it.
type State struct{ p atomic.Pointer[traffic.State] }

// NewState holds st.
func NewState(st *traffic.State) *State {
	s := &State{}
	s.p.Store(st)
	return s
}

// State is the state last set.
func (s *State) State() *traffic.State { return s.p.Load() }

// Set replaces the state.
func (s *State) Set(st *traffic.State) { s.p.Store(st) }

// Links is a link lister whose links and error a test sets.
type Links struct {
	mu    sync.Mutex
	links []monitor.Link
	err   error
}

// NewLinks lists links.
func NewLinks(links ...monitor.Link) *Links { return &Links{links: links} }

// Links are the links last set, or the error.
func (l *Links) Links() ([]monitor.Link, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]monitor.Link(nil), l.links...), l.err
}

// Set replaces the links and the error.
func (l *Links) Set(links []monitor.Link, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.links, l.err = links, err
}

var _ monitor.LinkLister = (*Links)(nil)

// Buffer is a bytes.Buffer that a process or a logger writes into while
// the test reads it.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
