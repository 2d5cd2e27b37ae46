package alert

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// MaxAnswer bounds what is read of a service's answer: enough for every
// service's verdict (Telegram's and ntfy's JSON are a few hundred bytes);
// a longer answer fails the request, and the rest is never read.
const MaxAnswer = 64 << 10

// ErrAnswerTooLarge is the error of an answer longer than MaxAnswer.
var ErrAnswerTooLarge = fmt.Errorf("the answer is longer than %d bytes; the rest was not read", MaxAnswer)

// boundedTransport bounds every HTTP request sent through it: the whole
// request, from the connection to the last byte of the answer read, ends
// within SendTimeout, and with a budget by the end of its send (the
// connection is closed then); at most MaxAnswer bytes of the answer are
// read; a connection is closed once its answer is (no keep-alive, so no
// connection outlives a send); and an answer that redirects is a
// failure, but for 307 and 308, which repeat the same request, body
// included, at the new address, where its answer decides.
type boundedTransport struct {
	base   http.RoundTripper
	budget *budget // nil: each request on its own
}

// bound returns base bounded as boundedTransport says, with no budget; a
// nil base is http.DefaultTransport as it is now. An *http.Transport is
// cloned with keep-alives off.
func bound(base http.RoundTripper) *boundedTransport {
	if base == nil {
		base = http.DefaultTransport
	}
	if b, ok := base.(*boundedTransport); ok {
		return &boundedTransport{base: b.base}
	}
	if t, ok := base.(*http.Transport); ok {
		t = t.Clone()
		t.DisableKeepAlives = true
		t.MaxResponseHeaderBytes = MaxAnswer
		// A request given up while its connection is made leaves the
		// dial running: it is bounded too.
		if t.TLSHandshakeTimeout == 0 || t.TLSHandshakeTimeout > SendTimeout {
			t.TLSHandshakeTimeout = SendTimeout
		}
		dial := t.DialContext
		if dial == nil {
			dial = (&net.Dialer{}).DialContext
		}
		t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			ctx, cancel := context.WithTimeout(ctx, SendTimeout)
			defer cancel()
			return dial(ctx, network, addr)
		}
		base = t
	}
	return &boundedTransport{base: base}
}

// RoundTrip sends req within the transport's bounds.
func (b *boundedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	timeout := SendTimeout
	if b.budget != nil {
		if timeout = min(timeout, b.budget.left()); timeout <= 0 {
			return nil, ErrSendTimeUp
		}
	}
	ctx, cancel := context.WithTimeout(req.Context(), timeout)
	resp, err := b.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		if errors.Is(err, context.DeadlineExceeded) && req.Context().Err() == nil {
			err = fmt.Errorf("no answer within %s: %w", timeout.Round(time.Second), err)
		}
		return nil, err
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 && resp.StatusCode != http.StatusTemporaryRedirect && resp.StatusCode != http.StatusPermanentRedirect {
		resp.Body.Close()
		cancel()
		to := "nowhere"
		if loc, err := resp.Location(); err == nil {
			to = loc.Scheme + "://" + loc.Host
		}
		return nil, fmt.Errorf("answered %s, a redirect to %s: not followed, since the message would not arrive there as sent; put the address it points to in the URL", resp.Status, to)
	}
	resp.Body = &cappedBody{rc: resp.Body, left: MaxAnswer, cancel: cancel}
	return resp, nil
}

// cappedBody reads at most left more bytes of an answer, then fails; its
// Close ends the request's context.
type cappedBody struct {
	rc     io.ReadCloser
	left   int64
	over   bool
	cancel context.CancelFunc
}

func (c *cappedBody) Read(p []byte) (int, error) {
	if c.over {
		return 0, ErrAnswerTooLarge
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.rc.Read(p)
	if int64(n) > c.left {
		n, c.over = int(c.left), true
		c.cancel() // the rest is not read: the connection goes
		return n, ErrAnswerTooLarge
	}
	c.left -= int64(n)
	return n, err
}

func (c *cappedBody) Close() error {
	err := c.rc.Close()
	c.cancel()
	return err
}

// boundOnce puts boundedTransport around http.DefaultTransport and
// http.DefaultClient, once per process: shoutrrr's services send through
// them (most with no timeout, reading whole answers), and so do this
// package's own requests.
var boundOnce sync.Once

func boundDefault() {
	boundOnce.Do(func() {
		http.DefaultTransport = bound(http.DefaultTransport)
		http.DefaultClient.Transport = http.DefaultTransport
	})
}

// ErrSendTimeUp is the error of a request made after a send's SendTimeout
// has passed. It wraps context.Canceled: shoutrrr's Discord sender, which
// retries a request that timed out, stops at it.
var ErrSendTimeUp = fmt.Errorf("the send's %s are up: %w", SendTimeout, context.Canceled)

// budget bounds one send of a channel (a channel sends one message at a
// time), however many requests and waits its service makes: requests
// through its transport end at the deadline, waits through its Sleep too.
type budget struct {
	mu       sync.Mutex
	deadline time.Time
}

// start begins a send: it has SendTimeout from now.
func (b *budget) start() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.deadline = time.Now().Add(SendTimeout)
}

func (b *budget) left() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return time.Until(b.deadline)
}

// Sleep waits d, or until the send's time is up.
func (b *budget) Sleep(d time.Duration) {
	time.Sleep(max(min(d, b.left()), 0))
}

// transport returns base bounded (see boundedTransport), every request
// ending at the send's deadline, and refused once it has passed.
func (b *budget) transport(base http.RoundTripper) http.RoundTripper {
	t := bound(base)
	t.budget = b
	return t
}

// client is an *http.Client on b.transport, which makes every redirect
// it follows (307 and 308) within the same deadline.
func (b *budget) client(base http.RoundTripper) *http.Client {
	return &http.Client{Transport: b.transport(base)}
}
