package alert

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/nicholas-fedor/shoutrrr/pkg/router"
	"github.com/nicholas-fedor/shoutrrr/pkg/services/chat/discord"
	"github.com/nicholas-fedor/shoutrrr/pkg/services/chat/matrix"
	"github.com/nicholas-fedor/shoutrrr/pkg/services/push/ntfy"
	"github.com/nicholas-fedor/shoutrrr/pkg/services/push/pushover"
	"github.com/nicholas-fedor/shoutrrr/pkg/types"
)

// Channel is one notification URL. The URL holds tokens: it is never
// logged or shown; a channel is named by its service and position, and
// an error shows at most the service and the host it was sent to.
type Channel struct {
	// ID identifies the URL in the state file without holding it: the
	// first 16 hex digits of its SHA-256.
	ID string
	// Name is "service #n", such as "telegram #1".
	Name    string
	secrets []string
	// send delivers a notification, with its idempotency key ("" for
	// none), and returns when the service has answered or failed: every
	// request it makes is bounded by SendTimeout.
	send func(n Notification, key string) error
}

// quiet is shoutrrr's logger: its lines could hold a URL.
var quiet = log.New(io.Discard, "", 0)

// SendTimeout bounds each request to a service, from the connection to
// the last byte of its answer: long enough for a slow receiver to answer
// (one that answers later gets the message again at the retry).
const SendTimeout = 30 * time.Second

// Channels returns a Channel for each of urls, checked by shoutrrr's
// parser for its service. The error names the URL by position and
// service only. It bounds the process's default HTTP transport (see
// boundedTransport): shoutrrr's services send through it.
//
// Telegram is sent by this package, not by shoutrrr (v0.13.2 reports a
// request that failed without an answer as sent): the URL is read by
// shoutrrr's parser and the message posted to the Bot API here, and only
// an answer of 200 with "ok": true counts as sent. SMTP is sent here too
// (shoutrrr's SMTP session has no deadline once connected). Every other
// service is sent by shoutrrr, through a bounded transport, which reports
// its network errors and error answers.
func Channels(urls []string) ([]*Channel, error) {
	boundDefault()
	chs := make([]*Channel, 0, len(urls))
	for i, u := range urls {
		service := serviceOf(u)
		ch := &Channel{Name: fmt.Sprintf("%s #%d", service, i+1), secrets: secretsOf(u)}
		var err error
		switch service {
		case "telegram":
			var tg *telegramSender
			if tg, err = newTelegram(u); err == nil {
				ch.send = func(n Notification, _ string) error { return tg.send(n.Text()) }
			}
		case "smtp":
			var m *smtpSender
			if m, err = newSMTP(u); err == nil {
				ch.send = m.send
			}
		case "matrix":
			// shoutrrr logs in to the server when it makes the sender: the
			// URL is only parsed here, and the sender made at the first
			// send, so that a server that is down is a failed send.
			var pu *url.URL
			if pu, err = url.Parse(u); err == nil {
				err = (&matrix.Config{}).SetURL(pu)
			}
			ch.send = lazySend(u)
		case "generic":
			// A new sender for each message, with the event's key in an
			// Idempotency-Key header: a receiver that keeps the keys can
			// drop a message that comes again.
			if _, err = locate(u, &budget{}); err == nil {
				ch.send = func(n Notification, key string) error {
					b := &budget{}
					svc, err := locate(withHeader(u, "Idempotency-Key", key), b)
					if err != nil {
						return err
					}
					b.start()
					text, params := told(service, u, n)
					return svc.Send(text, params)
				}
			}
		default:
			// A new sender for each message too: shoutrrr keeps a send's
			// title and priority in the sender's config, for the next
			// message.
			if _, err = locate(u, &budget{}); err == nil {
				ch.send = func(n Notification, _ string) error {
					b := &budget{}
					svc, err := locate(u, b)
					if err != nil {
						return err
					}
					b.start()
					text, params := told(service, u, n)
					return svc.Send(text, params)
				}
			}
		}
		if err != nil {
			return nil, fmt.Errorf("URL %d (%s): %s", i+1, service, ch.clean(err.Error()))
		}
		sum := sha256.Sum256([]byte(u))
		ch.ID = hex.EncodeToString(sum[:8])
		if slices.ContainsFunc(chs, func(c *Channel) bool { return c.ID == ch.ID }) {
			return nil, fmt.Errorf("URL %d (%s): given twice", i+1, service)
		}
		chs = append(chs, ch)
	}
	return chs, nil
}

