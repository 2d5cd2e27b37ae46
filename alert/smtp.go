package alert

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	shoutsmtp "github.com/nicholas-fedor/shoutrrr/pkg/services/email/smtp"
)

// smtpSender mails a message with the settings of a shoutrrr smtp:// URL,
// read by shoutrrr's own parser, in one session bounded by SendTimeout
// from the connection to QUIT (shoutrrr's own session has no deadline
// once connected: a server that stops answering would hold it for ever).
// The message is plain text; a mail counts as sent when the server has
// taken it for every recipient (250 after DATA).
type smtpSender struct {
	cfg shoutsmtp.Config
	// subjectSet: the URL gives the subject; otherwise it is the
	// notification's title.
	subjectSet bool
}

func newSMTP(raw string) (*smtpSender, error) {
	svc, err := locate(raw, &budget{})
	if err != nil {
		return nil, err
	}
	cfg := svc.(*shoutsmtp.Service).Config.Clone()
	cfg.FixEmailTags()
	s := &smtpSender{cfg: cfg}
	if u, err := url.Parse(raw); err == nil {
		for k := range u.Query() {
			s.subjectSet = s.subjectSet || strings.EqualFold(k, "subject") || strings.EqualFold(k, "title")
		}
	}
	return s, nil
}

// send mails n: its title as the subject (unless the URL gives one), its
// whole text as the body.
func (s *smtpSender) send(n Notification, _ string) error {
	subject := s.cfg.Subject
	if !s.subjectSet {
		subject = n.Title
	}
	text := n.Text()
	c := &s.cfg
	deadline := time.Now().Add(SendTimeout)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	addr := net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port)))
	tlsConfig := &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12, InsecureSkipVerify: c.SkipTLSVerify} //nolint:gosec // the URL's own choice
	implicit := c.Encryption == shoutsmtp.EncMethods.ImplicitTLS ||
		c.Encryption == shoutsmtp.EncMethods.Auto && c.Port == shoutsmtp.ImplicitTLSPort
	var (
		conn net.Conn
		err  error
	)
	if implicit {
		conn, err = (&tls.Dialer{Config: tlsConfig}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", addr, err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(deadline); err != nil {
		return err
	}
	cl, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		return fmt.Errorf("greeting from %s: %w", addr, err)
	}
	host := c.ClientHost
	if host == "auto" {
		if host, err = os.Hostname(); err != nil {
			host = "localhost"
		}
	}
	if err := cl.Hello(host); err != nil {
		return fmt.Errorf("EHLO: %w", err)
	}
	if c.UseStartTLS && !implicit {
		if ok, _ := cl.Extension("STARTTLS"); ok {
			if err := cl.StartTLS(tlsConfig); err != nil {
				return fmt.Errorf("STARTTLS: %w", err)
			}
		} else if c.RequireStartTLS {
			return errors.New("the server offers no STARTTLS, and requirestarttls is set")
		}
	}
	var auth smtp.Auth
	switch c.Auth {
	case shoutsmtp.AuthTypes.None:
	case shoutsmtp.AuthTypes.Plain:
		auth = smtp.PlainAuth("", c.Username, c.Password, c.Host)
	case shoutsmtp.AuthTypes.CRAMMD5:
		auth = smtp.CRAMMD5Auth(c.Username, c.Password)
	case shoutsmtp.AuthTypes.OAuth2:
		auth = shoutsmtp.OAuth2Auth(c.Username, c.Password)
	default:
		return fmt.Errorf("unknown auth %s: set auth=None, Plain, CRAMMD5 or OAuth2", c.Auth)
	}
	if auth != nil {
		if err := cl.Auth(auth); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	for _, to := range c.ToAddresses {
		if err := s.mail(cl, to, subject, text); err != nil {
			return fmt.Errorf("mailing %s: %w", to, err)
		}
	}
	// The mail was taken at the 250 after DATA: a server that hangs up at
	// QUIT has it.
	_ = cl.Quit()
	return nil
}

func (s *smtpSender) mail(cl *smtp.Client, to, subject, text string) error {
	c := &s.cfg
	if err := cl.Mail(c.FromAddress); err != nil {
		return err
	}
	if err := cl.Rcpt(to); err != nil {
		return err
	}
	w, err := cl.Data()
	if err != nil {
		return err
	}
	from := c.FromAddress
	if c.FromName != "" {
		from = c.FromName + " <" + c.FromAddress + ">"
	}
	if _, err := fmt.Fprintf(w, "Subject: %s\r\nDate: %s\r\nTo: %s\r\nFrom: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"utf-8\"\r\n\r\n%s",
		mime.QEncoding.Encode("utf-8", subject), time.Now().Format(time.RFC1123Z), to, from, text); err != nil {
		return err
	}
	return w.Close()
}
