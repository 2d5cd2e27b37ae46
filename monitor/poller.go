package monitor

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// Vnstat reads vnstat's database: every interface, and the daily rows from
// a civil date on of those pick returns, in one read transaction.
type Vnstat interface {
	Read(ctx context.Context, from time.Time, pick func([]Interface) []string) (*Snapshot, error)
}

// PollerConfig is what the Poller needs from the configuration.
type PollerConfig struct {
	// StartDay is the day of the month the cycle resets on.
	StartDay int
	// Interfaces, when not empty, replaces the automatic choice.
	Interfaces []string
	// Interval is the time between polls.
	Interval time.Duration
	// Retry is the time between polls while none has succeeded yet;
	// zero means RetryBeforeFirst. Interval caps it.
	Retry time.Duration
	// Quota is how usage is counted; its zero value counts in + out
	// without an allowance.
	Quota billing.Quota
	// Vnstat is vnstat's own configuration: how long it keeps daily rows,
	// whether it writes rows for idle days, its time zone.
	Vnstat VnstatConfig
	// Local is this process's time zone; nil means time.Local.
	Local *time.Location
	// Live adds to vnstat's sums what the kernel counted since vnstat's
	// last save.
	Live bool
	// SampleInterval is how often the kernel's counters are read for the
	// live top-up and the stall check; 0 means no sampling.
	SampleInterval time.Duration
	// StaleAfter: a vnstat save older than this while the kernel counts
	// traffic means vnstatd has stalled; 0 turns the check off.
	StaleAfter time.Duration
	// BootTime is when the host booted: counters vnstat saved before it
	// belong to an earlier boot.
	BootTime time.Time
}

// Poller reads vnstat every interval and keeps the latest State.
type Poller struct {
	cfg    PollerConfig
	vnstat Vnstat
	links  LinkLister
	now    func() time.Time
	logger *slog.Logger

	state   atomic.Pointer[traffic.State]
	trigger chan struct{}
	reload  chan Reload
	calib   chan billing.Calibration

	// Owned by the goroutine that polls and samples.
	base     *traffic.Result       // the last good poll, without live top-up
	saved    map[string]savedState // the counters saved with base's rows
	liveOff  string                // why there is no live part at all, "" if there is
	foreign  bool                  // the links are not the host's: none are read
	zone     *time.Location        // the zone vnstatd writes in, as last judged
	zoneSeen zoneVote              // a mismatch seen once, waiting for a second save
	nics     map[string]bool       // NICs chosen automatically so far, kept while vnstat has them
	tracker  linkTracker
	logged   map[string]string // what was last logged under each key
	held     map[string]heldLifetime
	bursts   burstWatch

	mono         func() time.Duration // the monotonic clock
	seen         map[string]firstSeen // when each save was first seen
	lastWall     time.Time            // the wall clock at the last look (noteStep)
	lastMono     time.Duration        // and the monotonic one
	readAt       time.Duration        // the monotonic clock at the last read, good or not
	stamp        string               // the database's stamp before that read, "" without one
	zoneInferred bool                 // vnstatd's zone is not ours: its times are inferred
}

// heldLifetime is an interface's lifetime counters as last published.
type heldLifetime struct {
	created time.Time
	in, out uint64
}

// NewPoller returns a Poller. A nil now means time.Now; a nil logger
// discards.
func NewPoller(cfg PollerConfig, v Vnstat, links LinkLister, now func() time.Time, logger *slog.Logger) *Poller {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Local == nil {
		cfg.Local = time.Local
	}
	p := &Poller{cfg: cfg, vnstat: v, links: links, now: now, logger: logger,
		trigger: make(chan struct{}, 1), reload: make(chan Reload, 1), calib: make(chan billing.Calibration, 1), nics: map[string]bool{}, logged: map[string]string{}, held: map[string]heldLifetime{}, bursts: burstWatch{},
		zone: cfg.Vnstat.Location(cfg.Local), tracker: newLinkTracker(), seen: map[string]firstSeen{}}
	p.mono = monotonic(now)
	p.state.Store(&traffic.State{})
	return p
}

// Trigger asks Run for a poll as soon as it can; it does not block, and
// triggers that arrive during a poll collapse into one.
func (p *Poller) Trigger() {
	select {
	case p.trigger <- struct{}{}:
	default:
	}
}

// Reload is what changes when vnstat's configuration is read again.
type Reload struct {
	// Vnstat is the database to read from now on.
	Vnstat Vnstat
	// Config is vnstat's configuration.
	Config VnstatConfig
	// StaleAfter is the stall threshold derived from it.
	StaleAfter time.Duration
}

// Reload hands Run a new vnstat configuration, applied before a poll that
// follows at once; it does not block, and of reloads that arrive during a
// poll the latest wins.
func (p *Poller) Reload(r Reload) {
	latest(p.reload, r)
}

// Calibrate hands Run a calibration, applied from the poll that follows at
// once; it does not block, and of calibrations that arrive during a poll
// the latest wins. Call it before Run to apply one saved earlier.
func (p *Poller) Calibrate(c billing.Calibration) {
	latest(p.calib, c)
}