// locate makes the shoutrrr service of u. Where the service has an HTTP
// client of its own, its requests are bounded (see boundedTransport), and
// each send as a whole ends within SendTimeout of b.start (Discord
// retries and waits; ntfy, gotify and pushover have a client of their
// own). The other services send through http.DefaultClient, or a client
// on http.DefaultTransport, bounded by boundDefault, one request a send.
func locate(u string, b *budget) (types.Service, error) {
	r, err := router.New(quiet)
	if err != nil {
		return nil, err
	}
	svc, err := r.Locate(u)
	if err != nil {
		return nil, err
	}
	switch s := svc.(type) {
	case *ntfy.Service:
		base := plainTransport()
		base.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: s.Config.DisableTLSVerification} //nolint:gosec // the URL's own choice
		s.SetHTTPClient(b.client(base))
	case *discord.Service:
		s.HTTPClient, s.Sleeper = b.client(nil), b
	case *pushover.Service:
		s.Client = b.client(nil)
	case interface{ GetHTTPClient() *http.Client }: // gotify
		c := s.GetHTTPClient()
		c.Transport = b.transport(c.Transport)
	}
	return svc, nil
}

// plainTransport is a new transport as http.DefaultTransport was before
// it was bounded (in tests, one that dials test servers).
func plainTransport() *http.Transport {
	if b, ok := http.DefaultTransport.(*boundedTransport); ok {
		if t, ok := b.base.(*http.Transport); ok {
			return t.Clone()
		}
	}
	return &http.Transport{Proxy: http.ProxyFromEnvironment}
}

// withHeader adds the header name: value to a generic URL (shoutrrr's
// "@name=value" query parameters); u as it is for an empty value.
func withHeader(u, name, value string) string {
	if value == "" {
		return u
	}
	u, frag, hasFrag := strings.Cut(u, "#")
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	u += sep + url.QueryEscape("@"+name) + "=" + url.QueryEscape(value)
	if hasFrag {
		u += "#" + frag
	}
	return u
}

// lazySend sends with the shoutrrr service of u, made when it is first
// needed, and again after a failure to make it.
func lazySend(u string) func(n Notification, key string) error {
	var (
		mu  sync.Mutex
		svc types.Service
		b   = &budget{}
	)
	return func(n Notification, _ string) error {
		mu.Lock()
		defer mu.Unlock()
		if svc == nil {
			s, err := locate(u, b)
			if err != nil {
				return err
			}
			svc = s
		}
		b.start()
		return svc.Send(n.Text(), nil)
	}
}

// titled are the services of shoutrrr that show a title apart from the
// message: they are given the notification's title, and its body as the
// message. The generic webhook is given the title as well (its JSON
// template has a field for it), with the whole text as the message, as a
// receiver that reads only the message expects.
var titled = map[string]bool{"ntfy": true, "gotify": true, "pushover": true, "bark": true, "discord": true,
	"slack": true, "teams": true, "join": true, "pushbullet": true, "lark": true, "opsgenie": true}

// priorities are the services' values for the priorities other than
// Normal, which leaves the URL's own or the service's default.
var priorities = map[string]map[Priority]string{
	"ntfy":     {Low: "low", High: "high"},
	"gotify":   {Low: "2", High: "8"},
	"pushover": {Low: "-1", High: "1"},
}

// told is the message and the parameters shoutrrr's service is given for
// n: the title and priority where the service has them, unless the URL u
// sets its own. A notification of one line (the test message) is sent as
// the message alone, not as a title and the same line again.
func told(service, u string, n Notification) (string, *types.Params) {
	set := map[string]bool{}
	if pu, err := url.Parse(u); err == nil {
		for k := range pu.Query() {
			set[strings.ToLower(k)] = true
		}
	}
	text, params := n.Text(), types.Params{}
	switch {
	case set["title"]:
	case titled[service] && n.Body != "":
		params[types.TitleKey], text = n.Title, n.Body
	case service == "generic":
		params[types.TitleKey] = n.Title
	}
	if v, ok := priorities[service][n.Priority]; ok && !set["priority"] {
		params["priority"] = v
	}
	return text, &params
}

// Send delivers n, as notify-test does. It returns when the service
// has answered or failed, or when ctx ends (the send then goes on to its
// end in the background). The error names the service and shows at most
// the host, never the URL's tokens.
func (c *Channel) Send(ctx context.Context, n Notification) error {
	done := make(chan error, 1)
	go func() { done <- c.deliver(n, "") }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("%s: not known whether it was sent: %w", c.Name, ctx.Err())
	}
}

// deliver sends n with the idempotency key key and returns when the
// service has answered or failed; its error is cleaned of secrets.
func (c *Channel) deliver(n Notification, key string) error {
	if err := c.send(n, key); err != nil {
		return fmt.Errorf("%s: %s", c.Name, c.clean(err.Error()))
	}
	return nil
}

// serviceOf is the service a URL names: its scheme, without a "+https"
// suffix; "unknown" when it has none.
func serviceOf(raw string) string {
	scheme, _, ok := strings.Cut(raw, "://")
	if !ok || scheme == "" || strings.ContainsAny(scheme, "/?#@") {
		return "unknown"
	}
	scheme, _, _ = strings.Cut(scheme, "+")
	return strings.ToLower(scheme)
}

