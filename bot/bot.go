// Package bot answers questions about the traffic in Telegram: a bot in
// the daemon that asks the Bot API for messages (long polling with
// getUpdates, outbound only, so it works behind NAT) and answers the
// commands of the chats it is allowed to with the figures the webhook
// serves.
package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/store"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// DefaultAPI is the Bot API's address.
const DefaultAPI = "https://api.telegram.org"

// Long polling: each getUpdates waits up to PollTimeout for a message, and
// takes at most PollLimit updates; an answer is read up to MaxAnswer
// bytes.
const (
	PollTimeout = 50 * time.Second
	PollLimit   = 100
	MaxAnswer   = 8 << 20
)

// A chat gets at most Burst answers at once (every command once, and
// some), and one more every Refill;
// commands beyond that are not answered (and said so in the log once an
// hour).
const (
	Burst  = 10
	Refill = 3 * time.Second
)

// Failures are retried after RetryFirst, doubling up to RetryMax, or after
// what the Bot API asks (retry_after).
const (
	RetryFirst = time.Second
	RetryMax   = 5 * time.Minute
)

// LogEvery is how often a chat that is not allowed, or is over its rate,
// is logged: once per chat per LogEvery.
const LogEvery = time.Hour

// maxChats bounds the chats whose rate and last log line are kept.
const maxChats = 1000

// OffsetFile is the file in STATE_DIR that keeps the next update to ask
// for.
const OffsetFile = "telegram.json"

// Config is what the bot needs.
type Config struct {
	// Token is the bot's token (from the telegram:// URL); it is never
	// logged or shown.
	Token string
	// Allow are the chats it answers.
	Allow []int64
	// Lang is the answers' language: en or zh-CN (NOTIFY_LANG).
	Lang string
	// Host names this host in the answers.
	Host string
	// Interval is the poll interval, for traffic.Judge.
	Interval time.Duration
	// Dir keeps the offset.
	Dir *store.Dir
	// API is the Bot API's address; empty means DefaultAPI.
	API string
	// Client makes the requests; nil means a client of its own whose
	// requests end within PollTimeout and 20 s.
	Client *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// RetryFirst is the first wait after a failure; 0 means RetryFirst.
	RetryFirst time.Duration
	// Burst and Refill are a chat's rate; 0 means Burst and Refill.
	Burst  int
	Refill time.Duration
}

// StateSource gives the poller's latest state.
type StateSource interface {
	State() *traffic.State
}

// Status is what the bot tells /health's details.
type Status struct {
	// Polling says the last getUpdates succeeded.
	Polling bool `json:"polling"`
	// Error is why the last request failed, and Failures how many failed
	// in a row; RetryAt is when it is tried again.
	Error    string    `json:"error,omitempty"`
	Failures int       `json:"failures,omitempty"`
	RetryAt  time.Time `json:"retry_at,omitzero"`
	// CommandsSet says the command menu was registered (setMyCommands);
	// Username is the bot's (getMe), whose commands in a group are the
	// ones without a bot's name or with its.
	CommandsSet bool   `json:"commands_set"`
	Username    string `json:"username,omitempty"`
	// Answered, Ignored and Limited count the commands answered, those of
	// chats not allowed, and those over a chat's rate, since the start.
	Answered uint64 `json:"answered"`
	Ignored  uint64 `json:"ignored"`
	Limited  uint64 `json:"rate_limited"`
}

// Bot is the Telegram bot.
type Bot struct {
	cfg    Config
	src    StateSource
	logger *slog.Logger

	mu     sync.Mutex
	status Status
	// chats are the allowed chats' rate buckets and the last log line of
	// each chat that is not allowed or over its rate.
	buckets map[int64]*bucket
	logged  map[int64]time.Time
}

// bucket is a chat's answers left and when it was last filled.
type bucket struct {
	tokens float64
	at     time.Time
}

// New returns the bot over src.
func New(cfg Config, src StateSource, logger *slog.Logger) *Bot {
	if cfg.API == "" {
		cfg.API = DefaultAPI
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RetryFirst == 0 {
		cfg.RetryFirst = RetryFirst
	}
	if cfg.Burst == 0 {
		cfg.Burst = Burst
	}
	if cfg.Refill == 0 {
		cfg.Refill = Refill
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: PollTimeout + 20*time.Second, Transport: &http.Transport{
			Proxy:                  http.ProxyFromEnvironment,
			DialContext:            (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
			TLSHandshakeTimeout:    10 * time.Second,
			ResponseHeaderTimeout:  PollTimeout + 15*time.Second,
			MaxResponseHeaderBytes: 64 << 10,
			IdleConnTimeout:        PollTimeout + 30*time.Second,
		}}
	}
	return &Bot{cfg: cfg, src: src, logger: logger, buckets: map[int64]*bucket{}, logged: map[int64]time.Time{}}
}

// Status is the bot's status now.
func (b *Bot) Status() Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status
}

// offsetState is OffsetFile's content.
type offsetState struct {
	// Offset is the next update to ask for: every one before it was
	// answered or passed over.
	Offset int64 `json:"offset"`
}

