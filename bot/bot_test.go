package bot

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/store"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// polled is when the fixture was read.
var polled = time.Date(2026, time.December, 7, 12, 0, 0, 0, time.UTC)

// fixture is a cycle from December 1 with a row for each day, a live part
// on today's, a quota of 300 GB, and a previous cycle.
func fixture() *traffic.State {
	res := testrig.Result(polled, 1, billing.Quota{Limit: 300e9}, func(d time.Time) (uint64, uint64) {
		return uint64(d.YearDay())*1e9 + 7, uint64(d.YearDay())*1e8 + 3
	}, 5e6, 1e6)
	res.UpdatedAt = polled.Add(-time.Minute)
	return &traffic.State{Result: res, LastPoll: polled}
}

// running is a bot running against api until stop.
type running struct {
	bot  *Bot
	logs *testrig.Buffer
	stop func()
}

// start runs a bot for chat 42 against api, keeping its offset in dir,
// with the clock now and a burst of burst answers (0: Burst).
func start(t *testing.T, api *testrig.BotAPI, dir *store.Dir, now func() time.Time, burst int) *running {
	t.Helper()
	logs := &testrig.Buffer{}
	b := New(Config{Token: testrig.BotToken, Allow: []int64{42}, Lang: "en", Host: "vps1", Interval: time.Minute, Dir: dir,
		API: api.URL(), Now: now, RetryFirst: 10 * time.Millisecond, Burst: burst}, testrig.NewState(fixture()), slog.New(slog.NewTextHandler(logs, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		_ = b.Run(ctx)
		close(done)
	}()
	r := &running{bot: b, logs: logs, stop: func() { cancel(); <-done }}
	t.Cleanup(r.stop)
	return r
}

func openDir(t *testing.T) *store.Dir {
	t.Helper()
	dir, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }

// TestBotAnswers: each command from the allowed chat is answered once,
// as a reply, with Answer's text for the state (the webhook's figures);
// a command with the bot's name and any case is the command; text that
// is no command gets nothing; a stranger's commands get nothing and one
// log line; the menu is registered in the answers' language; the token
// is in no log line.
func TestBotAnswers(t *testing.T) {
	api, _ := testrig.NewBotAPI(t, "", "")
	r := start(t, api, openDir(t), fixed(polled.Add(time.Second)), 0)
	api.WaitFor(t, "the command menu", func() bool { return len(api.Commands()) == len(Commands) })
	for _, c := range []struct {
		chat int64
		text string
	}{{7, "/usage"}, {42, "/usage"}, {42, "/Today@vps1_bot"}, {42, "/usage@other_bot"}, {42, "hello"}, {7, "/status"}, {42, "/week"}, {42, "/cycles"},
		{42, "/status"}, {42, "/help"}, {42, "/start"}, {7, "/help"}} {
		api.Send(c.chat, c.text)
	}
	api.WaitFor(t, "7 answers", func() bool { return len(api.Sent()) >= 7 && api.Unconfirmed() == 0 })
	var got []string
	for _, m := range api.Sent() {
		if m.Chat != 42 || m.ReplyTo == 0 {
			t.Errorf("answer to chat %d, reply to %d", m.Chat, m.ReplyTo)
		}
		got = append(got, m.Text)
	}
	var want []string
	for _, c := range []string{"usage", "today", "week", "cycles", "status", "help", "start"} {
		want = append(want, Answer(c, fixture(), "vps1", "en", polled.Add(time.Second), time.Minute))
	}
	if !slices.Equal(got, want) {
		t.Errorf("answers:\n%s\nwant:\n%s", strings.Join(got, "\n---\n"), strings.Join(want, "\n---\n"))
	}
	if n := strings.Count(r.logs.String(), "not allowed"); n != 1 {
		t.Errorf("%d log lines for the stranger's 3 commands, want 1:\n%s", n, r.logs)
	}
	if st := r.bot.Status(); st.Answered != 7 || st.Ignored != 3 || !st.CommandsSet || !st.Polling {
		t.Errorf("status %+v", st)
	}
	if want := "usage: " + (english{}).Describe("usage"); api.Commands()[0] != want {
		t.Errorf("menu %q, want %q first", api.Commands(), want)
	}
	r.stop()
	if strings.Contains(r.logs.String(), testrig.BotToken) || strings.Contains(r.logs.String(), "AAHdq") {
		t.Errorf("the token is in the log:\n%s", r.logs)
	}
}

// TestBotAnswersOnceOverARestart: a bot stopped after it received a
// command and before its answer went answers it once when it starts
// again; one stopped after answering does not answer again.
func TestBotAnswersOnceOverARestart(t *testing.T) {
	api, _ := testrig.NewBotAPI(t, "", "")
	dir := openDir(t)
	r := start(t, api, dir, fixed(polled), 0)
	api.Hold(true)
	api.Send(42, "/usage")
	api.WaitFor(t, "the answer held", func() bool { return api.Held() == 1 })
	r.stop()
	api.Hold(false)
	r = start(t, api, dir, fixed(polled), 0)
	api.WaitFor(t, "the answer", func() bool { return len(api.Sent()) == 1 })
	r.stop()
	r = start(t, api, dir, fixed(polled), 0)
	api.Send(42, "/help")
	api.WaitFor(t, "the second answer", func() bool { return len(api.Sent()) >= 2 && api.Unconfirmed() == 0 })
	r.stop()
	sent := api.Sent()
	if len(sent) != 2 || !strings.HasPrefix(sent[0].Text, "vps1: this cycle") || !strings.HasPrefix(sent[1].Text, "vps1: traffic of this server") {
		t.Errorf("answers %+v, want /usage's once, then /help's", sent)
	}
}

// TestBotRate: 1,000 commands at once from the allowed chat are answered
// Burst times, the rest not (one log line); a command after Refill is
// answered again.
func TestBotRate(t *testing.T) {
	api, _ := testrig.NewBotAPI(t, "", "")
	var now atomic.Pointer[time.Time]
	t0 := polled
	now.Store(&t0)
	r := start(t, api, openDir(t), func() time.Time { return *now.Load() }, 0)
	for range 1000 {
		api.Send(42, "/usage")
	}
	api.WaitFor(t, "the burst confirmed", func() bool { return api.Unconfirmed() == 0 && r.bot.Status().Answered+r.bot.Status().Limited == 1000 })
	if n := len(api.Sent()); n != Burst {
		t.Errorf("%d answers to 1,000 commands at once, want %d", n, Burst)
	}
	if n := strings.Count(r.logs.String(), "over its rate"); n != 1 {
		t.Errorf("%d log lines for the commands over the rate, want 1", n)
	}
	t1 := polled.Add(Refill)
	now.Store(&t1)
	api.Send(42, "/today")
	api.WaitFor(t, "an answer after Refill", func() bool { return len(api.Sent()) == Burst+1 })
}

// TestBotFailures: getUpdates that fail are retried with a growing wait
// and shown in the status, without the token; polling then goes on and
// answers.
func TestBotFailures(t *testing.T) {
	api, _ := testrig.NewBotAPI(t, "", "")
	api.FailGets(3)
	r := start(t, api, openDir(t), fixed(polled), 0)
	api.WaitFor(t, "a failure shown", func() bool { return r.bot.Status().Failures >= 1 })
	if st := r.bot.Status(); !strings.Contains(st.Error, "getUpdates: the Bot API answered 502 Bad Gateway") || strings.Contains(st.Error, testrig.BotToken) || st.Polling {
		t.Errorf("status %+v", st)
	}
	api.Send(42, "/status")
	api.WaitFor(t, "the answer", func() bool { return len(api.Sent()) == 1 })
	if st := r.bot.Status(); st.Failures != 0 || st.Error != "" || !st.Polling {
		t.Errorf("status after: %+v", st)
	}
	if n := strings.Count(r.logs.String(), "getUpdates failed"); n != 3 {
		t.Errorf("%d failures logged, want 3", n)
	}
}

// TestBotErrorsHoldNoToken: a Bot API that cannot be reached (a closed
// port), one whose certificate is not trusted, and one that answers
// what is not JSON fail with errors that do not hold the token, in the
// status and in the log.
func TestBotErrorsHoldNoToken(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	untrusted := httptest.NewTLSServer(http.NotFoundHandler())
	defer untrusted.Close()
	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>" + r.URL.Path)) }))
	defer garbage.Close()
	for _, url := range []string{closed.URL, untrusted.URL, garbage.URL} {
		logs := &testrig.Buffer{}
		b := New(Config{Token: testrig.BotToken, Allow: []int64{42}, Lang: "en", Dir: openDir(t), API: url, RetryFirst: time.Hour},
			testrig.NewState(fixture()), slog.New(slog.NewTextHandler(logs, nil)))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { _ = b.Run(ctx); close(done) }()
		for deadline := time.Now().Add(time.Minute); b.Status().Failures == 0; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: no failure in a minute", url)
			}
		}
		cancel()
		<-done
		st := b.Status()
		if st.Error == "" || strings.Contains(st.Error, "AAHdq") || strings.Contains(logs.String(), "AAHdq") || strings.Contains(st.Error, "110201543") {
			t.Errorf("%s: error %q (log %s)", url, st.Error, logs)
		}
		t.Logf("%s", st.Error)
	}
}

func TestRetryAfter(t *testing.T) {
	for _, c := range []struct {
		err  error
		n    int
		want time.Duration
	}{
		{context.DeadlineExceeded, 1, time.Second},
		{context.DeadlineExceeded, 4, 8 * time.Second},
		{context.DeadlineExceeded, 40, RetryMax},
		{&apiError{code: 429, retryAfter: 17}, 1, 17 * time.Second},
		{&apiError{code: 429, retryAfter: 100000}, 1, RetryMax},
	} {
		if got := retryAfter(c.err, c.n, time.Second); got != c.want {
			t.Errorf("retryAfter(%v, %d) = %s, want %s", c.err, c.n, got, c.want)
		}
	}
}

func TestCommandOf(t *testing.T) {
	for text, want := range map[string][2]string{"/usage": {"usage", ""}, "/Usage@my_bot": {"usage", "my_bot"}, "/week now": {"week", ""}, "/": {"", ""}} {
		if c, to := commandOf(text); c != want[0] || to != want[1] {
			t.Errorf("commandOf(%q) = %q, %q, want %q", text, c, to, want)
		}
	}
}
