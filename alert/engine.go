package alert

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/actions"
	"github.com/vnstat-exporter/vnstat-exporter/config"
	"github.com/vnstat-exporter/vnstat-exporter/store"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// StateFile is the file in STATE_DIR that holds the State.
const StateFile = "alerts.json"

// Pending is an event not yet done everywhere: messages to send, the
// command to run, the spool file to write.
type Pending struct {
	Event Event `json:"event"`
	// Notification is what is told of it, made when the event happened.
	Notification Notification `json:"notification"`
	// Text, in a file written before notifications had a title, fields
	// and a priority, was the message; read into Notification.
	Text string `json:"text,omitempty"`
	// Sent are the IDs of the channels that have had it: it goes to
	// every channel configured now that is not among them.
	Sent []string `json:"sent,omitempty"`
	// To, in a version 1 file, were the channels still to send to.
	To []string `json:"to,omitempty"`
	// Tries are the failed tries of each channel that has not had it,
	// by channel ID.
	Tries map[string]Try `json:"tries,omitempty"`
	// LastError says why the last try failed.
	LastError string `json:"last_error,omitempty"`
	// Command is ALERT_COMMAND's progress: none, StepPending, StepStarted
	// (recorded before it starts; never run again) or StepDone.
	Command Step `json:"command,omitempty"`
	// Spool is the spool file's progress: none, StepPending or StepDone;
	// SpoolName the file's name in the spool.
	Spool     Step   `json:"spool,omitempty"`
	SpoolName string `json:"spool_name,omitempty"`
}

// Try is how a channel's tries of a message went: Attempts failed, the
// next one due at NextTry (counted from the end of the last).
type Try struct {
	Attempts int       `json:"attempts"`
	NextTry  time.Time `json:"next_try"`
}

// Step is the progress of a command or spool file for an event, as the
// state file keeps it; "" when there is none to do.
type Step string

// The steps.
const (
	StepPending Step = "pending"
	StepStarted Step = "started"
	StepDone    Step = "done"
)

// unsent returns the channels of chs that have not had p.
func (p *Pending) unsent(chs []*Channel) []*Channel {
	var out []*Channel
	for _, ch := range chs {
		if !slices.Contains(p.Sent, ch.ID) {
			out = append(out, ch)
		}
	}
	return out
}

func (p *Pending) finished(chs []*Channel) bool {
	return len(p.unsent(chs)) == 0 && p.Command != StepPending && p.Spool != StepPending
}

// upgrade reads an older file's pending event: its message as it was
// rendered then, in a notification made from its event; and a version 1
// event's channels still to send to as those it was sent to: the
// channels configured now that were not among them. If one of them is no
// longer configured (its URL was changed), the event goes to every
// channel configured now.
func (p *Pending) upgrade(chs []*Channel, host, lang string) {
	if p.Text != "" && p.Notification.Title == "" {
		p.Notification = Notify(p.Event, host, lang)
		p.Notification.Title, p.Notification.Body, _ = strings.Cut(p.Text, "\n")
		p.Notification.Fields[len(p.Notification.Fields)-1].Value = p.Text // MESSAGE
		p.Text = ""
	}
	if p.To == nil {
		return
	}
	p.Sent = nil
	gone := slices.ContainsFunc(p.To, func(id string) bool {
		return !slices.ContainsFunc(chs, func(ch *Channel) bool { return ch.ID == id })
	})
	if !gone {
		for _, ch := range chs {
			if !slices.Contains(p.To, ch.ID) {
				p.Sent = append(p.Sent, ch.ID)
			}
		}
	}
	p.To = nil
}

// Retry backoff of a failed delivery: RetryFirst, doubling up to RetryMax.
const (
	RetryFirst = 30 * time.Second
	RetryMax   = time.Hour
)

// MaxOutbox bounds the events kept for delivery; the oldest go first.
const MaxOutbox = 200

// Config is what the Engine needs from the configuration.
type Config struct {
	// Alerts are the settings of the alerts, as loaded: the thresholds,
	// the grace, the summary's wait, the report's time, the language,
	// ALERT_COMMAND and its timeout, and RootActions, which writes
	// actionable events into STATE_DIR/actions.
	config.Alerts
	// Interval is the poll interval, for traffic.Judge.
	Interval time.Duration
	// Host names this host in messages.
	Host string
	// Channels are the notification services.
	Channels []*Channel
	// Every is how often the state is judged; 0 means 5 s.
	Every time.Duration
	// StopGrace is how long Run waits, once its context ends, for the
	// sends in flight; 0 means DefaultStopGrace.
	StopGrace time.Duration
	// Local is the local zone of the cycle's dates and REPORT_AT; nil
	// means time.Local.
	Local *time.Location
}