// Run polls and answers until ctx ends.
func (b *Bot) Run(ctx context.Context) error {
	var st offsetState
	if _, err := b.cfg.Dir.Load(OffsetFile, &st); err != nil {
		b.logger.Error("telegram offset unreadable; starting from what the Bot API keeps", "err", err)
	}
	// Failures in a row of getUpdates, and of answers; the offset last
	// written.
	polls, answers := 0, 0
	saved := st.Offset
	for ctx.Err() == nil {
		if !b.Status().CommandsSet {
			if err := b.setCommands(ctx); err != nil {
				b.logger.Warn("telegram: registering the command menu failed; tried again after the next poll", "err", err)
			} else {
				b.count(func(s *Status) { s.CommandsSet = true })
			}
		}
		if b.Status().Username == "" {
			var me struct {
				Username string `json:"username"`
			}
			if err := b.call(ctx, "getMe", map[string]any{}, &me); err != nil {
				b.logger.Warn("telegram: getMe failed; tried again after the next poll", "err", err)
			} else {
				b.count(func(s *Status) { s.Username = me.Username })
			}
		}
		updates, err := b.getUpdates(ctx, st.Offset)
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			polls++
			b.failed(ctx, "getUpdates", err, polls, false)
			continue
		}
		if polls > 0 {
			b.logger.Info("telegram: polling again", "after_failures", polls)
		}
		polls = 0
		b.count(func(s *Status) { s.Polling, s.Error, s.Failures, s.RetryAt = true, "", 0, time.Time{} })
		for _, u := range updates {
			if u.ID < st.Offset {
				continue
			}
			answered, err := b.handle(ctx, u)
			if a, ok := errors.AsType[*apiError](err); ok && a.code >= 400 && a.code < 500 && a.code != http.StatusTooManyRequests {
				// The Bot API will not take this answer (the chat is gone,
				// the bot was blocked): passed over, not tried forever.
				b.logger.Warn("telegram: an answer the Bot API refused; passed over", "err", err)
				answered, err = true, nil
			}
			if err != nil {
				// Not answered: asked for again, from this update, after
				// the wait.
				answers++
				b.failed(ctx, "answering", err, answers, true)
				break
			}
			answers = 0
			st.Offset = u.ID + 1
			if answered {
				// Kept at once: a restart answers no command twice.
				saved = b.keep(st, saved)
			}
		}
		saved = b.keep(st, saved)
	}
	return nil
}

// failed shows a failure of what, the nth in a row, in the status and the
// log, and waits before the next try (polling says getUpdates works).
func (b *Bot) failed(ctx context.Context, what string, err error, n int, polling bool) {
	wait := retryAfter(err, n, b.cfg.RetryFirst)
	b.count(func(s *Status) {
		s.Polling, s.Error, s.Failures, s.RetryAt = polling, err.Error(), n, b.cfg.Now().Add(wait)
	})
	b.logger.Warn("telegram: "+what+" failed", "err", err, "failures", n, "retry_in", wait)
	select {
	case <-ctx.Done():
	case <-time.After(wait):
	}
}

// keep writes the offset into STATE_DIR unless it is saved already, and
// returns the offset written.
func (b *Bot) keep(st offsetState, saved int64) int64 {
	if st.Offset == saved {
		return saved
	}
	if err := b.cfg.Dir.Save(OffsetFile, st); err != nil {
		b.logger.Error("telegram: keeping the offset failed", "err", err)
		return saved
	}
	return st.Offset
}

// retryAfter is the wait before the next try after n failures in a row,
// first doubled n-1 times, or what the Bot API asked for.
func retryAfter(err error, n int, first time.Duration) time.Duration {
	if a, ok := errors.AsType[*apiError](err); ok && a.retryAfter > 0 {
		return min(time.Duration(a.retryAfter)*time.Second, RetryMax)
	}
	d := first
	for i := 1; i < n && d < RetryMax; i++ {
		d *= 2
	}
	return min(d, RetryMax)
}

// update is one of getUpdates' updates: a message, or something else
// (nil Message).
type update struct {
	ID      int64 `json:"update_id"`
	Message *struct {
		ID   int64 `json:"message_id"`
		Chat struct {
			ID int64 `json:"id"`
		} `json:"chat"`
		Text string `json:"text"`
	} `json:"message"`
}

