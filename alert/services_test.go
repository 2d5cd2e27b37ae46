package alert

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// secret marks every token in the test URLs: no output may show it.
const secret = "S3CR3T"

// service is a documented notification service with a URL whose tokens
// carry the mark, sent to addr: a host:port for the services whose host
// the URL names, ignored by those with a fixed host (reached through
// the redirecting transport).
type service struct {
	name  string
	url   func(addr string) string
	fixed bool // a fixed host over HTTPS
	smtp  bool
}

var documented = []service{
	{name: "telegram", fixed: true, url: func(string) string {
		return "telegram://110201543:AAH" + secret + "telegramtoken0123456789abcd@telegram?chats=123456789," + secret + "chat"
	}},
	{name: "discord", fixed: true, url: func(string) string { return "discord://" + secret + "discordtoken@123456789012345678" }},
	{name: "pushover", fixed: true, url: func(string) string {
		return "pushover://shoutrrr:" + secret + "pushovertoken@" + secret + "pushoveruser"
	}},
	{name: "slack", fixed: true, url: func(string) string {
		return "slack://hook:T0" + secret + "00-B0" + secret + "00-" + secret + "slackxyzabcdefghij0123@webhook"
	}},
	{name: "generic", url: func(a string) string {
		return "generic+http://" + a + "/hook/" + secret + "generic?token=" + secret + "q"
	}},
	{name: "ntfy", url: func(a string) string {
		return "ntfy://user:" + secret + "ntfypw@" + a + "/" + secret + "topic?scheme=http"
	}},
	{name: "gotify", url: func(a string) string { return "gotify://" + a + "/A" + secret + "gotify01?disabletls=yes" }},
	{name: "bark", url: func(a string) string { return "bark://:" + secret + "barkkey@" + a + "/?scheme=http" }},
	{name: "matrix", url: func(a string) string { return "matrix://user:" + secret + "matrixpw@" + a + "?disableTLS=yes" }},
	{name: "smtp", smtp: true, url: func(a string) string {
		return "smtp://user:" + secret + "smtppw@" + a + "/?fromaddress=a@example.com&toaddresses=b@example.com&encryption=None&auth=None"
	}},
}

// redirectTo is where every HTTP connection of this test binary to a
// host name goes while a test redirects; empty, only connections to IP
// addresses are made, so that no test resolves an outside name (a send a test left
// behind may still be retrying).
var redirectTo atomic.Value

func TestMain(m *testing.M) {
	redirectTo.Store("")
	// Set once, before any test: sends left running by one test read it
	// while the next runs.
	http.DefaultTransport = &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			if host, _, _ := net.SplitHostPort(addr); net.ParseIP(host) == nil {
				to := redirectTo.Load().(string)
				if to == "" {
					return nil, fmt.Errorf("test: not resolving %s", host)
				}
				addr = to
			}
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}
	os.Exit(m.Run())
}

// redirect sends every HTTP request this process makes to a host name
// to addr, trusting
// any certificate, until the test ends: the fixed hosts of Telegram,
// Discord, Pushover and Slack reach a test server without a name being
// resolved.
func redirect(t *testing.T, addr string) {
	t.Helper()
	redirectTo.Store(addr)
	t.Cleanup(func() { redirectTo.Store("") })
}

// errorServer answers every HTTP request with 500 and a page that is not
// the service's JSON, and every SMTP session with 554.
type errorServer struct {
	http, https, smtp string
}

func newErrorServer(t *testing.T) errorServer {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/webhooks/") {
			// Discord: shoutrrr retries a 5xx answer five times, over
			// 31 s; a 4xx fails at once.
			http.Error(w, `{"message": "Unknown Webhook", "code": 10015}`, http.StatusNotFound)
			return
		}
		http.Error(w, "<html>internal error</html>", http.StatusInternalServerError)
	})
	plain := httptest.NewServer(h)
	t.Cleanup(plain.Close)
	tlsSrv := httptest.NewTLSServer(h)
	t.Cleanup(tlsSrv.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				fmt.Fprintf(c, "554 5.3.2 not accepting mail\r\n")
				_, _ = bufio.NewReader(c).ReadString('\n')
			}()
		}
	}()
	return errorServer{http: plain.Listener.Addr().String(), https: tlsSrv.Listener.Addr().String(), smtp: ln.Addr().String()}
}

