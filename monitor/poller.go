package monitor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/bits"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc"
)

// Vnstat reads vnstat's daily rows from a civil date on.
type Vnstat interface {
	Daily(ctx context.Context, begin time.Time) (*vnstatsrc.Report, error)
}

var _ Vnstat = (*vnstatsrc.Client)(nil)

// Result is the outcome of a good poll: the cycle's totals.
type Result struct {
	// Cycle is the billing cycle the totals are for; they run from
	// Cycle.Start through Cycle.Today.
	Cycle Cycle
	// InBytes and OutBytes are the sums over Interfaces.
	InBytes, OutBytes uint64
	// Interfaces are the reported interfaces with their own sums, by name.
	Interfaces []IfaceTotal
	// UpdatedAt is vnstat's newest write among the reported interfaces.
	UpdatedAt time.Time
	// PolledAt is when the poll ran.
	PolledAt time.Time
	// Incomplete explains, per interface, why its sum misses days of the
	// cycle; empty when every sum is whole.
	Incomplete []string
	// Missing explains, per interface named in INTERFACES, why it is not
	// reported.
	Missing []string
	// Usage is the cycle's traffic counted against the quota.
	Usage Usage
	// Previous is the whole cycle before this one, from the same poll; its
	// Incomplete says why its sums cannot be trusted, if they cannot. Nil
	// in a Previous itself.
	Previous *Result
	// LiveInBytes and LiveOutBytes are the part of InBytes and OutBytes
	// that the kernel counted since vnstat's last save.
	LiveInBytes, LiveOutBytes uint64
	// LiveAsOf is when the kernel's counters were read; zero without a
	// live top-up.
	LiveAsOf time.Time
	// Stalled, when set, says that vnstatd has stopped saving although the
	// kernel counts traffic.
	Stalled string
}

// IfaceTotal is one interface's traffic in the cycle.
type IfaceTotal struct {
	Name              string
	InBytes, OutBytes uint64
	// LiveInBytes and LiveOutBytes are the part counted by the kernel
	// since vnstat's last save.
	LiveInBytes, LiveOutBytes uint64
	// Updated is when vnstat last wrote this interface.
	Updated time.Time
}

// State is what the poller knows after its latest poll. A State is never
// changed once published.
type State struct {
	// Result is the last good result, nil before the first.
	Result *Result
	// LastPoll is when the latest poll ran, zero before the first.
	LastPoll time.Time
	// Err is why the latest poll failed, nil if it succeeded.
	Err error
	// PollDuration is how long the latest poll took.
	PollDuration time.Duration
	// PollErrors counts the polls that failed since the start.
	PollErrors uint64
}

// PollerConfig is what the Poller needs from the configuration.
type PollerConfig struct {
	// StartDay is the day of the month the cycle resets on.
	StartDay int
	// Interfaces, when not empty, replaces the automatic choice.
	Interfaces []string
	// Interval is the time between polls.
	Interval time.Duration
	// Quota is how usage is counted; its zero value counts in + out
	// without an allowance.
	Quota Quota
	// Live adds to vnstat's sums what the kernel counted since vnstat's
	// last save (needs a CounterSource).
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
	cfg      PollerConfig
	vnstat   Vnstat
	counters CounterSource
	links    LinkLister
	now      func() time.Time
	logger   *slog.Logger

	state   atomic.Pointer[State]
	trigger chan struct{}

	// Owned by the goroutine that polls and samples.
	base       *Result                       // the last good poll, without live top-up
	saved      map[string]vnstatsrc.Counters // the counters that go with base's rows
	linkIndex  map[string]int                // the index each link name had when last seen
	changedAt  map[string]time.Time          // when a name was last seen on a new index
	liveNotes  map[string]string             // why an interface has no top-up, to log changes once
	lastChoice string
	lastNotes  string
	lastOffset string
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
	p := &Poller{cfg: cfg, vnstat: v, links: links, now: now, logger: logger,
		trigger: make(chan struct{}, 1), linkIndex: map[string]int{}, changedAt: map[string]time.Time{}, liveNotes: map[string]string{}}
	p.state.Store(&State{})
	return p
}

// WithCounters sets where the poller reads vnstat's saved kernel counters,
// for the live top-up and the stall check, and returns p.
func (p *Poller) WithCounters(c CounterSource) *Poller {
	p.counters = c
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

// State returns the latest State; it is safe for concurrent use.
func (p *Poller) State() *State {
	return p.state.Load()
}

// Run polls at once, then every interval and at each Trigger, and samples
// the kernel's counters every sample interval, until ctx is cancelled, when
// it returns nil. A failed poll is recorded in the State, not returned.
func (p *Poller) Run(ctx context.Context) error {
	t := time.NewTicker(p.cfg.Interval)
	defer t.Stop()
	var sample <-chan time.Time
	if p.cfg.SampleInterval > 0 {
		st := time.NewTicker(p.cfg.SampleInterval)
		defer st.Stop()
		sample = st.C
	}
	_ = p.Poll(ctx)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			_ = p.Poll(ctx)
		case <-p.trigger:
			_ = p.Poll(ctx)
		case <-sample:
			_ = p.Sample(ctx)
		}
	}
}

