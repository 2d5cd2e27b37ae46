package alert

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// dayIn and dayOut are the bytes a day's row holds in reportResult: each
// day of the year its own.
func dayIn(d time.Time) uint64  { return uint64(d.YearDay())*1_000_000 + 7 }
func dayOut(d time.Time) uint64 { return uint64(d.YearDay())*100_000 + 3 }

// reportResult is a good poll at now (in its zone) of a cycle starting on
// startDay, with a row for each day of it and of the cycle before, a
// quota of 100 GB, and vnstatd's last save at saved.
func reportResult(now time.Time, startDay int, saved time.Time) *traffic.State {
	res := testrig.Result(now, startDay, billing.Quota{Limit: 100_000_000_000}, func(d time.Time) (uint64, uint64) { return dayIn(d), dayOut(d) }, 0, 0)
	res.UpdatedAt = saved
	return &traffic.State{Result: res, LastPoll: now}
}

// restarted is st as a daemon that starts again reads it from STATE_DIR.
func restarted(t *testing.T, st State) State {
	t.Helper()
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var out State
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

type reportStep struct {
	name string
	now  time.Time
	// saved is vnstatd's last save; zero means now.
	saved time.Time
	// restart reads the state back as a new daemon would.
	restart bool
	want    []string
}

// runReports judges each step with startDay and r, and returns the events.
func runReports(t *testing.T, st *State, startDay int, r Rules, steps []reportStep) []Event {
	t.Helper()
	var all []Event
	for _, s := range steps {
		if s.restart {
			*st = restarted(t, *st)
		}
		saved := s.saved
		if saved.IsZero() {
			saved = s.now
		}
		evs := evaluateInto(st, Input{State: reportResult(s.now, startDay, saved), Now: s.now}, r)
		var keys []string
		for _, ev := range evs {
			if ev.Kind == WeeklyReport || ev.Kind == CycleReport {
				keys = append(keys, ev.Key)
				all = append(all, ev)
			}
		}
		if diff := cmp.Diff(s.want, keys); diff != "" {
			t.Errorf("%s (%s): reports (-want +got):\n%s", s.name, s.now, diff)
		}
	}
	return all
}

// TestWeeklyReportAcrossASeam: REPORT_WEEKLY=mon at 08:00 with cycles
// that reset on the 15th: the report of December 14-20 (December 14 is
// the previous cycle's last day) goes once, at 08:00 on Monday the 21st,
// with each day's row, the week's total, the cycle so far against the
// quota, the pace and the projection, numbers equal to the result's.
func TestWeeklyReportAcrossASeam(t *testing.T) {
	r := testRules
	r.ReportAt, r.Weekly = 8*60, 1
	at := func(d, h, m int) time.Time { return time.Date(2026, time.December, d, h, m, 0, 0, time.UTC) }
	var st State
	evs := runReports(t, &st, 15, r, []reportStep{
		{name: "first run, Sunday", now: at(13, 23, 0)},
		{name: "Monday before 08:00", now: at(14, 7, 59)},
		{name: "Monday 08:00", now: at(14, 8, 0), want: []string{"weekly_report@2026-12-14"}},
		{name: "Monday 09:00", now: at(14, 9, 0)},
		{name: "the seam", now: at(15, 0, 1)},
		{name: "Sunday night", now: at(20, 23, 59)},
		{name: "Monday 00:00, before vnstatd saved in it", now: at(21, 8, 0), saved: at(20, 23, 58)},
		{name: "Monday, vnstatd saved", now: at(21, 8, 1), want: []string{"weekly_report@2026-12-21"}},
		{name: "Monday later", now: at(21, 20, 0)},
		{name: "Tuesday", now: at(22, 8, 0)},
	})
	if len(evs) != 2 {
		t.Fatalf("%d weekly reports", len(evs))
	}
	ev := evs[1]
	res := reportResult(at(21, 8, 1), 15, at(21, 8, 1)).Result
	var wantDays []string
	var in, out uint64
	for d := time.Date(2026, time.December, 14, 0, 0, 0, 0, time.UTC); d.Day() <= 20; d = d.AddDate(0, 0, 1) {
		wantDays = append(wantDays, d.Format(billing.DateFormat))
		in, out = in+dayIn(d), out+dayOut(d)
	}
	var gotDays []string
	for _, d := range ev.Week {
		gotDays = append(gotDays, d.Date)
		date, _ := time.Parse(billing.DateFormat, d.Date)
		if d.Missing || d.InBytes != dayIn(date) || d.OutBytes != dayOut(date) {
			t.Errorf("%s: %+v, want the row's %d/%d", d.Date, d, dayIn(date), dayOut(date))
		}
	}
	if !slices.Equal(gotDays, wantDays) {
		t.Errorf("week %v, want %v", gotDays, wantDays)
	}
	if ev.UsedBytes != res.Usage.SavedBytes() || ev.LimitBytes != res.Usage.LimitBytes || ev.ProjectedBytes != res.Usage.ProjectedBytes ||
		ev.CycleStart != "2026-12-15" || ev.ResetsOn != "2027-01-15" || ev.Late {
		t.Errorf("report %+v, want the result's usage %+v", ev, res.Usage)
	}
	size := traffic.SizeFor(ev.LimitBytes)
	msg := Notify(ev, "vps1", "en").Text()
	for _, want := range []string{
		"vps1: weekly traffic report, 2026-12-14 to 2026-12-20",
		"Mon 2026-12-14: " + size(dayIn(at(14, 0, 0))+dayOut(at(14, 0, 0))),
		"Sun 2026-12-20: ",
		"Week: " + size(in+out) + " (received " + size(in) + ", sent " + size(out) + ")",
		"Used " + size(ev.UsedBytes) + " of 100.00 GB",
		"Projected " + size(ev.ProjectedBytes),
		"Behind an even pace by ",
		"25 days left; resets on 2027-01-15",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the message lacks %q:\n%s", want, msg)
		}
	}
	if zh := Notify(ev, "vps1", "zh-CN").Text(); !strings.Contains(zh, "vps1：2026-12-14 至 2026-12-20 流量周报") || !strings.Contains(zh, "2026-12-14 周一：") ||
		!strings.Contains(zh, "本周："+size(in+out)) || !strings.Contains(zh, "比匀速慢 ") {
		t.Errorf("in Chinese:\n%s", zh)
	}
}