// closedPort is a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestEveryServiceReportsFailure: for every documented service, a closed
// port and an error answer are failures, and the error shows no token.
func TestEveryServiceReportsFailure(t *testing.T) {
	srv := newErrorServer(t)
	closed := closedPort(t)
	for _, svc := range documented {
		for _, mode := range []string{"closed port", "error answer"} {
			t.Run(svc.name+"/"+mode, func(t *testing.T) {
				addr := closed
				if mode == "error answer" {
					switch {
					case svc.fixed:
						addr = srv.https
					case svc.smtp:
						addr = srv.smtp
					default:
						addr = srv.http
					}
				}
				redirect(t, addr)
				chs, err := Channels([]string{svc.url(addr)})
				if err != nil {
					t.Fatal(err)
				}
				err = chs[0].Send(context.Background(), Notification{Title: "test"})
				if err == nil {
					t.Fatal("reported as sent")
				}
				if !strings.HasPrefix(err.Error(), svc.name+" #1: ") || strings.Contains(strings.ToUpper(err.Error()), secret) {
					t.Errorf("error %q: want the service named and no token", err)
				}
				t.Logf("%s", err)
			})
		}
	}
}

// TestTelegramSends: a Bot API answer of ok is sent, to every chat of the
// URL, with the message thread of a "chat:thread".
func TestTelegramSends(t *testing.T) {
	var got []map[string]any
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host != "api.telegram.org" || r.URL.Path != "/bot110201543:AAHtoken/sendMessage" {
			http.Error(w, `{"ok":false,"description":"Not Found"}`, http.StatusNotFound)
			return
		}
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		got = append(got, m)
		fmt.Fprint(w, `{"ok":true,"result":{"message_id":1}}`)
	}))
	t.Cleanup(srv.Close)
	redirect(t, srv.Listener.Addr().String())
	chs, err := Channels([]string{"telegram://110201543:AAHtoken@telegram?chats=-100123:7,@mychannel&notification=no"})
	if err != nil {
		t.Fatal(err)
	}
	if err := chs[0].Send(context.Background(), Notification{Title: "hello"}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0]["chat_id"] != "-100123" || got[0]["message_thread_id"] != 7.0 || got[1]["chat_id"] != "@mychannel" ||
		got[1]["text"] != "hello" || got[1]["disable_notification"] != true {
		t.Errorf("requests %v", got)
	}
	// A wrong token: Telegram's own answer.
	chs, _ = Channels([]string{"telegram://110201543:AAHwrong@telegram?chats=1"})
	if err := chs[0].Send(context.Background(), Notification{Title: "hello"}); err == nil || !strings.Contains(err.Error(), "404 Not Found: Not Found") {
		t.Errorf("wrong token: %v", err)
	}
}

// TestNoSecretShown runs the engine with every documented service failing
// and greps every output for the tokens: the log, the status that /health
// shows, the state file; and the errors of URLs that do not parse.
func TestNoSecretShown(t *testing.T) {
	srv := newErrorServer(t)
	redirect(t, srv.https)
	r := newRig(t)
	var urls []string
	for _, svc := range documented {
		addr := srv.http
		if svc.smtp {
			addr = srv.smtp
		}
		urls = append(urls, svc.url(addr))
	}
	var err error
	if r.cfg.Channels, err = Channels(urls); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	e := NewEngine(r.cfg, r.src, r.dir, func() time.Time { return r.now }, slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug})))
	r.step(e, 850_000)
	status, _ := json.Marshal(e.Status())
	state, err := os.ReadFile(filepath.Join(r.dir.Path(), StateFile))
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{"log": log.String(), "status": string(status), "state file": string(state)}
	if strings.Count(log.String(), "notification not sent") != len(documented) {
		t.Errorf("want every service to fail:\n%s", log.String())
	}
	// URLs that do not parse, with the token where the parser chokes.
	for i, bad := range []string{
		"telegram://" + secret + "notatoken@telegram?chats=1",
		"discord://" + secret + "@",
		"slack://" + secret + "-nothing",
		"smtp://u:" + secret + "@host:notaport/",
		"pushover://" + secret + "@",
		"ntfy://" + secret + ":pw@",
		"nosuchservice://" + secret + "-abc@host/" + secret,
	} {
		_, err := Channels([]string{bad})
		if err == nil {
			t.Errorf("%d: accepted", i)
			continue
		}
		outputs[fmt.Sprintf("parse error %d", i)] = err.Error()
	}
	for what, out := range outputs {
		if strings.Contains(strings.ToUpper(out), secret) {
			t.Errorf("%s shows a token:\n%s", what, out)
		}
	}
}

// TestCleanKeepsWords: cleaning an error leaves plain words alone, also
// where a URL's path segment is the same word inside them.
func TestCleanKeepsWords(t *testing.T) {
	chs, err := Channels([]string{"generic+https://example.com/hook/s3cr3t-t0ken?x=1"})
	if err != nil {
		t.Fatal(err)
	}
	got := chs[0].clean(`generic webhook: Post "https://example.com/hook/s3cr3t-t0ken?x=1": hook s3cr3t-t0ken`)
	if want := `generic webhook: Post "https://example.com": *** ***`; got != want {
		t.Errorf("clean = %q, want %q", got, want)
	}
}
