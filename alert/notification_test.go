package alert

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestNotify: every event's notification is its message split at the
// first line, with the fields ALERT_COMMAND gets and its priority.
func TestNotify(t *testing.T) {
	at := time.Date(2026, time.November, 20, 12, 0, 0, 0, time.UTC)
	usage := Event{UsedBytes: 900, LimitBytes: 1000, ProjectedBytes: 1200, CycleStart: "2026-11-15", ResetsOn: "2026-12-15", DaysLeft: 25, Mode: "sum", At: at}
	tests := []struct {
		name string
		ev   Event
		want Priority
	}{
		{"threshold 90", with(usage, func(e *Event) { e.Kind, e.Threshold, e.Key = Threshold, 90, "threshold-90" }), Normal},
		{"threshold 100", with(usage, func(e *Event) { e.Kind, e.Threshold = Threshold, 100 }), High},
		{"projection", with(usage, func(e *Event) { e.Kind = Projection }), High},
		{"new cycle", with(usage, func(e *Event) { e.Kind = NewCycle }), Normal},
		{"problem", Event{Kind: ProblemKind, Problem: "vnstatd_stalled", Since: at.Add(-time.Hour), At: at}, High},
		{"reminder", Event{Kind: ProblemKind, Problem: "vnstatd_stalled", Reminder: 1, Since: at.Add(-time.Hour), At: at}, Normal},
		{"recovered", Event{Kind: Recovered, Problem: "vnstatd_stalled", Since: at.Add(-time.Hour), At: at}, Normal},
		{"report", with(usage, func(e *Event) { e.Kind = Report }), Low},
		{"test", Event{Kind: Test, At: at}, Normal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := message(tt.ev, "vps1", "en")
			n := Notify(tt.ev, "vps1", "en")
			if n.Text() != text || strings.Contains(n.Title, "\n") || !strings.HasPrefix(n.Title, "vps1") {
				t.Errorf("title %q body %q, message %q", n.Title, n.Body, text)
			}
			if n.Priority != tt.want {
				t.Errorf("priority %d, want %d", n.Priority, tt.want)
			}
			env := n.Env()
			if len(env) != 16 || env[0] != "VNSTAT_EXPORTER_EVENT="+string(tt.ev.Kind) || env[15] != "VNSTAT_EXPORTER_MESSAGE="+text {
				t.Errorf("env %q", env)
			}
		})
	}
}

func with(ev Event, f func(*Event)) Event {
	f(&ev)
	return ev
}

// request is what a service's server was sent: the headers, the form or
// JSON values, and the raw body.
type request struct {
	line   string // method and path
	header http.Header
	values map[string]string // form fields, or the JSON's string and number values by key
	body   string
}

