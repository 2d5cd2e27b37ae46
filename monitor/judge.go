package monitor

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// Pure judgements on what vnstat's database says, each with the reason a
// person can act on.

// zoneTolerance is how far vnstat's newest `updated` may lie from the
// database's modification time, after the zone offset, for the pair to be
// read as one save; vnstatd writes the time of its last read of the
// counters, seconds before the save.
const zoneTolerance = 2 * time.Minute

// vnstatOffset infers the UTC offset of the clock vnstatd writes times
// with, from the newest `updated` wall reading and the database file's
// modification time (the kernel's clock). ok is false when the two cannot
// be from one save: no interface, or a difference that is no whole quarter
// hour off UTC.
func vnstatOffset(snap *Snapshot) (offset time.Duration, ok bool) {
	raw, ok := rawOffset(snap)
	if !ok {
		return 0, false
	}
	offset = raw.Round(15 * time.Minute)
	if d := raw - offset; d < -zoneTolerance || d > zoneTolerance || offset < -12*time.Hour || offset > 14*time.Hour {
		return 0, false
	}
	return offset, true
}

// rawOffset is the newest `updated` wall reading less the database file's
// modification time; ok is false without either.
func rawOffset(snap *Snapshot) (time.Duration, bool) {
	var newest Wall
	for _, i := range snap.Interfaces {
		if i.Updated.After(newest.Time) {
			newest = i.Updated
		}
	}
	if newest.IsZero() || snap.ModTime.IsZero() {
		return 0, false
	}
	return newest.Sub(snap.ModTime.UTC().Truncate(time.Second)), true
}

// writesIn reports whether snap's last save was written at loc's offset,
// whatever that offset (a zone's local mean time is no quarter hour).
func writesIn(snap *Snapshot, loc *time.Location) bool {
	raw, ok := rawOffset(snap)
	_, own := snap.ModTime.In(loc).Zone()
	d := raw - time.Duration(own)*time.Second
	return ok && d >= -zoneTolerance && d <= zoneTolerance
}

// formatOffset writes an offset as UTC+08:00.
func formatOffset(d time.Duration) string {
	sign := '+'
	if d < 0 {
		sign, d = '-', -d
	}
	return fmt.Sprintf("UTC%c%02d:%02d", sign, int(d.Hours()), int(d.Minutes())%60)
}

// zoneMismatch describes a vnstatd that writes times at offset while this
// process's zone loc is at another at instant at, or returns "".
func zoneMismatch(offset time.Duration, loc *time.Location, at time.Time) string {
	_, own := at.In(loc).Zone()
	if time.Duration(own)*time.Second == offset {
		return ""
	}
	return fmt.Sprintf("time zone mismatch: vnstatd writes its times at %s, this process's zone (%s) is at %s; "+
		"the billing day is taken at vnstatd's offset and the live part is off; "+
		"fix: give this process vnstatd's zone (TZ=... or mount the host's /etc/localtime)",
		formatOffset(offset), loc, formatOffset(time.Duration(own)*time.Second))
}

// foreignNamespace says why the links this process sees are not the
// host's, or returns "": INTERFACES names links, yet the namespace has no
// physical NIC and none of the named links is anything but a veth (the
// view from a bridge-network container).
func foreignNamespace(links []Link, named []string) string {
	if len(named) == 0 {
		return ""
	}
	if chosen, _ := selectLinks(links); len(chosen) > 0 {
		return ""
	}
	byName := make(map[string]Link, len(links))
	for _, l := range links {
		byName[l.Name] = l
	}
	var seen []string
	for _, n := range named {
		l, ok := byName[n]
		if ok && l.Kind != "veth" {
			return ""
		}
		if ok {
			seen = append(seen, n+" is a veth")
		} else {
			seen = append(seen, n+" is absent")
		}
	}
	return "this process is not in the host's network namespace (it has no physical NIC; " + strings.Join(seen, ", ") +
		"): totals are vnstat's saved rows without the live part; for the live part set NETNS_PATH to the host's namespace " +
		"(e.g. /proc/1/ns/net with pid: host) or use host networking"
}

// savedState is what the poll knows of an interface's saved counters.
type savedState struct {
	RX, TX uint64
	// Updated is the instant of the save.
	Updated time.Time
	// Why, when set, is why the counters cannot be the base of a live
	// top-up.
	Why string
	// Age is how long ago the save was made, on the monotonic clock (see
	// Poller.aged); Ahead, when set, says that the save is dated ahead of
	// the clock.
	Age   time.Duration
	Ahead string
}

