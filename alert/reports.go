package alert

import (
	"slices"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/config"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// ReportLateAfter is how long after its time a report goes before it
// says it is late: it was due while the daemon was not running, or had
// no numbers to give.
const ReportLateAfter = 30 * time.Minute

// DayBytes is one day's traffic in a report.
type DayBytes struct {
	Date     string `json:"date"`
	InBytes  uint64 `json:"in_bytes"`
	OutBytes uint64 `json:"out_bytes"`
	// Missing says the day is in none of vnstat's daily rows read.
	Missing bool `json:"missing,omitempty"`
}

// reportEvents are the reports due at in.Now: the daily report at
// REPORT_AT, the weekly report on its day at REPORT_AT, the cycle report
// REPORT_BEFORE_RESET days before the reset at REPORT_AT. Each goes once
// for its day (or cycle), the first time the state is judged after its
// time; one that was due while the daemon was not running goes when it
// starts, said to be late. The weekly report waits for vnstatd to have
// saved since the week ended (its last day is whole); the cycle report
// waits for numbers that can be trusted.
func reportEvents(st *State, in Input, h traffic.Health, r Rules) []Event {
	if r.ReportAt < 0 {
		return nil
	}
	now := in.Now
	loc := now.Location()
	today := billing.DateOf(now)
	res := in.State.Result
	good := res != nil && h.Status != traffic.Failing
	// report is an event of kind for the day its time is due at.
	report := func(kind Kind, key string, due time.Time) Event {
		ev := Event{Key: key, Kind: kind, At: now, Status: h.Status, Due: due, Late: now.Sub(due) > ReportLateAfter}
		for _, p := range h.Problems {
			if !slices.Contains(ev.Problems, p.Kind) {
				ev.Problems = append(ev.Problems, p.Kind)
			}
		}
		return ev
	}
	var evs []Event
	day := today.Format(billing.DateFormat)
	if due := dueAt(today, r.ReportAt, loc); !now.Before(due) && st.ReportDate != day {
		st.ReportDate = day
		ev := report(Report, "report@"+day, due)
		if good {
			fill(&ev, &res.Totals, res.Usage.ProjectedBytes)
		}
		evs = append(evs, ev)
	}
	if r.Weekly > 0 {
		// The latest day of the report whose time has come.
		d := today
		for config.ISOWeekday(d.Weekday()) != r.Weekly {
			d = d.AddDate(0, 0, -1)
		}
		due := dueAt(d, r.ReportAt, loc)
		if now.Before(due) {
			d = d.AddDate(0, 0, -7)
			due = dueAt(d, r.ReportAt, loc)
		}
		date := d.Format(billing.DateFormat)
		switch {
		case st.WeeklyDate >= date:
			// Sent.
		case st.WeeklyDate == "" && !d.Equal(today):
			// The first run: no report was missed that was known of.
			st.WeeklyDate = date
		case good && res.UpdatedAt.Before(billing.Midnight(d, res.Location())):
			// vnstatd has not saved since the week ended.
		default:
			st.WeeklyDate = date
			ev := report(WeeklyReport, "weekly_report@"+date, due)
			if good {
				fill(&ev, &res.Totals, res.Usage.SavedProjectedBytes())
				ev.Week = week(res, d)
				ev.ElapsedPercent = 100 * res.Cycle.Elapsed(now.In(res.Location()))
			}
			evs = append(evs, ev)
		}
	}
	if r.BeforeReset > 0 && good {
		c := res.Cycle
		d := c.Next.AddDate(0, 0, -r.BeforeReset)
		due := dueAt(d, r.ReportAt, loc)
		cycle := c.Start.Format(billing.DateFormat)
		switch {
		case now.Before(due) || st.CycleReport >= cycle:
		case st.CycleReport == "" && !d.Equal(today):
			st.CycleReport = cycle
		default:
			st.CycleReport = cycle
			ev := report(CycleReport, "cycle_report@"+cycle, due)
			fill(&ev, &res.Totals, res.Usage.SavedProjectedBytes())
			ev.ElapsedPercent = 100 * c.Elapsed(now.In(res.Location()))
			evs = append(evs, ev)
		}
	}
	return evs
}

// dueAt is mins after midnight on the civil date d in loc: a time the
// clocks skip is moved on by the jump (time.Date's normalisation), and of
// a time that comes twice, the first.
func dueAt(d time.Time, mins int, loc *time.Location) time.Time {
	y, m, day := d.Date()
	t := time.Date(y, m, day, mins/60, mins%60, 0, 0, loc)
	for _, back := range []time.Duration{3 * time.Hour, 2 * time.Hour, time.Hour, 30 * time.Minute} {
		if u := t.Add(-back); u.Format(time.DateTime) == t.Format(time.DateTime) {
			return u
		}
	}
	return t
}

// week is the seven days before d with what vnstat saved for each.
func week(res *traffic.Result, d time.Time) []DayBytes {
	var out []DayBytes
	for i := 7; i >= 1; i-- {
		date := d.AddDate(0, 0, -i)
		t, ok := res.Day(date)
		out = append(out, DayBytes{Date: date.Format(billing.DateFormat), InBytes: t.InBytes, OutBytes: t.OutBytes, Missing: !ok})
	}
	return out
}