// rules are the judge's rules from the settings.
func (c Config) rules() Rules {
	return Rules{Thresholds: c.At, Grace: c.ProblemGrace, SummaryAfter: c.SummaryAfter, ReportAt: c.ReportAt,
		Weekly: c.ReportWeekly, BeforeReset: c.ReportBeforeReset, Interval: c.Interval}
}

// StateSource gives the poller's latest state.
type StateSource interface {
	State() *traffic.State
}

// Status is what the Engine tells /health's details.
type Status struct {
	// Pending counts the events not yet delivered everywhere.
	Pending int `json:"pending"`
	// LastError is the latest delivery or command error, naming the
	// service, never its URL.
	LastError string `json:"last_error,omitempty"`
	// StateError says why the state file could not be read at the start
	// and where it was set aside.
	StateError string `json:"state_error,omitempty"`
	// WriteError says why the state could not be written, until a write
	// succeeds.
	WriteError string `json:"write_error,omitempty"`
}

// Engine judges the poller's state, keeps State in STATE_DIR and delivers
// the events.
type Engine struct {
	cfg    Config
	src    StateSource
	dir    *store.Dir
	now    func() time.Time
	logger *slog.Logger

	// Owned by the goroutine that runs Step.
	st       State
	saved    []byte // st as last written
	setAside bool   // the state file was corrupt: the next evaluation only marks
	// busy holds the channels (by ID) with a send in flight, and
	// commandBusy the command: each has one thing in flight at a time,
	// on a goroutine of its own, which reports to done.
	busy        map[string]bool
	commandBusy bool
	done        chan outcome

	status atomic.Pointer[Status]
}

// NewEngine returns an Engine that keeps its state in dir, loading what
// is there. A corrupt file is set aside and reported in the Status, and
// the engine starts afresh without sending the current cycle's usage
// alerts that may have been sent already: a threshold crossed before the
// first poll is marked as sent, silently. Without a file (the first run)
// the highest threshold crossed is sent, once. A nil now means time.Now;
// a nil logger discards.
func NewEngine(cfg Config, src StateSource, dir *store.Dir, now func() time.Time, logger *slog.Logger) *Engine {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Local == nil {
		cfg.Local = time.Local
	}
	if cfg.Every == 0 {
		cfg.Every = 5 * time.Second
	}
	if cfg.StopGrace == 0 {
		cfg.StopGrace = DefaultStopGrace
	}
	e := &Engine{cfg: cfg, src: src, dir: dir, now: now, logger: logger, st: State{Version: StateVersion},
		busy: map[string]bool{}, done: make(chan outcome, len(cfg.Channels)+1)}
	status := &Status{}
	var loaded State
	if _, err := dir.Load(StateFile, &loaded); err != nil {
		status.StateError = err.Error()
		e.setAside = true
		logger.Error("alert state unreadable; starting afresh, without repeating this cycle's usage alerts", "err", err)
	} else if loaded.Version != 0 {
		e.st = loaded
		e.st.Version = StateVersion
		for _, p := range e.st.Outbox {
			p.upgrade(cfg.Channels, cfg.Host, cfg.Lang)
			// A start (often after the URLs were mended) tries at once.
			for id, t := range p.Tries {
				t.NextTry = time.Time{}
				p.Tries[id] = t
			}
		}
	}
	e.saved, _ = json.Marshal(e.st)
	status.Pending = len(e.st.Outbox)
	e.status.Store(status)
	return e
}

// Status returns the engine's status; it is safe for concurrent use.
func (e *Engine) Status() Status {
	return *e.status.Load()
}

// DefaultStopGrace is how long Run waits, once its context ends, for
// sends in flight to be answered, so that a clean stop or restart does
// not send them again; the daemon still exits within 5 s of SIGTERM.
const DefaultStopGrace = 4 * time.Second

// Run judges the poller's state at once and then every Config.Every, and
// delivers what is due, until ctx is cancelled; it then waits up to
// Config.StopGrace for the sends in flight, records their outcome, and returns
// nil. A send still in flight then is tried again at the next start.
func (e *Engine) Run(ctx context.Context) error {
	if e.cfg.RootActions {
		if err := os.MkdirAll(filepath.Join(e.dir.Path(), actions.SpoolDir), 0o700); err != nil {
			return err
		}
	}
	t := time.NewTicker(e.cfg.Every)
	defer t.Stop()
	e.Step(ctx)
	for {
		select {
		case <-ctx.Done():
			e.stop()
			return nil
		case o := <-e.done:
			e.record(o)
			e.dispatch(ctx)
		case <-t.C:
			e.Step(ctx)
		}
	}
}