// TestTitleAndPriority: the services that show a title get the
// notification's title apart and its body as the message, and ntfy,
// gotify and pushover a priority for a high or low one; a normal one
// after a high one gets the service's default again; a URL's own title
// or priority is kept; the generic webhook and Telegram get the whole
// text.
func TestTitleAndPriority(t *testing.T) {
	var (
		mu  sync.Mutex
		got []request
	)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		req := request{line: r.Method + " " + r.URL.Path, header: r.Header, values: map[string]string{}, body: string(b)}
		if form, err := url.ParseQuery(string(b)); err == nil && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			for k := range form {
				req.values[k] = form.Get(k)
			}
		}
		var j any
		if json.Unmarshal(b, &j) == nil {
			flatten(j, req.values)
		}
		mu.Lock()
		got = append(got, req)
		mu.Unlock()
		switch {
		case r.Host == "api.telegram.org":
			_, _ = io.WriteString(w, `{"ok":true,"result":{}}`)
		case r.Host == "api.pushover.net":
			_, _ = io.WriteString(w, `{"status":1,"request":"x"}`)
		case strings.Contains(r.URL.Path, "/message"): // gotify
			_, _ = io.WriteString(w, `{"id":1}`)
		case strings.HasPrefix(r.URL.Path, "/api/webhooks/"): // discord
			w.WriteHeader(http.StatusNoContent)
		case strings.HasPrefix(r.URL.Path, "/services/"): // slack
			_, _ = io.WriteString(w, "ok")
		case r.URL.Path == "/push": // bark
			_, _ = io.WriteString(w, `{"code":200,"message":"success"}`)
		default:
			_, _ = io.WriteString(w, `{"id":"x1","event":"message"}`)
		}
	})
	plain := httptest.NewServer(h)
	t.Cleanup(plain.Close)
	tlsSrv := httptest.NewTLSServer(h)
	t.Cleanup(tlsSrv.Close)
	redirect(t, tlsSrv.Listener.Addr().String())
	addr := plain.Listener.Addr().String()

	high := Notification{Title: "vps1: traffic has reached 100% of the quota", Body: "Used 1.00 GB of 1.00 GB (100.0%)", Priority: High}
	normal := Notification{Title: "vps1: the cycle 2026-11-15 to 2026-12-14 ended", Body: "Used 1.00 GB", Priority: Normal}
	low := Notification{Title: "vps1: daily report, 2026-11-20", Body: "Used 10 GB", Priority: Low}
	// title and message are the values (headers, form or JSON fields) a
	// service's request carries them in; priority its priority.
	split := map[string]struct{ title, message, priority string }{
		"ntfy":     {"Title", "", "Priority"},
		"gotify":   {"title", "message", "priority"},
		"pushover": {"title", "message", "priority"},
		"bark":     {"title", "body", ""},
		"discord":  {"embeds.title", "embeds.description", ""},
		"slack":    {"text", "attachments.text", ""},
	}
	wantPriority := map[string][3]string{ // high, normal, low
		"ntfy":     {"High", "Default", "Low"},
		"gotify":   {"8", "0", "2"},
		"pushover": {"1", "0", "-1"},
	}
	for _, svc := range documented {
		if svc.smtp || svc.name == "matrix" {
			continue // their titles: TestSMTPSubject; matrix has none
		}
		t.Run(svc.name, func(t *testing.T) {
			mu.Lock()
			got = nil
			mu.Unlock()
			chs, err := Channels([]string{svc.url(addr)})
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range []Notification{high, normal, low} {
				if err := chs[0].Send(context.Background(), n); err != nil {
					t.Fatal(err)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			var reqs []request
			for _, r := range got {
				if r.body != "" {
					reqs = append(reqs, r)
				}
			}
			s, ok := split[svc.name]
			if !ok { // the whole text, no title apart, in a request (Telegram's to each chat)
				for _, n := range []Notification{high, normal, low} {
					if !slices.ContainsFunc(reqs, func(r request) bool { return strings.Contains(r.body, jsonOrPlain(r, n.Text())) }) {
						t.Errorf("%s: no request with the whole text in %d", n.Title, len(reqs))
					}
				}
				return
			}
			if len(reqs) < 3 {
				t.Fatalf("%d requests with a body", len(reqs))
			}
			reqs = reqs[len(reqs)-3:]
			t.Logf("%s\nTitle: %s\nPriority: %s\n\n%s", reqs[0].line, reqs[0].header.Get("Title"), reqs[0].header.Get("Priority"), reqs[0].body)
			for i, n := range []Notification{high, normal, low} {
				r := reqs[i]
				title := r.values[s.title]
				if svc.name == "ntfy" {
					title = r.header.Get(s.title)
				}
				message := r.values[s.message]
				if s.message == "" {
					message = r.body
				}
				if title != n.Title || !strings.Contains(message, n.Body) || strings.Contains(message, n.Title) {
					t.Errorf("title %q, message %q; want %q apart from %q (request %q)", title, message, n.Title, n.Body, r.body)
				}
				if want, ok := wantPriority[svc.name]; ok {
					p := r.values[s.priority]
					if svc.name == "ntfy" {
						p = r.header.Get(s.priority)
					}
					if p != want[i] {
						t.Errorf("%s: priority %q, want %q", n.Title, p, want[i])
					}
				}
			}
		})
	}

	// A URL's own title and priority are kept.
	mu.Lock()
	got = nil
	mu.Unlock()
	chs, err := Channels([]string{"ntfy://" + addr + "/topic?scheme=http&title=Mine&priority=min"})
	if err != nil {
		t.Fatal(err)
	}
	if err := chs[0].Send(context.Background(), high); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || got[0].header.Get("Title") != "Mine" || got[0].header.Get("Priority") != "Min" || got[0].body != high.Text() {
		t.Errorf("own title and priority: %+v", got)
	}
	mu.Unlock()

	// A notification of one line is the message alone.
	got = nil
	chs, err = Channels([]string{"ntfy://" + addr + "/topic?scheme=http"})
	if err != nil {
		t.Fatal(err)
	}
	test := Notification{Title: "vps1: test message from vnstat-exporter; notifications work"}
	if err := chs[0].Send(context.Background(), test); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(got) != 1 || got[0].header.Get("Title") != "" || got[0].body != test.Title {
		t.Errorf("one line: %+v", got)
	}
}

// jsonOrPlain is text as it appears in r's body: JSON-escaped in a JSON
// body.
func jsonOrPlain(r request, text string) string {
	if strings.HasPrefix(strings.TrimSpace(r.body), "{") {
		b, _ := json.Marshal(text)
		return strings.Trim(string(b), `"`)
	}
	return text
}

// flatten puts the string and number values of a JSON value into m by
// their dotted keys (arrays are looked through).
func flatten(v any, m map[string]string) {
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if prefix != "" {
					k = prefix + "." + k
				}
				walk(k, x)
			}
		case []any:
			for _, x := range v {
				walk(prefix, x)
			}
		case string:
			m[prefix] = v
		case float64:
			m[prefix] = strings.TrimSuffix(strings.TrimRight(strings.TrimRight(jsonNumber(v), "0"), "."), ".")
		}
	}
	walk("", v)
}

