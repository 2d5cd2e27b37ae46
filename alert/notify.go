package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/nicholas-fedor/shoutrrr"
	"github.com/nicholas-fedor/shoutrrr/pkg/router"
)

// Channel is one notification URL. The URL holds tokens: it is never
// logged or shown; a channel is named by its service and position.
type Channel struct {
	// ID identifies the URL in the state file without holding it: the
	// first 16 hex digits of its SHA-256.
	ID string
	// Name is "service #n", such as "telegram #1".
	Name   string
	url    string
	sender *router.ServiceRouter
}

// SendTimeout bounds one delivery to one service.
const SendTimeout = 15 * time.Second

// Channels returns a Channel for each of urls, checked by shoutrrr's
// parser for its service. The error names the URL by position and
// service only.
func Channels(urls []string) ([]*Channel, error) {
	chs := make([]*Channel, 0, len(urls))
	quiet := log.New(io.Discard, "", 0)
	for i, u := range urls {
		service := serviceOf(u)
		name := fmt.Sprintf("%s #%d", service, i+1)
		sender, err := shoutrrr.NewSender(quiet, u)
		if err != nil {
			return nil, fmt.Errorf("URL %d (%s): %s", i+1, service, redact(err.Error(), u))
		}
		sender.Timeout = SendTimeout
		sum := sha256.Sum256([]byte(u))
		id := hex.EncodeToString(sum[:8])
		if slices.ContainsFunc(chs, func(c *Channel) bool { return c.ID == id }) {
			return nil, fmt.Errorf("URL %d (%s): given twice", i+1, service)
		}
		chs = append(chs, &Channel{ID: id, Name: name, url: u, sender: sender})
	}
	return chs, nil
}

// Send delivers text. The error names the service, never the URL or its
// tokens.
func (c *Channel) Send(text string) error {
	var err error
	for _, e := range c.sender.Send(text, nil) {
		err = errors.Join(err, e)
	}
	if err != nil {
		return fmt.Errorf("%s: %s", c.Name, redact(err.Error(), c.url))
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

// redact removes from msg the URL raw and every part of it that may be a
// secret: user, password, host, path segments, query values, fragment.
func redact(msg, raw string) string {
	parts := []string{raw}
	if u, err := url.Parse(raw); err == nil {
		parts = append(parts, u.Redacted(), u.Host, u.Hostname(), u.Path, u.RawPath, u.RawQuery, u.Fragment, u.Opaque)
		if u.User != nil {
			p, _ := u.User.Password()
			parts = append(parts, u.User.Username(), p)
		}
		parts = append(parts, strings.Split(u.Path, "/")...)
		for _, vs := range u.Query() {
			parts = append(parts, vs...)
		}
		// shoutrrr rebuilds generic+https:// URLs as https://.
		if _, rest, ok := strings.Cut(raw, "+"); ok {
			parts = append(parts, rest)
		}
	}
	// Longest first, so that a part is not left half-removed by a
	// shorter one inside it.
	slices.SortFunc(parts, func(a, b string) int { return len(b) - len(a) })
	for _, p := range parts {
		if len(p) >= 4 {
			msg = strings.ReplaceAll(msg, p, "***")
			if esc := url.PathEscape(p); esc != p {
				msg = strings.ReplaceAll(msg, esc, "***")
			}
			if esc := url.QueryEscape(p); esc != p {
				msg = strings.ReplaceAll(msg, esc, "***")
			}
		}
	}
	return msg
}