// quotedURL matches a URL quoted in an error's text, as Go's %q quotes
// it (url.Error, shoutrrr's messages): to the closing quote, whatever
// the URL holds. urlInText matches a URL that is not quoted, to the next
// space.
var (
	quotedURL = regexp.MustCompile(`"[A-Za-z][A-Za-z0-9+.-]*://(?:[^"\\]|\\.)*"`)
	urlInText = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://\S*`)
)

// clean makes an error's text safe to show: every URL in it is cut to its
// scheme and host, and every part of the channel's URL that may be a
// secret is replaced by ***, also as Go quotes it.
func (c *Channel) clean(msg string) string {
	msg = quotedURL.ReplaceAllStringFunc(msg, func(q string) string {
		if u, err := strconv.Unquote(q); err == nil {
			return `"` + hostOnly(u) + `"`
		}
		return `"` + hostOnly(q[1:]) + `"`
	})
	msg = urlInText.ReplaceAllStringFunc(msg, hostOnly)
	for _, s := range c.secrets {
		msg = replaceWord(msg, s, "***")
	}
	return msg
}

// hostOnly cuts a URL to its scheme and host.
func hostOnly(raw string) string {
	scheme, rest, _ := strings.Cut(raw, "://")
	rest, _, _ = strings.Cut(rest, "/")
	rest, _, _ = strings.Cut(rest, "?")
	rest, _, _ = strings.Cut(rest, "#")
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		rest = rest[at+1:]
	}
	return scheme + "://" + rest
}

// secretsOf lists the parts of a notification URL that may be secrets,
// longest first: the user and password, the host when it is no host name
// (shoutrrr URLs put tokens there: discord://TOKEN@ID), each path
// segment, each query value and the fragment, each also split at the
// characters shoutrrr rewrites (a Slack token's dashes become slashes).
func secretsOf(raw string) []string {
	var parts []string
	add := func(s string) {
		for _, p := range append([]string{s}, strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(splitAt, r) })...) {
			if len(p) < 4 {
				continue
			}
			quoted := strconv.Quote(p)
			for _, v := range []string{p, url.PathEscape(p), url.QueryEscape(p), quoted[1 : len(quoted)-1]} {
				if !slices.Contains(parts, v) {
					parts = append(parts, v)
				}
			}
		}
	}
	_, rest, _ := strings.Cut(raw, "://")
	parts = append(parts, rest)
	u, err := url.Parse(raw)
	if err != nil {
		add(rest)
	} else {
		if u.User != nil {
			add(u.User.Username())
			p, _ := u.User.Password()
			add(p)
		}
		// The host of telegram://TOKEN@telegram and slack://...@webhook is
		// a word of shoutrrr's syntax, not a secret.
		if h := u.Hostname(); !strings.Contains(h, ".") && !slices.Contains([]string{"localhost", "webhook", serviceOf(raw)}, h) {
			add(h)
		}
		for _, seg := range strings.Split(u.Path, "/") {
			add(seg)
		}
		for _, vs := range u.Query() {
			for _, v := range vs {
				add(v)
			}
		}
		add(u.Fragment)
		add(u.Opaque)
	}
	slices.SortFunc(parts, func(a, b string) int { return len(b) - len(a) })
	return parts
}

// splitAt are the characters a token is also split at: those shoutrrr
// rewrites (a Slack token's dashes become slashes), and those that quote,
// escape or end a URL in an error's text.
const splitAt = "-/:@,.'\"[]()<>{}|\\^`;!*$%&=+# "

// notSecret are query values that configure a URL and are plain words
// of messages too.
var notSecret = []string{"http", "https", "yes", "no", "true", "false", "none", "plain", "html", "markdown", "markdownv2", "default"}

// replaceWord replaces each occurrence of old in s with new; when old is
// a plain word (letters only), only where it is not part of a longer word
// or host name, so that a path segment such as "hook" leaves "webhook"
// alone, and telegram://...@telegram leaves api.telegram.org.
func replaceWord(s, old, new string) string {
	if old == "" || slices.Contains(notSecret, strings.ToLower(old)) {
		return s
	}
	if strings.ContainsFunc(old, func(r rune) bool { return !unicode.IsLetter(r) }) {
		return strings.ReplaceAll(s, old, new)
	}
	var b strings.Builder
	for {
		i := strings.Index(s, old)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		end := i + len(old)
		if (i > 0 && isWordByte(s[i-1]) && isWordByte(old[0])) || (end < len(s) && isWordByte(s[end]) && isWordByte(old[len(old)-1])) {
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteString(new)
		s = s[end:]
	}
}

func isWordByte(c byte) bool {
	return c == '_' || c == '.' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