// stop waits up to Config.StopGrace for the sends in flight, recording each
// outcome as it comes; the command was killed with the context.
func (e *Engine) stop() {
	if len(e.busy) > 0 {
		e.logger.Info("stopping: waiting for the notifications in flight", "in_flight", len(e.busy), "grace", e.cfg.StopGrace)
	}
	grace := time.NewTimer(e.cfg.StopGrace)
	defer grace.Stop()
	for len(e.busy) > 0 || e.commandBusy {
		select {
		case o := <-e.done:
			e.record(o)
		case <-grace.C:
			for id := range e.busy {
				e.logger.Warn("stopping while a notification is in flight; it is sent again at the next start", "to", e.channelName(id))
			}
			return
		}
	}
}

// Settle waits until nothing is in flight, recording each outcome and
// starting what is due after it, as Run does between two steps.
func (e *Engine) Settle(ctx context.Context) {
	for len(e.busy) > 0 || e.commandBusy {
		e.record(<-e.done)
		e.dispatch(ctx)
	}
}

// Step judges the poller's state once, records the new events, writes
// the spool files, and starts the sends and the command that are due,
// each on its own: Step does not wait for them (Run records their
// outcome as it comes, or Settle). Steps must not run concurrently.
func (e *Engine) Step(ctx context.Context) {
	now := e.now().In(e.cfg.Local)
	ps := e.src.State()
	var evs []Event
	e.st, evs = Evaluate(e.st, Input{State: ps, Now: now}, e.cfg.rules())
	e.logger.Debug("alerts judged", "events", len(evs))
	if e.setAside && ps.Result != nil && e.st.Cycle != "" {
		// The first evaluation after a corrupt state marked what is
		// crossed; it is not sent, since it may have been.
		evs = slices.DeleteFunc(evs, func(ev Event) bool {
			return ev.Kind == Threshold || ev.Kind == Projection || ev.Kind == NewCycle
		})
		e.setAside = false
	}
	for _, ev := range evs {
		n := Notify(ev, e.cfg.Host, e.cfg.Lang)
		p := &Pending{Event: ev, Notification: n}
		if ev.Actionable() && e.cfg.Command != "" {
			p.Command = StepPending
		}
		if ev.Actionable() && e.cfg.RootActions {
			e.st.SpoolSeq = actions.NextSeq(e.st.SpoolSeq, now.UnixMicro())
			p.Spool, p.SpoolName = StepPending, actions.Name(e.st.SpoolSeq, ev.Key)
		}
		e.logger.Info("event", "key", ev.Key, "kind", ev.Kind, "message", n.Text())
		e.st.Outbox = append(e.st.Outbox, p)
	}
	if over := len(e.st.Outbox) - MaxOutbox; over > 0 {
		for _, p := range e.st.Outbox[:over] {
			e.logger.Error("too many undelivered events; dropping the oldest", "key", p.Event.Key, "last_error", p.LastError)
		}
		e.st.Outbox = slices.Delete(e.st.Outbox, 0, over)
	}
	e.dispatch(ctx)
}

// outcome is how a send or a command that dispatch started ended.
type outcome struct {
	key     string // the event's key
	channel string // the channel's ID; "" for the command
	err     error
	command actions.CommandResult
}

// dispatch writes the spool files due, then starts each idle channel's
// next due message and the next command due. The state is on disk before
// anything is spooled, sent or run: if it cannot be written, nothing is,
// and the next step tries again. The spool comes first: the root actions
// are the owner's protection against an overrun, and no receiver may
// hold them up.
func (e *Engine) dispatch(ctx context.Context) {
	if ctx.Err() != nil || e.save() != nil {
		return
	}
	e.spool()
	now := e.now()
	for _, ch := range e.cfg.Channels {
		if e.busy[ch.ID] {
			continue
		}
		for _, p := range e.st.Outbox {
			if slices.Contains(p.Sent, ch.ID) || now.Before(p.Tries[ch.ID].NextTry) {
				continue
			}
			e.busy[ch.ID] = true
			go func(ch *Channel, key string, n Notification, idem string) {
				err := ch.deliver(n, idem)
				e.done <- outcome{key: key, channel: ch.ID, err: err}
			}(ch, p.Event.Key, p.Notification, e.idempotencyKey(p.Event))
			break
		}
	}
	if !e.commandBusy {
		for _, p := range e.st.Outbox {
			if p.Command != StepPending {
				continue
			}
			// Recorded as started before it starts: if that cannot be
			// written, it does not run, so that it never runs twice.
			p.Command = StepStarted
			if e.save() != nil {
				p.Command = StepPending
				break
			}
			e.commandBusy = true
			e.logger.Info("running ALERT_COMMAND", "key", p.Event.Key)
			go func(key string, env []string) {
				res := actions.RunCommand(ctx, e.cfg.Command, env, e.cfg.CommandTimeout)
				e.done <- outcome{key: key, command: res}
			}(p.Event.Key, p.Notification.Env())
			break
		}
	}
	e.prune()
}