// TestWeeklyReportOverDST: REPORT_WEEKLY=sun at 02:30 in Berlin, where
// 02:30 does not exist on 2026-03-29 (the clocks go from 02:00 to 03:00)
// and comes twice on 2026-10-25: judged every 10 minutes through both
// weeks, each report goes once.
func TestWeeklyReportOverDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("needs tzdata:", err)
	}
	r := testRules
	r.ReportAt, r.Weekly = 2*60+30, 7
	for _, week := range []struct {
		from time.Time
		want string
		due  string
	}{
		{time.Date(2026, time.March, 27, 0, 0, 0, 0, berlin), "weekly_report@2026-03-29", "2026-03-29T03:30:00+02:00"},
		{time.Date(2026, time.October, 23, 0, 0, 0, 0, berlin), "weekly_report@2026-10-25", "2026-10-25T02:30:00+02:00"},
	} {
		st := State{WeeklyDate: "2026-01-01"}
		var got []string
		for now := week.from; now.Before(week.from.Add(4 * 24 * time.Hour)); now = now.Add(10 * time.Minute) {
			for _, ev := range evaluateInto(&st, Input{State: reportResult(now, 1, now), Now: now}, r) {
				if ev.Kind == WeeklyReport {
					got = append(got, ev.Key)
					if d := ev.At.Format(time.RFC3339); ev.Key == week.want && d != week.due {
						t.Errorf("%s went at %s, want %s", ev.Key, d, week.due)
					}
				}
			}
		}
		// The report of the week before goes at the first step (the state
		// says the last one went in January), late.
		if len(got) != 2 || got[1] != week.want {
			t.Errorf("week of %s: %v, want the late one of the week before, then %s once", week.from.Format(time.DateOnly), got, week.want)
		}
	}
}