// latest puts v into ch, a channel with a buffer of one, replacing a value
// that waits there: the latest wins, and the sender never blocks.
func latest[T any](ch chan T, v T) {
	for {
		select {
		case ch <- v:
			return
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}

// Matters reports whether a change of the link called name can change the
// answer besides a NIC's: it is named in INTERFACES or reported now. It is
// safe for concurrent use.
func (p *Poller) Matters(name string) bool {
	if slices.Contains(p.cfg.Interfaces, name) {
		return true
	}
	if res := p.State().Result; res != nil {
		return slices.ContainsFunc(res.Interfaces, func(i traffic.IfaceTotal) bool { return i.Name == name })
	}
	return false
}

// State returns the latest State; it is safe for concurrent use.
func (p *Poller) State() *traffic.State {
	return p.state.Load()
}

// Run polls at once, then every interval, at each Trigger and after each
// Reload, and samples the kernel's counters every sample interval, until
// ctx is cancelled, when it returns nil. A failed poll is recorded in the State, not returned.
func (p *Poller) Run(ctx context.Context) error {
	t := time.NewTicker(p.cfg.Interval)
	defer t.Stop()
	var sample <-chan time.Time
	if p.cfg.SampleInterval > 0 {
		st := time.NewTicker(p.cfg.SampleInterval)
		defer st.Stop()
		sample = st.C
	}
	// Until a poll succeeds (vnstatd not started yet, or still creating
	// its database), poll every few seconds rather than every Interval:
	// a new install answers once vnstatd has written, not minutes later.
	var retry <-chan time.Time
	poll := func() {
		retry = nil
		if p.Poll(ctx) != nil && p.State().Result == nil {
			retry = time.After(min(cmp.Or(p.cfg.Retry, RetryBeforeFirst), p.cfg.Interval))
		}
	}
	poll()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			poll()
		case <-retry:
			poll()
		case <-p.trigger:
			poll()
		case r := <-p.reload:
			p.vnstat, p.cfg.Vnstat, p.cfg.StaleAfter = r.Vnstat, r.Config, r.StaleAfter
			p.zone, p.zoneSeen = r.Config.Location(p.cfg.Local), zoneVote{}
			p.logger.Info("reloaded vnstat's config", "daily_days", r.Config.DailyDays, "trafficless_entries", r.Config.TrafficlessEntries,
				"use_utc", r.Config.UseUTC, "stale_after", r.StaleAfter)
			poll()
		case c := <-p.calib:
			p.cfg.Quota.Calibration = &c
			p.logger.Info("calibrated", "cycle_start", c.Cycle.Format(billing.DateFormat), "provider_bytes", c.ProviderBytes,
				"counted_bytes", c.CountedBytes, "offset_bytes", c.OffsetBytes, "source", c.Source)
			poll()
		case <-sample:
			_ = p.Sample(ctx)
		}
	}
}

// RetryBeforeFirst is how often Run polls while no poll has succeeded
// yet, unless PollerConfig.Retry says otherwise.
const RetryBeforeFirst = 5 * time.Second

// Poll reads vnstat once, publishes the new State and returns the poll's
// error, if any. Polls must not run concurrently.
func (p *Poller) Poll(ctx context.Context) error {
	now := p.now()
	p.noteStep(now)
	started := time.Now()
	res, links, err := p.poll(ctx, now)
	if err == nil {
		res = p.live(res, links, now)
	}
	prev := p.state.Load()
	next := &traffic.State{Result: prev.Result, LastPoll: now, Err: err, PollDuration: time.Since(started), PollErrors: prev.PollErrors}
	if err != nil {
		if ctx.Err() != nil {
			// Shutting down: the poll was cut short, not failed.
			return err
		}
		next.PollErrors++
		p.logger.Error("poll failed; keeping the last good result", "err", err, "have_result", prev.Result != nil)
	} else {
		next.Result = res
		p.logger.Info("polled vnstat",
			"cycle_start", res.Cycle.Start.Format(billing.DateFormat), "through", res.Cycle.Today.Format(billing.DateFormat),
			"in_bytes", res.InBytes, "out_bytes", res.OutBytes, "live_in_bytes", res.LiveInBytes, "live_out_bytes", res.LiveOutBytes,
			"used_bytes", res.Usage.UsedBytes, "interfaces", len(res.Interfaces))
		for _, pr := range res.Problems {
			switch pr.Kind {
			case traffic.VnstatdStalled:
				p.logger.Error("vnstatd is not saving", "problem", pr.Detail)
			case traffic.InterfaceMissing:
				p.logger.Error("interface not reported", "problem", pr.Detail)
			}
		}
	}
	p.state.Store(next)
	return err
}