// Poll reads vnstat once, publishes the new State and returns the poll's
// error, if any. Polls must not run concurrently.
func (p *Poller) Poll(ctx context.Context) error {
	now := p.now()
	started := time.Now()
	res, saved, links, err := p.poll(ctx, now)
	if err == nil {
		// Rows and the counters saved with them are replaced together.
		p.base, p.saved = res, saved
		res = p.live(res, links, now)
	}
	prev := p.state.Load()
	next := &State{Result: prev.Result, LastPoll: now, Err: err, PollDuration: time.Since(started), PollErrors: prev.PollErrors}
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
			"cycle_start", res.Cycle.Start.Format(DateFormat), "through", res.Cycle.Today.Format(DateFormat),
			"in_bytes", res.InBytes, "out_bytes", res.OutBytes, "live_in_bytes", res.LiveInBytes, "live_out_bytes", res.LiveOutBytes,
			"used_bytes", res.Usage.UsedBytes, "interfaces", len(res.Interfaces))
		if res.Stalled != "" {
			p.logger.Error("vnstatd is not saving", "problem", res.Stalled)
		}
		for _, m := range res.Missing {
			p.logger.Error("interface not reported", "problem", m)
		}
	}
	p.state.Store(next)
	return err
}

// poll reads vnstat and returns the cycle's result without live top-up,
// the kernel counters vnstat saved with the rows it read (nil when the
// database could not be read consistently), and the links it chose from.
func (p *Poller) poll(ctx context.Context, now time.Time) (*Result, map[string]vnstatsrc.Counters, []Link, error) {
	cycle := CycleAt(now, p.cfg.StartDay)
	// One vnstat run serves this cycle and the previous one.
	previous := cycle.Previous(p.cfg.StartDay)
	previous.Today = previous.Last()
	links, err := p.links.Links()
	if err != nil {
		return nil, nil, nil, err
	}
	// The saved counters must go with the rows vnstat prints: read them
	// before and after the run, and run again if vnstatd saved meanwhile.
	var report *vnstatsrc.Report
	var saved map[string]vnstatsrc.Counters
	for attempt := 0; ; attempt++ {
		before := p.readCounters(ctx)
		if report, err = p.vnstat.Daily(ctx, previous.Start); err != nil {
			return nil, nil, nil, fmt.Errorf("reading vnstat: %w", err)
		}
		saved = p.readCounters(ctx)
		if maps.Equal(before, saved) {
			break
		}
		if attempt == 2 {
			p.logger.Debug("no live top-up: vnstatd saved during every read")
			saved = nil
			break
		}
	}
	names, missing, err := p.choose(links, report)
	if err != nil {
		return nil, nil, nil, err
	}
	res, err := total(report, names, cycle, false)
	if err != nil {
		return nil, nil, nil, err
	}
	q := p.cfg.Quota
	res.PolledAt = now
	res.Missing = missing
	res.Usage = usage(res.InBytes, res.OutBytes, q, cycle, now, false)
	p.logOffset(q, cycle)

	// A past cycle must be whole: vnstat must have held every day of it,
	// unless the offset stands for what it had not yet counted.
	res.Previous, err = total(report, names, previous, !q.OffsetCycle.Equal(previous.Start) || q.Offset == 0)
	if err != nil {
		return nil, nil, nil, err
	}
	res.Previous.PolledAt = now
	res.Previous.Missing = missing
	res.Previous.Usage = usage(res.Previous.InBytes, res.Previous.OutBytes, q, previous, now, true)
	return res, saved, links, nil
}

// logOffset says once, at info, that USED_OFFSET does not count in cycle.
func (p *Poller) logOffset(q Quota, cycle Cycle) {
	note := ""
	if q.Offset > 0 && !q.OffsetCycle.Equal(cycle.Start) {
		note = q.OffsetCycle.Format(DateFormat) + "/" + cycle.Start.Format(DateFormat)
	}
	if note != "" && note != p.lastOffset {
		p.logger.Info("USED_OFFSET belongs to another cycle; ignoring it",
			"offset_cycle", q.OffsetCycle.Format(DateFormat), "cycle_start", cycle.Start.Format(DateFormat))
	}
	p.lastOffset = note
}