func jsonNumber(f float64) string {
	b, _ := json.Marshal(f)
	s := string(b)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// TestSMTPSubject: a mail's subject is the notification's title, encoded
// for any language, unless the URL gives one; its body the whole text.
func TestSMTPSubject(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	mails := make(chan string, 4)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveSMTP(c, mails)
		}
	}()
	n := Notification{Title: "vps1：流量已达到配额的 100%", Body: "已用 1.00 GB / 1.00 GB (100.0%)", Priority: High}
	base := "smtp://" + ln.Addr().String() + "/?fromaddress=a@example.com&toaddresses=b@example.com&encryption=None&auth=None"
	for _, tt := range []struct{ url, subject string }{
		{base, n.Title},
		{base + "&subject=Traffic", "Traffic"},
	} {
		chs, err := Channels([]string{tt.url})
		if err != nil {
			t.Fatal(err)
		}
		if err := chs[0].Send(context.Background(), n); err != nil {
			t.Fatal(err)
		}
		msg, err := mail.ReadMessage(strings.NewReader(<-mails))
		if err != nil {
			t.Fatal(err)
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		body, _ := io.ReadAll(msg.Body)
		if err != nil || subject != tt.subject || strings.TrimRight(string(body), "\r\n") != strings.ReplaceAll(n.Text(), "\n", "\r\n") {
			t.Errorf("subject %q (%v), body %q; want %q and the whole text", subject, err, body, tt.subject)
		}
	}
}

// serveSMTP takes one mail on c, as a server that accepts everything,
// and puts its data on mails.
func serveSMTP(c net.Conn, mails chan<- string) {
	defer c.Close()
	r := bufio.NewReader(c)
	fmt.Fprintf(c, "220 test\r\n")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			fmt.Fprintf(c, "250 test\r\n")
		case cmd == "DATA":
			fmt.Fprintf(c, "354 go on\r\n")
			var data strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil || l == ".\r\n" {
					break
				}
				data.WriteString(l)
			}
			mails <- data.String()
			fmt.Fprintf(c, "250 taken\r\n")
		case cmd == "QUIT":
			fmt.Fprintf(c, "221 bye\r\n")
			return
		default:
			fmt.Fprintf(c, "250 ok\r\n")
		}
	}
}