// spool writes the spool file of each event that has one due.
func (e *Engine) spool() {
	for _, p := range e.st.Outbox {
		if p.Spool != StepPending {
			continue
		}
		b, _ := json.Marshal(actions.Record{Env: p.Notification.Env()})
		if err := e.dir.WriteFile(filepath.Join(actions.SpoolDir, p.SpoolName), b, 0o600); err != nil {
			e.setError("spooling " + p.Event.Key + ": " + err.Error())
			e.logger.Error("cannot spool the event for the root action", "key", p.Event.Key, "err", err)
			continue
		}
		p.Spool = StepDone
		if e.save() != nil {
			return
		}
	}
}

// record enters how a send or the command ended, and writes the state.
func (e *Engine) record(o outcome) {
	if o.channel == "" {
		e.commandBusy = false
	} else {
		delete(e.busy, o.channel)
	}
	i := slices.IndexFunc(e.st.Outbox, func(p *Pending) bool { return p.Event.Key == o.key })
	if i < 0 {
		return // dropped from a full outbox meanwhile
	}
	p := e.st.Outbox[i]
	switch {
	case o.channel == "":
		res := o.command
		if res.Err != nil {
			e.setError("ALERT_COMMAND for " + p.Event.Key + ": " + res.Err.Error())
			e.logger.Error("ALERT_COMMAND failed; not run again", "key", p.Event.Key, "err", res.Err, "output", res.Output)
		} else {
			e.logger.Info("ALERT_COMMAND done", "key", p.Event.Key, "output", res.Output)
		}
		res.LogLeftovers(e.logger, "ALERT_COMMAND", "key", p.Event.Key)
		p.Command = StepDone
	case o.err != nil:
		t := p.Tries[o.channel]
		t.Attempts++
		t.NextTry = e.now().Add(backoff(t.Attempts)) // from the end of the try, when it is recorded
		if p.Tries == nil {
			p.Tries = map[string]Try{}
		}
		p.Tries[o.channel] = t
		p.LastError = o.err.Error()
		e.setError(p.LastError)
		e.logger.Warn("notification not sent; will retry", "key", p.Event.Key, "err", o.err, "attempts", t.Attempts, "next_try", t.NextTry)
	default:
		p.Sent = append(p.Sent, o.channel)
		delete(p.Tries, o.channel)
		e.logger.Info("notification sent", "key", p.Event.Key, "to", e.channelName(o.channel))
	}
	e.prune()
	e.save()
}

// prune drops the events done everywhere.
func (e *Engine) prune() {
	e.st.Outbox = slices.DeleteFunc(e.st.Outbox, func(p *Pending) bool { return p.finished(e.cfg.Channels) })
}

func (e *Engine) channelName(id string) string {
	for _, ch := range e.cfg.Channels {
		if ch.ID == id {
			return ch.Name
		}
	}
	return id
}

// idempotencyKey is the key a message of ev carries where the service
// takes one: the same for every try from this host, different for every
// host and event.
func (e *Engine) idempotencyKey(ev Event) string {
	if ev.Key == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(e.cfg.Host + "\x00" + ev.Key))
	return "vnstat-exporter-" + hex.EncodeToString(sum[:16])
}

// save writes the state when it changed since the last write.
func (e *Engine) save() error {
	b, err := json.Marshal(e.st)
	if err != nil {
		return err
	}
	status := e.Status()
	status.Pending = len(e.st.Outbox)
	if string(b) != string(e.saved) {
		if err = e.dir.Save(StateFile, e.st); err != nil {
			status.WriteError = "writing " + StateFile + ": " + err.Error()
			e.logger.Error("cannot write the alert state", "err", err)
		} else {
			e.saved, status.WriteError = b, ""
		}
	}
	e.status.Store(&status)
	return err
}

func (e *Engine) setError(msg string) {
	s := e.Status()
	s.LastError = msg
	e.status.Store(&s)
}

// backoff is the wait after the n-th failed round: RetryFirst doubled
// n-1 times, at most RetryMax.
func backoff(n int) time.Duration {
	return doubled(RetryFirst, max(n-1, 0), RetryMax)
}

// doubled is first doubled n times, at most ceiling.
func doubled(first time.Duration, n int, ceiling time.Duration) time.Duration {
	d := first
	for range n {
		if d *= 2; d >= ceiling {
			return ceiling
		}
	}
	return min(d, ceiling)
}