// poll reads vnstat and returns the cycle's result without live top-up
// (base and saved are set from the same read) and the links whose
// counters give the live part (nil when there is none). The judgements
// are the pure functions of reconcile.go; poll does the I/O, keeps what
// one poll leaves for the next, and logs changes.
func (p *Poller) poll(ctx context.Context, now time.Time) (*traffic.Result, []Link, error) {
	links, err := p.links.Links()
	if err != nil {
		return nil, nil, err
	}
	foreign := foreignNamespace(links, p.cfg.Interfaces)
	// One read serves this cycle and the previous one. The zone is judged
	// after the read, so a day more is read in case it moves the cycle.
	cycle := billing.CycleAt(now.In(p.zone), p.cfg.StartDay)
	from := cycle.Previous(p.cfg.StartDay).Start.AddDate(0, 0, -1)
	// The earlier cycles listed (traffic.MaxEarlier before the previous
	// one), as far as vnstat keeps daily rows: every cycle listed is read
	// whole, or begins before what vnstat keeps (and says so).
	oldest := cycle.Previous(p.cfg.StartDay)
	for range traffic.MaxEarlier {
		oldest = oldest.Previous(p.cfg.StartDay)
	}
	earliest := oldest.Start.AddDate(0, 0, -1)
	if p.cfg.Vnstat.DailyDays >= 0 {
		if kept := cycle.Today.AddDate(0, 0, -p.cfg.Vnstat.DailyDays); kept.After(earliest) {
			earliest = kept
		}
	}
	if earliest.Before(from) {
		from = earliest
	}
	var ch choice
	// The stamp is taken before the read: a write during it changes the
	// stamp again, and the next sample reads once more. Both are kept
	// whether the read succeeds or not: a failing vnstat is not read at
	// every sample.
	p.stamp, p.readAt = p.stampNow(), p.mono()
	snap, err := p.vnstat.Read(ctx, from, func(ifaces []Interface) []string {
		ch = choose(p.cfg.Interfaces, links, ifaces, foreign != "", p.nics)
		return ch.names
	})
	if err != nil {
		return nil, nil, err
	}
	p.logChoice(ch)
	if ch.err != nil {
		return nil, nil, ch.err
	}
	p.nics = ch.nics
	p.logChange("vnstat", snap.VnstatVersion, func() {
		p.logger.Info("vnstat's database", "vnstat_version", snap.VnstatVersion, "boot_time", snap.BootTime)
	})
	var zoneWarning string
	p.zone, p.zoneSeen, zoneWarning = judgeZone(snap, p.cfg.Vnstat.Location(p.cfg.Local), p.cfg.Vnstat.UseUTC, p.zone, p.zoneSeen)
	p.logChange("zone", zoneWarning, func() { p.logger.Warn("time zone mismatch", "problem", zoneWarning) })

	// The live part is off in another namespace (its links are not the
	// host's: no counters at all) and when vnstatd's zone is not ours (the
	// saves' times are inferred: counters serve the stall check only).
	var off *traffic.Problem
	switch {
	case foreign != "":
		off = &traffic.Problem{Kind: traffic.ForeignNamespace, Detail: foreign}
	case zoneWarning != "":
		off = &traffic.Problem{Kind: traffic.ZoneMismatch, Detail: zoneWarning}
	}
	res, saved, err := reconcile(snap, ch, off, p.cfg, p.zone, now)
	if err != nil {
		return nil, nil, err
	}
	p.logOffset(p.cfg.Quota, res.Cycle)
	if foreign != "" {
		links = nil
	}
	res.Previous.Settled = settled(res.Interfaces, links, foreign == "", slotAfter(billing.Midnight(res.Cycle.Start, p.zone)))
	p.base, p.saved = res, saved
	p.foreign, p.liveOff = foreign != "", foreign+zoneWarning
	p.zoneInferred = zoneWarning != ""
	return res, links, nil
}

// logOffset says once, at info, that USED_OFFSET does not count in cycle.
func (p *Poller) logOffset(q billing.Quota, cycle billing.Cycle) {
	note := ""
	if q.Offset > 0 && !q.OffsetCycle.Equal(cycle.Start) {
		note = q.OffsetCycle.Format(billing.DateFormat) + "/" + cycle.Start.Format(billing.DateFormat)
	}
	p.logChange("offset", note, func() {
		p.logger.Info("USED_OFFSET belongs to another cycle; ignoring it",
			"offset_cycle", q.OffsetCycle.Format(billing.DateFormat), "cycle_start", cycle.Start.Format(billing.DateFormat))
	})
}

// logChange runs log when value differs from the last one under key and
// is not empty: each change is logged once, not at every poll.
func (p *Poller) logChange(key, value string, log func()) {
	if p.logged[key] == value {
		return
	}
	p.logged[key] = value
	if value != "" {
		log()
	}
}

// logChoice logs the interfaces chosen, and warnings about the others,
// when they differ from the previous poll's.
func (p *Poller) logChoice(ch choice) {
	p.logChange("choice", ch.how+":"+strings.Join(ch.names, ","), func() {
		left := make([]string, 0, len(ch.skipped))
		for _, s := range ch.skipped {
			left = append(left, s.Name+" ("+s.Reason+")")
		}
		p.logger.Info("interfaces chosen", "how", ch.how, "interfaces", ch.names, "left_out", left)
	})
	p.logChange("notes", strings.Join(ch.notes, "\n"), func() {
		for _, n := range ch.notes {
			p.logger.Warn("interface not reported", "note", n)
		}
	})
}
