package alert

import (
	"fmt"
	"maps"
	"math/bits"
	"slices"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// Kind is what happened.
type Kind string

// The kinds of events.
const (
	// Threshold: the cycle's usage crossed a percentage of the quota.
	Threshold Kind = "threshold"
	// Projection: at its pace so far, the cycle will use more than the
	// quota.
	Projection Kind = "projection"
	// NewCycle: a cycle ended; the event sums it up.
	NewCycle Kind = "new_cycle"
	// ProblemKind: a counting problem has lasted the grace period, or is
	// still there (a reminder).
	ProblemKind Kind = "problem"
	// Recovered: a problem that was reported has gone.
	Recovered Kind = "recovered"
	// Report: the daily report.
	Report Kind = "report"
	// WeeklyReport: the weekly report (REPORT_WEEKLY).
	WeeklyReport Kind = "weekly_report"
	// CycleReport: the report some days before the reset
	// (REPORT_BEFORE_RESET).
	CycleReport Kind = "cycle_report"
	// Test: the message of vnstat-exporter notify-test.
	Test Kind = "test"
)

// Event is one thing to tell the owner, with the numbers it is about.
type Event struct {
	// Key identifies the event: two events with one key are one event.
	Key  string    `json:"key"`
	Kind Kind      `json:"kind"`
	At   time.Time `json:"at"`
	// Threshold is the percentage crossed (Threshold events).
	Threshold int `json:"threshold,omitempty"`
	// Cycle's numbers: the cycle the event is about (for NewCycle, the
	// one that ended).
	CycleStart     string   `json:"cycle_start,omitempty"`
	ResetsOn       string   `json:"resets_on,omitempty"`
	DaysLeft       int      `json:"days_left,omitempty"`
	Mode           string   `json:"mode,omitempty"`
	UsedBytes      uint64   `json:"used_bytes"`
	LimitBytes     uint64   `json:"limit_bytes,omitempty"`
	ProjectedBytes uint64   `json:"projected_bytes,omitempty"`
	Interfaces     []string `json:"interfaces,omitempty"`
	// PeakDay and PeakDayBytes: the busiest day (NewCycle).
	PeakDay      string `json:"peak_day,omitempty"`
	PeakDayBytes uint64 `json:"peak_day_bytes,omitempty"`
	// Incomplete says vnstat lacks days of the cycle: the sums are short.
	Incomplete bool `json:"incomplete,omitempty"`
	// Problem events: the problem's kind, interface and detail, since when
	// it has lasted, and which reminder this is (0 for the first message).
	Problem   traffic.Kind `json:"problem,omitempty"`
	Interface string       `json:"interface,omitempty"`
	Detail    string       `json:"detail,omitempty"`
	Since     time.Time    `json:"since,omitzero"`
	Reminder  int          `json:"reminder,omitempty"`
	// Until is when a recovered problem was last seen gone (Recovered).
	Until time.Time `json:"until,omitzero"`
	// Status is /health's status (Report events); Problems its problems'
	// kinds.
	Status   traffic.Status `json:"status,omitempty"`
	Problems []traffic.Kind `json:"problems,omitempty"`
	// Week is each day of the week a weekly report is about, oldest
	// first.
	Week []DayBytes `json:"week,omitempty"`
	// ElapsedPercent is the share of the cycle gone at At (the weekly
	// and the cycle report), for the pace.
	ElapsedPercent float64 `json:"elapsed_percent,omitempty"`
	// Due is when a report was due; Late says it went more than
	// ReportLateAfter after.
	Due  time.Time `json:"due,omitzero"`
	Late bool      `json:"late,omitempty"`
}

// Percent is the usage as a percentage of the limit, 0 without one.
func (e Event) Percent() float64 {
	if e.LimitBytes == 0 {
		return 0
	}
	return float64(e.UsedBytes) * 100 / float64(e.LimitBytes)
}

// ProjectedPercent is the projection as a percentage of the limit.
func (e Event) ProjectedPercent() float64 {
	if e.LimitBytes == 0 {
		return 0
	}
	return float64(e.ProjectedBytes) * 100 / float64(e.LimitBytes)
}

// Actionable reports whether the event runs ALERT_COMMAND and goes to the
// spool: every event but a problem's reminders and the test.
func (e Event) Actionable() bool {
	return e.Kind != Test && !(e.Kind == ProblemKind && e.Reminder > 0)
}

// Rules are the settings that decide which events there are.
type Rules struct {
	// Thresholds are the percentages of the quota that alert, ascending.
	Thresholds []int
	// Grace is how long a problem must last before it is reported.
	Grace time.Duration
	// SummaryAfter is how long the clock must stay in a new cycle before
	// the one that ended is summed up (new_cycle): a clock set a day ahead
	// for a minute (a bad real-time clock before NTP corrects it) ends no
	// cycle. SUMMARY_AFTER; DefaultSummaryAfter by default.
	SummaryAfter time.Duration
	// ReportAt is the time of day of the daily report, minutes after
	// midnight; negative for none. The weekly and the cycle report go at
	// it too.
	ReportAt int
	// Weekly is the day of the weekly report, 1 Monday to 7 Sunday; 0
	// for none.
	Weekly int
	// BeforeReset is how many days before the reset the cycle report
	// goes; 0 for none.
	BeforeReset int
	// Interval is the poll interval, for traffic.Judge.
	Interval time.Duration
}

// ProjectionAfter is the share of a cycle that must have passed before a
// projected overrun is reported: before it, a busy first day would
// project far beyond any quota.
const ProjectionAfter = 0.2

// Reminders of a problem that lasts come after ReminderFirst, then at
// doubling intervals up to ReminderMax.
const (
	ReminderFirst = 15 * time.Minute
	ReminderMax   = 24 * time.Hour
)

// RecoverAfter is how long a problem that was told must stay away before
// its recovery is told: a check that misses it once (the first check after
// a restart, before the kernel's counters were sampled) is no recovery.
const RecoverAfter = time.Minute

// notified are the problem kinds that are reported: those that make the
// numbers unusable, and those that leave a part out for a reason the
// owner must fix. Incomplete (vnstat installed mid-cycle) and
// InterfaceAbsent (a link that comes and goes) are not.
func notified(k traffic.Kind) bool {
	return k.Fatal() || k == traffic.ZoneMismatch || k == traffic.ForeignNamespace
}

// State is what has been decided and sent, kept in STATE_DIR.
type State struct {
	// Version of the file's format.
	Version int `json:"version"`
	// Cycle is the start of the cycle the marks below are for.
	Cycle string `json:"cycle"`
	// Thresholds are those reported in Cycle.
	Thresholds []int `json:"thresholds_sent"`
	// Projection says the overrun was reported in Cycle.
	Projection bool `json:"projection_sent"`
	// Closing is the start of the cycle that ended and whose summary
	// waits for vnstatd to save in the new one (see monitor's
	// Result.Settled) and for the clock to stay in it (Rules.SummaryAfter); ""
	// when none waits.
	Closing string `json:"closing,omitempty"`
	// Entered is when the clock was first seen in Cycle.
	Entered time.Time `json:"entered,omitzero"`
	// Closed says the summary of the cycle before Cycle was sent.
	Closed bool `json:"closed,omitempty"`
	// Other are the marks of the cycles before and after Cycle that the
	// clock was in, by start (at most MaxOtherCycles): a clock set back
	// to a cycle, or forward again, finds what was sent in it, so each
	// threshold goes once per cycle and nothing twice.
	Other map[string]Marks `json:"other_cycles,omitempty"`
	// ReportDate is the local date of the last daily report.
	ReportDate string `json:"report_date,omitempty"`
	// WeeklyDate is the local date of the last weekly report (or of the
	// one that was due when the state began).
	WeeklyDate string `json:"weekly_date,omitempty"`
	// CycleReport is the start of the cycle whose cycle report went (or
	// was due when the state began).
	CycleReport string `json:"cycle_report,omitempty"`
	// Problems are the counting problems seen, by key.
	Problems map[string]*ProblemState `json:"problems,omitempty"`
	// Outbox holds the events not yet done everywhere.
	Outbox []*Pending `json:"outbox"`
	// SpoolSeq is the sequence number of the last event spooled.
	SpoolSeq uint64 `json:"spool_seq,omitempty"`
}

// Marks are what was sent in a cycle other than State.Cycle.
type Marks struct {
	Thresholds []int `json:"thresholds_sent,omitempty"`
	Projection bool  `json:"projection_sent,omitempty"`
	Closed     bool  `json:"closed,omitempty"`
}

// MaxOtherCycles bounds State.Other.
const MaxOtherCycles = 4

// DefaultSummaryAfter is SUMMARY_AFTER's default (see Rules).
const DefaultSummaryAfter = 10 * time.Minute

// enter makes cycle st's current one at now: the marks of the one it
// leaves go to Other, those of cycle come from there. Going forward, the
// cycle before cycle waits for its summary unless it was sent; going
// back, nothing waits.
func (st *State) enter(cycle, previous string, now time.Time) {
	if st.Cycle != "" {
		if st.Other == nil {
			st.Other = map[string]Marks{}
		}
		st.Other[st.Cycle] = Marks{Thresholds: st.Thresholds, Projection: st.Projection, Closed: st.Closed}
	}
	forward := cycle > st.Cycle
	m := st.Other[cycle]
	delete(st.Other, cycle)
	st.Cycle, st.Thresholds, st.Projection, st.Closed, st.Entered = cycle, slices.Clone(m.Thresholds), m.Projection, m.Closed, now
	st.Closing = ""
	if forward && !st.Closed {
		st.Closing = previous
	}
	for len(st.Other) > MaxOtherCycles {
		delete(st.Other, slices.Min(slices.Collect(maps.Keys(st.Other))))
	}
}

// StateVersion is the format of State written now. Version 1 kept, for
// each pending event, the channels still to send to; version 2 keeps
// those it was sent to.
const StateVersion = 2

// ProblemState tracks one problem.
type ProblemState struct {
	Kind      traffic.Kind `json:"kind"`
	Interface string       `json:"interface,omitempty"`
	Detail    string       `json:"detail"`
	// Since is when it was first seen.
	Since time.Time `json:"since"`
	// Reported is when it was last reported, zero before the first time.
	Reported time.Time `json:"reported,omitzero"`
	// Reminders counts the reminders sent.
	Reminders int `json:"reminders,omitempty"`
	// Gone is when a problem that was told was first missed, zero while
	// it is there.
	Gone time.Time `json:"gone,omitzero"`
}

// Input is what Evaluate judges.
type Input struct {
	// State is the poller's state.
	State *traffic.State
	// Now is the time, in the local zone (the zone of the cycle's dates
	// and of REPORT_AT).
	Now time.Time
}

// Evaluate decides which events st and in make and returns st with its
// marks updated (its outbox as it was) and the events in order; it
// changes nothing it is given. Usage events need a result without a fatal
// problem: numbers that cannot be trusted alert nobody, the problem itself
// is reported instead.
func Evaluate(st State, in Input, r Rules) (State, []Event) {
	if in.State == nil || in.State.LastPoll.IsZero() {
		// Nothing has been read yet: no verdict on anything.
		return st, nil
	}
	st = st.marksCloned()
	evs := evaluate(&st, in, r)
	return st, evs
}

// marksCloned is st with copies of the marks Evaluate changes.
func (st State) marksCloned() State {
	st.Thresholds = slices.Clone(st.Thresholds)
	st.Other = maps.Clone(st.Other)
	if st.Problems != nil {
		ps := make(map[string]*ProblemState, len(st.Problems))
		for k, p := range st.Problems {
			c := *p
			ps[k] = &c
		}
		st.Problems = ps
	}
	return st
}

// evaluate is Evaluate on st, a copy of the caller's.
func evaluate(st *State, in Input, r Rules) []Event {
	h := traffic.Judge(in.State, in.Now, r.Interval)
	var evs []Event
	res := in.State.Result
	if res != nil && h.Status != traffic.Failing {
		evs = append(evs, usageEvents(st, res, in.Now, r)...)
	}
	evs = append(evs, problemEvents(st, h, in.Now, r)...)
	return append(evs, reportEvents(st, in, h, r)...)
}

// usageEvents are the events of the cycle's usage: a new cycle, a
// threshold, a projected overrun.
func usageEvents(st *State, res *traffic.Result, now time.Time, r Rules) []Event {
	var evs []Event
	cycle := res.Cycle.Start.Format(billing.DateFormat)
	switch {
	case st.Cycle == "":
		// The first run: nothing ended that we saw begin.
		st.Cycle, st.Entered = cycle, now
	case cycle != st.Cycle:
		previous := ""
		if res.Previous != nil {
			previous = res.Previous.Cycle.Start.Format(billing.DateFormat)
		}
		st.enter(cycle, previous, now)
	}
	// The summary of the cycle that ended tells what vnstat records for
	// it: it waits until vnstatd has saved in the new cycle, and until the
	// clock has stayed in it for r.SummaryAfter.
	if prev := res.Previous; st.Closing != "" && prev != nil && prev.Settled && now.Sub(st.Entered) >= r.SummaryAfter &&
		prev.Cycle.Start.Format(billing.DateFormat) == st.Closing {
		st.Closing, st.Closed = "", true
		ev := Event{Key: "new_cycle@" + prev.Cycle.Start.Format(billing.DateFormat), Kind: NewCycle, At: now,
			PeakDayBytes: prev.PeakDayBytes, Incomplete: len(prev.Details(traffic.Incomplete)) > 0}
		fill(&ev, prev, prev.Usage.SavedBytes())
		ev.DaysLeft = 0
		if !prev.PeakDay.IsZero() {
			ev.PeakDay = prev.PeakDay.Format(billing.DateFormat)
		}
		evs = append(evs, ev)
	}
	u := res.Usage
	if u.LimitBytes == 0 {
		return evs
	}
	// Judged and told on what vnstat has saved, not on the live part,
	// which vnstatd may never record: a threshold the live part crosses
	// is told at vnstatd's next save, and not at all if it stops first.
	crossed := 0
	for _, t := range r.Thresholds {
		if reached(u.SavedBytes(), u.LimitBytes, t) && !slices.Contains(st.Thresholds, t) {
			crossed = t
		}
	}
	if crossed > 0 {
		// Only the highest one crossed is told; the lower ones are done
		// with it.
		for _, t := range r.Thresholds {
			if t <= crossed && !slices.Contains(st.Thresholds, t) {
				st.Thresholds = append(st.Thresholds, t)
			}
		}
		slices.Sort(st.Thresholds)
		ev := Event{Key: fmt.Sprintf("threshold-%d@%s", crossed, cycle), Kind: Threshold, At: now, Threshold: crossed}
		fill(&ev, &res.Totals, u.SavedProjectedBytes())
		evs = append(evs, ev)
	}
	if !st.Projection && u.SavedProjectedBytes() > u.LimitBytes && u.SavedBytes() < u.LimitBytes && res.Cycle.Elapsed(now.In(res.Location())) >= ProjectionAfter {
		st.Projection = true
		ev := Event{Key: "projection@" + cycle, Kind: Projection, At: now}
		fill(&ev, &res.Totals, u.SavedProjectedBytes())
		evs = append(evs, ev)
	}
	return evs
}

// problemEvents tracks h's problems: one that has lasted the grace period
// is reported, reminded of at doubling intervals, and its end reported.
func problemEvents(st *State, h traffic.Health, now time.Time, r Rules) []Event {
	if st.Problems == nil {
		st.Problems = map[string]*ProblemState{}
	}
	var evs []Event
	seen := map[string]bool{}
	for _, p := range h.Problems {
		if !notified(p.Kind) {
			continue
		}
		key := string(p.Kind)
		if p.Interface != "" {
			key += ":" + p.Interface
		}
		seen[key] = true
		ps := st.Problems[key]
		if ps == nil {
			ps = &ProblemState{Kind: p.Kind, Interface: p.Interface, Since: now}
			st.Problems[key] = ps
		}
		ps.Gone = time.Time{}
		ev := Event{Key: "problem:" + key + "@" + ps.Since.UTC().Format(time.RFC3339), Kind: ProblemKind, At: now,
			Problem: p.Kind, Interface: p.Interface, Detail: p.Detail, Since: ps.Since}
		switch {
		case ps.Reported.IsZero() && now.Sub(ps.Since) >= r.Grace:
			ps.Reported, ps.Detail = now, p.Detail
			evs = append(evs, ev)
		case !ps.Reported.IsZero() && now.Sub(ps.Reported) >= reminderAfter(ps.Reminders):
			ps.Reported, ps.Detail = now, p.Detail
			ps.Reminders++
			ev.Reminder = ps.Reminders
			ev.Key += fmt.Sprintf("#%d", ps.Reminders)
			evs = append(evs, ev)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(st.Problems)) {
		ps := st.Problems[key]
		switch {
		case seen[key]:
		case ps.Reported.IsZero():
			// Never told: it goes without a word.
			delete(st.Problems, key)
		case ps.Gone.IsZero():
			ps.Gone = now
		case now.Sub(ps.Gone) >= RecoverAfter:
			delete(st.Problems, key)
			evs = append(evs, Event{Key: "recovered:" + key + "@" + ps.Since.UTC().Format(time.RFC3339), Kind: Recovered, At: now,
				Problem: ps.Kind, Interface: ps.Interface, Detail: ps.Detail, Since: ps.Since, Until: ps.Gone})
		}
	}
	return evs
}

// reminderAfter is the wait before reminder n+1: ReminderFirst doubled n
// times, at most ReminderMax.
func reminderAfter(n int) time.Duration {
	return doubled(ReminderFirst, n, ReminderMax)
}

// fill copies res's numbers into ev, with projected as the projection.
func fill(ev *Event, res *traffic.Totals, projected uint64) {
	u := res.Usage
	ev.CycleStart = res.Cycle.Start.Format(billing.DateFormat)
	ev.ResetsOn = res.Cycle.Next.Format(billing.DateFormat)
	ev.DaysLeft = int(res.Cycle.Next.Sub(res.Cycle.Today) / (24 * time.Hour))
	ev.Mode = u.Mode
	ev.UsedBytes, ev.LimitBytes, ev.ProjectedBytes = u.SavedBytes(), u.LimitBytes, projected
	for _, i := range res.Interfaces {
		ev.Interfaces = append(ev.Interfaces, i.Name)
	}
}

// reached reports whether used is at least pct percent of limit, exactly:
// used*100 >= limit*pct in 128 bits.
func reached(used, limit uint64, pct int) bool {
	uh, ul := bits.Mul64(used, 100)
	lh, ll := bits.Mul64(limit, uint64(pct))
	return uh > lh || (uh == lh && ul >= ll)
}