// TestReportsOverARestart: a daemon stopped over the weekly report's time
// sends it once when it starts again, said to be late, and not again after
// another restart; one down from Sunday to Wednesday sends Monday's once;
// the first run of all sends nothing that was due before it.
func TestReportsOverARestart(t *testing.T) {
	r := testRules
	r.ReportAt, r.Weekly = 8*60, 1
	at := func(d, h, m int) time.Time { return time.Date(2026, time.December, d, h, m, 0, 0, time.UTC) }
	var st State
	evs := runReports(t, &st, 1, r, []reportStep{
		{name: "first run, Wednesday", now: at(2, 12, 0)},
		{name: "Sunday", now: at(6, 12, 0)},
		{name: "started again Monday 11:00", now: at(7, 11, 0), restart: true, want: []string{"weekly_report@2026-12-07"}},
		{name: "started again Monday 12:00", now: at(7, 12, 0), restart: true},
		{name: "Sunday", now: at(13, 20, 0)},
		{name: "started again Wednesday", now: at(16, 9, 0), restart: true, want: []string{"weekly_report@2026-12-14"}},
		{name: "Thursday", now: at(17, 9, 0)},
		{name: "Monday 08:00", now: at(21, 8, 0), want: []string{"weekly_report@2026-12-21"}},
	})
	if len(evs) != 3 || !evs[0].Late || !evs[1].Late || evs[2].Late {
		t.Fatalf("late: %v %v %v, want the first two late", evs[0].Late, evs[1].Late, evs[2].Late)
	}
	if msg := Notify(evs[0], "vps1", "en").Text(); !strings.Contains(msg, "\nSent late: it was due at 2026-12-07 08:00\n") {
		t.Errorf("late report:\n%s", msg)
	}
	if msg := Notify(evs[1], "vps1", "zh-CN").Text(); !strings.Contains(msg, "\n迟发：原定于 2026-12-14 08:00 发送\n") {
		t.Errorf("late report:\n%s", msg)
	}
}

// TestCycleReportFebruary: REPORT_BEFORE_RESET=3 with START_DAY 31: the
// cycle that begins on January 31 resets on the last day of February, so
// the report goes once at 08:00 on February 25 in 2027 and February 26 in
// 2028 (a leap year), with what is left per day; a daemon down over it
// sends it once when it starts, late; a first run after it sends nothing.
func TestCycleReportFebruary(t *testing.T) {
	r := testRules
	r.ReportAt, r.BeforeReset = 8*60, 3
	for _, year := range []struct {
		y   int
		day int
	}{{2027, 25}, {2028, 26}} {
		at := func(m time.Month, d, h, min int) time.Time { return time.Date(year.y, m, d, h, min, 0, 0, time.UTC) }
		key := "cycle_report@" + time.Date(year.y, time.January, 31, 0, 0, 0, 0, time.UTC).Format(billing.DateFormat)
		var st State
		evs := runReports(t, &st, 31, r, []reportStep{
			{name: "first run", now: at(time.February, 2, 12, 0)},
			{name: "the day before", now: at(time.February, year.day-1, 8, 0)},
			{name: "07:59", now: at(time.February, year.day, 7, 59)},
			{name: "08:00", now: at(time.February, year.day, 8, 0), want: []string{key}},
			{name: "the last day", now: at(time.February, year.day+2, 8, 0)},
			{name: "restarted", now: at(time.February, year.day+2, 9, 0), restart: true},
		})
		if len(evs) != 1 {
			t.Fatalf("%d: %d reports", year.y, len(evs))
		}
		ev := evs[0]
		left := ev.LimitBytes - ev.UsedBytes
		size := traffic.SizeFor(ev.LimitBytes)
		msg := Notify(ev, "vps1", "en").Text()
		for _, want := range []string{
			"vps1: 3 days left in the cycle; it resets on " + at(time.March, 1, 0, 0).AddDate(0, 0, -1).Format(billing.DateFormat),
			size(left) + " left: " + size(left/3) + " a day for the 3 days left",
		} {
			if !strings.Contains(msg, want) {
				t.Errorf("%d: the message lacks %q:\n%s", year.y, want, msg)
			}
		}
		if ev.DaysLeft != 3 || ev.Late {
			t.Errorf("%d: %d days left, late %v", year.y, ev.DaysLeft, ev.Late)
		}

		// Down over it: once, late, at the start.
		st = State{CycleReport: "2026-12-31"}
		evs = runReports(t, &st, 31, r, []reportStep{
			{name: "down over it", now: at(time.February, year.day+1, 10, 0), restart: true, want: []string{key}},
			{name: "again", now: at(time.February, year.day+1, 11, 0), restart: true},
		})
		if len(evs) != 1 || !evs[0].Late || evs[0].DaysLeft != 2 {
			t.Errorf("%d: down over it: %+v", year.y, evs)
		}
		// A first run after it: nothing.
		st = State{}
		runReports(t, &st, 31, r, []reportStep{{name: "first run after it", now: at(time.February, year.day+1, 10, 0)}})
	}
}
