package traffic

import (
	"fmt"
	"strings"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
)

// Result is the outcome of a good poll: the cycle's totals.
type Result struct {
	// Totals are the current cycle's, through today.
	Totals
	// Previous is the whole cycle before this one, from the same poll; its
	// Incomplete problems say why its sums cannot be trusted, if they
	// cannot, and Settled whether vnstat's rows hold all of it.
	Previous *Totals
	// Earlier are the whole cycles before Previous that vnstat's daily
	// rows reach (DailyDays), newest first, at most MaxEarlier.
	Earlier []*Totals
	// UpdatedAt is vnstat's newest save among the reported interfaces.
	UpdatedAt time.Time
	// PolledAt is when the poll ran.
	PolledAt time.Time
	// Zone is the time zone vnstat writes its dates in (UTC with UseUTC):
	// the cycle's days begin at midnight in it (see Midnight). Nil is the
	// zone of PolledAt.
	Zone *time.Location
}

// Totals are one cycle's traffic over the reported interfaces, as vnstat
// saved it plus, while it counts, the live part.
type Totals struct {
	// Cycle is the billing cycle the totals are for; they run from
	// Cycle.Start through Cycle.Today.
	Cycle billing.Cycle
	// InBytes and OutBytes are the sums over Interfaces.
	InBytes, OutBytes uint64
	// LiveInBytes and LiveOutBytes are the part of InBytes and OutBytes
	// that the kernel counted since vnstat's last save.
	LiveInBytes, LiveOutBytes uint64
	// LiveAsOf is when the kernel's counters were read for the live part;
	// zero without one.
	LiveAsOf time.Time
	// Interfaces are the reported interfaces with their own sums, by name.
	Interfaces []IfaceTotal
	// Problems are what is wrong with the totals: sums that miss days
	// (Incomplete), interfaces named in INTERFACES that cannot be reported
	// (InterfaceMissing), parts left out (InterfaceAbsent,
	// ForeignNamespace, ZoneMismatch), a stalled vnstatd (VnstatdStalled).
	Problems []Problem
	// Usage is the cycle's traffic counted against the quota.
	Usage billing.Usage
	// Days are the cycle's days, Start through Today, each with what
	// vnstat saved for it over Interfaces (zero without a row); the live
	// part is not in them.
	Days []DayTotal
	// PeakDay is the day of the cycle with the most traffic (received +
	// sent over Interfaces, as vnstat saved it), zero when none;
	// PeakDayBytes is that traffic.
	PeakDay      time.Time
	PeakDayBytes uint64
	// Settled, for a cycle that has ended, reports that vnstat's rows hold
	// all of its traffic: vnstatd has saved, since the cycle ended, every
	// interface it can still be reading. Until then it may hold reads
	// from before the seam that it will file in the next cycle.
	Settled bool
}

// DayTotal is one day's traffic.
type DayTotal struct {
	// Date is the civil date, midnight UTC.
	Date              time.Time
	InBytes, OutBytes uint64
}

// MaxEarlier bounds the cycles before the previous one that a Result
// holds.
const MaxEarlier = 12

// IfaceTotal is one interface's traffic in the cycle.
type IfaceTotal struct {
	Name              string
	InBytes, OutBytes uint64
	// LiveInBytes and LiveOutBytes are the part counted by the kernel
	// since vnstat's last save.
	LiveInBytes, LiveOutBytes uint64
	// Updated is when vnstat last saved this interface; Created when it
	// began to track it.
	Updated, Created time.Time
	// LifetimeInBytes and LifetimeOutBytes are vnstat's lifetime totals
	// plus the live part: counters that only go up while vnstat keeps the
	// interface (the same Created). Where that sum falls (the live part is
	// lost: a link recreated or a reboot before vnstatd's save, a burst
	// vnstatd drops), the last figure published is held until the sum
	// passes it again.
	LifetimeInBytes, LifetimeOutBytes uint64
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

// Day is what vnstat saved for date (a civil date) over the interfaces,
// from the current cycle's days or the previous cycle's; false for a
// day in neither.
func (r *Result) Day(date time.Time) (DayTotal, bool) {
	days := r.Days
	if r.Previous != nil && date.Before(r.Cycle.Start) {
		days = r.Previous.Days
	}
	for _, d := range days {
		if d.Date.Equal(date) {
			return d, true
		}
	}
	return DayTotal{}, false
}

// CountingSince reports a cycle vnstat has not counted from its start: when
// the latest of the reported interfaces began to be tracked after the
// cycle began, it returns that time and the interfaces tracked since after
// the cycle's start, by name; else the zero time and nil. Traffic before
// then is in no total (USED_OFFSET or a calibration adds it to the usage).
func (r *Result) CountingSince() (time.Time, []string) {
	return r.Totals.CountingSinceIn(r.Location())
}

// CountingSinceIn is CountingSince for totals whose dates are in loc.
func (r *Totals) CountingSinceIn(loc *time.Location) (time.Time, []string) {
	start := billing.Midnight(r.Cycle.Start, loc)
	var since time.Time
	var names []string
	for _, i := range r.Interfaces {
		if i.Created.After(start) {
			names = append(names, i.Name)
			if i.Created.After(since) {
				since = i.Created
			}
		}
	}
	return since, names
}

// Location is the zone the cycle's dates are in: Zone, or PolledAt's.
func (r *Result) Location() *time.Location {
	if r.Zone != nil {
		return r.Zone
	}
	return r.PolledAt.Location()
}

// PartialNote says, in a line for /health and the webhook, that vnstat has
// not counted the cycle from its start since since (what CountingSince
// returned, with names), and what to do; "" when names is empty.
func (r *Totals) PartialNote(since time.Time, names []string) string {
	if len(names) == 0 {
		return ""
	}
	note := fmt.Sprintf("vnstat began counting %s at %s, after this cycle began on %s: traffic before then is not in these totals",
		strings.Join(names, ", "), since.Format(time.RFC3339), r.Cycle.Start.Format(billing.DateFormat))
	switch u := r.Usage; {
	case u.Calibration != nil:
		return note + "; the usage includes it through the calibration"
	case u.OffsetBytes != 0:
		return note + "; the usage includes USED_OFFSET"
	}
	return note + "; to count it against the quota, set USED_OFFSET (with USED_OFFSET_CYCLE=" + r.Cycle.Start.Format(billing.DateFormat) + ") to what the provider counted before, or run vnstat-exporter calibrate with the provider's usage"
}