// judgeSaved reads an interface's saved counters in zone loc, written to
// the database by written, and says whether vnstatd recorded them from
// this boot's kernel counters. The interface's Days must have been read.
func judgeSaved(i Interface, snapBoot, boot, written time.Time, variation time.Duration, loc *time.Location) savedState {
	// `vnstat --add` writes 0/0 with created = updated and no row;
	// vnstatd's first save of an idle interface writes the same counters,
	// but with a row for the day (TrafficlessEntries).
	added := i.RXCounter == 0 && i.TXCounter == 0 && i.Updated == i.Created &&
		!slices.ContainsFunc(i.Days, func(d Day) bool { return d.Date.Equal(i.Updated.Date()) })
	s := savedState{RX: i.RXCounter, TX: i.TXCounter, Updated: i.Updated.Written(loc, written)}
	switch {
	case snapBoot.IsZero():
		s.Why = "vnstatd has never run on this database (no boot time in it)"
	case !boot.IsZero() && (snapBoot.Sub(boot) > variation || boot.Sub(snapBoot) > variation):
		s.Why = fmt.Sprintf("vnstatd has not run since the host booted (its boot time %s, the host's %s)",
			snapBoot.Format(time.RFC3339), boot.Format(time.RFC3339))
	case s.Updated.Before(boot):
		s.Why = "vnstat has not saved since the host booted"
	case added:
		s.Why = "vnstat holds no kernel counters for it yet (added with vnstat --add, not yet saved by vnstatd)"
	}
	return s
}

// coverage is which days of a cycle an interface's rows must cover.
type coverage int

const (
	sinceTracked coverage = iota // from the cycle's start or the day vnstat began to track it, whichever is later
	wholeCycle                   // from the cycle's start
)

// gaps says why an interface's rows do not cover the days of cycle c that
// need says (through c.Today, but not beyond today or vnstat's last
// save), or returns "".
func gaps(i Interface, c billing.Cycle, today time.Time, vc VnstatConfig, need coverage) string {
	created := i.Created.Date()
	from := c.Start
	if created.After(from) {
		if need == wholeCycle {
			return fmt.Sprintf("%s: vnstat began to track it on %s, after the cycle start %s",
				i.Name, created.Format(billing.DateFormat), c.Start.Format(billing.DateFormat))
		}
		from = created
	}
	last := c.Today
	if today.Before(last) {
		last = today
	}
	check := from
	if from.Equal(created) {
		// vnstatd writes the first row at its first save, which may fall
		// on the next day.
		check = from.AddDate(0, 0, 1)
	}
	switch {
	case vc.DailyDays == 0:
		return i.Name + ": vnstat keeps no daily rows (DailyDays 0 in vnstat.conf)"
	case vc.DailyDays > 0:
		// vnstatd deletes rows dated before today minus DailyDays.
		if kept := today.AddDate(0, 0, -vc.DailyDays); from.Before(kept) {
			return fmt.Sprintf("%s: vnstat keeps %d days of daily rows (DailyDays), so rows before %s are gone (cycle start %s)",
				i.Name, vc.DailyDays, kept.Format(billing.DateFormat), c.Start.Format(billing.DateFormat))
		}
	}
	if !vc.TrafficlessEntries || i.Updated == i.Created {
		// An idle day has no row, and an interface vnstatd has not saved
		// yet has none at all: a missing row is not a gap.
		return ""
	}
	// vnstatd files a read under the time of its read before, which can
	// be UpdateInterval + PollInterval earlier: a save made just after
	// midnight may not have written its own day's row yet.
	if u := (Wall{i.Updated.Add(-(vc.UpdateInterval + vc.PollInterval))}).Date(); u.Before(last) {
		last = u
	}
	have := make(map[time.Time]bool, len(i.Days))
	for _, d := range i.Days {
		have[d.Date] = true
	}
	var missing []string
	n := 0
	for d := check; !d.After(last); d = d.AddDate(0, 0, 1) {
		if !have[d] {
			n++
			if len(missing) < 3 {
				missing = append(missing, d.Format(billing.DateFormat))
			}
		}
	}
	if n == 0 {
		return ""
	}
	list := strings.Join(missing, ", ")
	if n > len(missing) {
		list += fmt.Sprintf(" and %d more", n-len(missing))
	}
	return fmt.Sprintf("%s: vnstat has no row for %d day(s) of the cycle (%s); with TrafficlessEntries 1 vnstatd writes one for every day it runs, so it was not running",
		i.Name, n, list)
}

// settled reports whether vnstatd has saved, since start, every interface
// of ifaces it can still be reading: those whose link is on the host, or
// all of them when the host's links are not known (known false).
// vnstatd does not read, nor move the save time of, an interface whose
// link is gone, so that one is not waited for; a read vnstatd held from
// before the link went still reaches the rows at its next save, unseen
// here.
func settled(ifaces []traffic.IfaceTotal, links []Link, known bool, start time.Time) bool {
	for _, i := range ifaces {
		if !i.Updated.Before(start) {
			continue
		}
		if !known || slices.ContainsFunc(links, func(l Link) bool { return l.Name == i.Name }) {
			return false
		}
	}
	return true
}