// choose returns the vnstat interfaces to report: those named in
// INTERFACES, or the physical NICs vnstat tracks. missing lists the named
// interfaces that cannot be reported.
func (p *Poller) choose(links []Link, report *vnstatsrc.Report) (names, missing []string, err error) {
	inDB := make(map[string]bool, len(report.Interfaces))
	var dbNames []string
	for _, i := range report.Interfaces {
		inDB[i.Name] = true
		dbNames = append(dbNames, i.Name)
	}
	onHost := make(map[string]bool, len(links))
	for _, l := range links {
		onHost[l.Name] = true
	}

	if len(p.cfg.Interfaces) > 0 {
		for _, n := range p.cfg.Interfaces {
			switch {
			case !onHost[n]:
				missing = append(missing, n+": no such interface on this host")
			case !inDB[n]:
				missing = append(missing, n+": not in vnstat's database (add it with: vnstat --add -i "+n+")")
			default:
				names = append(names, n)
			}
		}
		if len(names) == 0 {
			return nil, nil, fmt.Errorf("no interface to report: %s", strings.Join(missing, "; "))
		}
		p.logChoice(names, "INTERFACES", nil, nil)
		return names, missing, nil
	}

	chosen, skipped := selectLinks(links)
	var notes []string
	for _, n := range chosen {
		if inDB[n] {
			names = append(names, n)
		} else {
			notes = append(notes, n+": physical NIC that vnstat does not track (add it with: vnstat --add -i "+n+")")
		}
	}
	for _, n := range dbNames {
		if !onHost[n] {
			notes = append(notes, n+": in vnstat's database but not on this host")
		}
	}
	p.logChoice(names, "automatic", skipped, notes)
	if len(names) == 0 {
		why := "no physical NIC found"
		if len(chosen) > 0 {
			why = "vnstat tracks none of the physical NICs " + strings.Join(chosen, ", ")
		}
		return nil, nil, fmt.Errorf("no interface to report: %s (vnstat's database has: %s; set INTERFACES to choose)",
			why, strings.Join(dbNames, ", "))
	}
	return names, nil, nil
}

// logChoice logs the interfaces chosen, and warnings about the others,
// when they differ from the previous poll's.
func (p *Poller) logChoice(names []string, how string, skipped []Skip, notes []string) {
	if choice := how + ":" + strings.Join(names, ","); choice != p.lastChoice {
		p.lastChoice = choice
		left := make([]string, 0, len(skipped))
		for _, s := range skipped {
			left = append(left, s.Name+" ("+s.Reason+")")
		}
		p.logger.Info("interfaces chosen", "how", how, "interfaces", names, "left_out", left)
	}
	if joined := strings.Join(notes, "\n"); joined != p.lastNotes {
		p.lastNotes = joined
		for _, n := range notes {
			p.logger.Warn("interface not reported", "note", n)
		}
	}
}

// total sums the daily rows of the named interfaces over the cycle. A sum
// that misses days at the cycle's start although vnstat tracked the
// interface before is Incomplete; with whole set, so is one whose interface
// vnstat began to track after the cycle started.
func total(report *vnstatsrc.Report, names []string, cycle Cycle, whole bool) (*Result, error) {
	res := &Result{Cycle: cycle}
	for _, iface := range report.Interfaces {
		if !slices.Contains(names, iface.Name) {
			continue
		}
		t := IfaceTotal{Name: iface.Name, Updated: iface.Updated}
		var first time.Time
		for _, d := range iface.Days {
			if d.Date.Before(cycle.Start) || d.Date.After(cycle.Today) {
				continue
			}
			if first.IsZero() {
				first = d.Date
			}
			var c1, c2 uint64
			t.InBytes, c1 = bits.Add64(t.InBytes, d.RX, 0)
			t.OutBytes, c2 = bits.Add64(t.OutBytes, d.TX, 0)
			if c1|c2 != 0 {
				return nil, errors.New("summing vnstat's daily rows: total exceeds 2^64 bytes")
			}
		}
		if iface.Created.Before(cycle.Start) && (first.IsZero() || first.After(cycle.Start)) {
			since := "it has no daily rows in the cycle"
			if !first.IsZero() {
				since = "its daily rows start on " + first.Format(DateFormat)
			}
			res.Incomplete = append(res.Incomplete, fmt.Sprintf(
				"%s: vnstat tracks it since %s, but %s (cycle start %s; vnstat's DailyDays too small, or vnstatd was not running)",
				iface.Name, iface.Created.Format(DateFormat), since, cycle.Start.Format(DateFormat)))
		} else if whole && iface.Created.After(cycle.Start) {
			res.Incomplete = append(res.Incomplete, fmt.Sprintf(
				"%s: vnstat began to track it on %s, after the cycle start %s",
				iface.Name, iface.Created.Format(DateFormat), cycle.Start.Format(DateFormat)))
		}
		var c1, c2 uint64
		res.InBytes, c1 = bits.Add64(res.InBytes, t.InBytes, 0)
		res.OutBytes, c2 = bits.Add64(res.OutBytes, t.OutBytes, 0)
		if c1|c2 != 0 {
			return nil, errors.New("summing vnstat's daily rows: total exceeds 2^64 bytes")
		}
		if iface.Updated.After(res.UpdatedAt) {
			res.UpdatedAt = iface.Updated
		}
		res.Interfaces = append(res.Interfaces, t)
	}
	slices.SortFunc(res.Interfaces, func(a, b IfaceTotal) int { return strings.Compare(a.Name, b.Name) })
	return res, nil
}