// handle answers u if it is a command from an allowed chat within its
// rate; it reports whether it sent an answer.
func (b *Bot) handle(ctx context.Context, u update) (bool, error) {
	m := u.Message
	if m == nil || !strings.HasPrefix(m.Text, "/") {
		return false, nil
	}
	now := b.cfg.Now()
	chat := m.Chat.ID
	if !slices.Contains(b.cfg.Allow, chat) {
		b.count(func(s *Status) { s.Ignored++ })
		if b.logOnce(chat, now) {
			b.logger.Warn("telegram: a command from a chat that is not allowed, not answered (logged once an hour per chat)", "chat", chat)
		}
		return false, nil
	}
	if !b.take(chat, now) {
		b.count(func(s *Status) { s.Limited++ })
		if b.logOnce(chat, now) {
			b.logger.Warn("telegram: a chat over its rate; commands not answered (logged once an hour per chat)", "chat", chat,
				"burst", b.cfg.Burst, "refill", b.cfg.Refill)
		}
		return false, nil
	}
	command, to := commandOf(m.Text)
	if me := b.Status().Username; to != "" && me != "" && !strings.EqualFold(to, me) {
		// A command to another bot in a group.
		return false, nil
	}
	text := Answer(command, b.src.State(), b.cfg.Host, b.cfg.Lang, now, b.cfg.Interval)
	if err := b.call(ctx, "sendMessage", map[string]any{"chat_id": chat, "text": text, "reply_to_message_id": m.ID,
		"allow_sending_without_reply": true}, nil); err != nil {
		return false, err
	}
	b.count(func(s *Status) { s.Answered++ })
	return true, nil
}

// commandOf is the command of a message's text, its first word without
// the / in lower case, and the bot it is addressed to (/usage@name), ""
// for none.
func commandOf(text string) (command, to string) {
	word, _, _ := strings.Cut(strings.TrimPrefix(text, "/"), " ")
	word, to, _ = strings.Cut(word, "@")
	return strings.ToLower(strings.TrimSpace(word)), strings.TrimSpace(to)
}

func (b *Bot) count(f func(*Status)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	f(&b.status)
}

// take takes one of chat's answers at now, if it has one left.
func (b *Bot) take(chat int64, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := b.buckets[chat]
	if k == nil {
		if len(b.buckets) >= maxChats {
			clear(b.buckets)
		}
		k = &bucket{tokens: float64(b.cfg.Burst), at: now}
		b.buckets[chat] = k
	}
	if d := now.Sub(k.at); d > 0 {
		k.tokens = min(float64(b.cfg.Burst), k.tokens+float64(d)/float64(b.cfg.Refill))
		k.at = now
	}
	if k.tokens < 1 {
		return false
	}
	k.tokens--
	return true
}

// logOnce reports whether chat is to be logged at now: once per LogEvery.
func (b *Bot) logOnce(chat int64, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if last, ok := b.logged[chat]; ok && now.Sub(last) < LogEvery {
		return false
	}
	if len(b.logged) >= maxChats {
		for c, at := range b.logged {
			if now.Sub(at) >= LogEvery {
				delete(b.logged, c)
			}
		}
		if len(b.logged) >= maxChats {
			return false
		}
	}
	b.logged[chat] = now
	return true
}

// getUpdates asks for the updates from offset on, waiting up to
// PollTimeout for one.
func (b *Bot) getUpdates(ctx context.Context, offset int64) ([]update, error) {
	var updates []update
	err := b.call(ctx, "getUpdates", map[string]any{"offset": offset, "timeout": int(PollTimeout / time.Second), "limit": PollLimit,
		"allowed_updates": []string{"message"}}, &updates)
	return updates, err
}

// setCommands registers the command menu in the answers' language.
func (b *Bot) setCommands(ctx context.Context) error {
	w := wordsFor(b.cfg.Lang)
	var cmds []map[string]string
	for _, c := range Commands {
		cmds = append(cmds, map[string]string{"command": c, "description": w.Describe(c)})
	}
	return b.call(ctx, "setMyCommands", map[string]any{"commands": cmds}, nil)
}

// apiError is a Bot API answer that is not ok.
type apiError struct {
	method      string
	code        int
	status      string
	description string
	retryAfter  int
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s: the Bot API answered %s: %.200s", e.method, e.status, e.description)
}

// call posts params to the Bot API's method and decodes its result into
// result (when not nil). No error holds the token: the URL is left out of
// them.
func (b *Bot) call(ctx context.Context, method string, params any, result any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.cfg.API+"/bot"+b.cfg.Token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: the Bot API's address or the token is not valid in a URL", method)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.cfg.Client.Do(req)
	if err != nil {
		// The url.Error holds the URL, and the URL the token.
		if uerr, ok := errors.AsType[*url.Error](err); ok {
			err = uerr.Err
		}
		return fmt.Errorf("%s: %s: %s", method, req.URL.Host, strings.ReplaceAll(err.Error(), b.cfg.Token, "***"))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return fmt.Errorf("%s: reading the answer: %s", method, strings.ReplaceAll(err.Error(), b.cfg.Token, "***"))
	}
	if len(data) > MaxAnswer {
		return fmt.Errorf("%s: the answer is longer than %d bytes", method, MaxAnswer)
	}
	var answer struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		Description string          `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(data, &answer); err != nil || resp.StatusCode != http.StatusOK || !answer.OK {
		why := answer.Description
		if why == "" {
			why = "no Bot API answer"
		}
		return &apiError{method: method, code: resp.StatusCode, status: resp.Status, description: strings.ReplaceAll(why, b.cfg.Token, "***"), retryAfter: answer.Parameters.RetryAfter}
	}
	if result != nil {
		if err := json.Unmarshal(answer.Result, result); err != nil {
			return fmt.Errorf("%s: the result is not what the Bot API gives: %v", method, err)
		}
	}
	return nil
}
