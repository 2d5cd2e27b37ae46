package alert

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/nicholas-fedor/shoutrrr"
	"github.com/nicholas-fedor/shoutrrr/pkg/router"
	"github.com/nicholas-fedor/shoutrrr/pkg/services/chat/matrix"
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
	send    func(ctx context.Context, text string) error
}

// quiet is shoutrrr's logger: its lines could hold a URL.
var quiet = log.New(io.Discard, "", 0)

// SendTimeout bounds one delivery to one service.
const SendTimeout = 15 * time.Second

// Channels returns a Channel for each of urls, checked by shoutrrr's
// parser for its service. The error names the URL by position and
// service only.
//
// Telegram is sent by this package, not by shoutrrr (v0.13.2 reports a
// request that failed without an answer as sent): the URL is read by
// shoutrrr's parser and the message posted to the Bot API here, and only
// an answer of 200 with "ok": true counts as sent. Every other service is
// sent by shoutrrr, which reports its network errors and error answers.
func Channels(urls []string) ([]*Channel, error) {
	chs := make([]*Channel, 0, len(urls))
	for i, u := range urls {
		service := serviceOf(u)
		ch := &Channel{Name: fmt.Sprintf("%s #%d", service, i+1), secrets: secretsOf(u)}
		switch service {
		case "telegram":
			tg, err := newTelegram(u)
			if err != nil {
				return nil, fmt.Errorf("URL %d (%s): %s", i+1, service, ch.clean(err.Error()))
			}
			ch.send = tg.send
		case "matrix":
			// shoutrrr logs in to the server when it makes the sender: the
			// URL is only parsed here, and the sender made at the first
			// send, so that a server that is down is a failed send.
			pu, err := url.Parse(u)
			if err == nil {
				err = (&matrix.Config{}).SetURL(pu)
			}
			if err != nil {
				return nil, fmt.Errorf("URL %d (%s): %s", i+1, service, ch.clean(err.Error()))
			}
			ch.send = shoutrrrSend(lazySender(u))
		default:
			sender, err := shoutrrr.NewSender(quiet, u)
			if err != nil {
				return nil, fmt.Errorf("URL %d (%s): %s", i+1, service, ch.clean(err.Error()))
			}
			sender.Timeout = SendTimeout
			ch.send = shoutrrrSend(func() (*router.ServiceRouter, error) { return sender, nil })
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

// lazySender makes the shoutrrr sender of u when it is first asked for,
// and again after a failure.
func lazySender(u string) func() (*router.ServiceRouter, error) {
	var (
		mu     sync.Mutex
		sender *router.ServiceRouter
	)
	return func() (*router.ServiceRouter, error) {
		mu.Lock()
		defer mu.Unlock()
		if sender != nil {
			return sender, nil
		}
		s, err := shoutrrr.NewSender(quiet, u)
		if err != nil {
			return nil, err
		}
		s.Timeout = SendTimeout
		sender = s
		return s, nil
	}
}

// shoutrrrSend sends with the shoutrrr router get returns. Its send takes
// no context: when ctx ends first, Send returns and the send is left to
// finish (or time out) on its own.
func shoutrrrSend(get func() (*router.ServiceRouter, error)) func(context.Context, string) error {
	return func(ctx context.Context, text string) error {
		done := make(chan error, 1)
		go func() {
			sender, err := get()
			if err != nil {
				done <- err
				return
			}
			for _, e := range sender.Send(text, nil) {
				err = errors.Join(err, e)
			}
			done <- err
		}()
		select {
		case err := <-done:
			return err
		case <-ctx.Done():
			return fmt.Errorf("not known whether it was sent: %w", ctx.Err())
		}
	}
}

// Send delivers text. It returns when the service has answered, when
// SendTimeout has passed or when ctx ends. The error names the service
// and shows at most the host, never the URL's tokens.
func (c *Channel) Send(ctx context.Context, text string) error {
	ctx, cancel := context.WithTimeout(ctx, SendTimeout)
	defer cancel()
	if err := c.send(ctx, text); err != nil {
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

// urlInText matches a URL in an error's text.
var urlInText = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>]*`)

// clean makes an error's text safe to show: every URL in it is cut to its
// scheme and host, and every part of the channel's URL that may be a
// secret is replaced by ***.
func (c *Channel) clean(msg string) string {
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
		for _, p := range append([]string{s}, strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("-/:@,.", r) })...) {
			if len(p) < 4 {
				continue
			}
			for _, v := range []string{p, url.PathEscape(p), url.QueryEscape(p)} {
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
