package alert

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/config"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// testAlerts are the settings of the tests' alerts, testRules their rules.
var (
	testAlerts = config.Alerts{At: []int{80, 90, 100}, ProblemGrace: 10 * time.Minute, SummaryAfter: DefaultSummaryAfter, ReportAt: -1, Lang: "en"}
	testRules  = Config{Alerts: testAlerts, Interval: time.Minute}.rules()
)

// result is a good poll at now of a cycle starting on the 15th with used
// bytes of a 1,000,000-byte quota.
func result(now time.Time, used uint64) *traffic.State {
	c := billing.CycleAt(now, 15)
	res := &traffic.Result{Totals: traffic.Totals{Cycle: c, InBytes: used / 2, OutBytes: used - used/2,
		Interfaces: []traffic.IfaceTotal{{Name: "eth0"}}}, PolledAt: now}
	res.Usage = billing.Usage{Mode: billing.ModeSum, UsedBytes: used, CountedBytes: used, LimitBytes: 1_000_000,
		ProjectedBytes: used, ResetsOn: c.Next}
	prev := c.Previous(15)
	prev.Today = prev.Last()
	res.Previous = &traffic.Totals{Cycle: prev, InBytes: 400_000, OutBytes: 500_000, PeakDay: prev.Start.AddDate(0, 0, 3), PeakDayBytes: 77_000, Settled: true,
		Usage: billing.Usage{Mode: billing.ModeSum, UsedBytes: 900_000, LimitBytes: 1_000_000, ProjectedBytes: 900_000, ResetsOn: c.Start}}
	return &traffic.State{Result: res, LastPoll: now}
}

// evaluateInto runs Evaluate on *st and keeps the new state in it.
func evaluateInto(st *State, in Input, r Rules) []Event {
	next, evs := Evaluate(*st, in, r)
	*st = next
	return evs
}

func kinds(evs []Event) []string {
	var s []string
	for _, ev := range evs {
		s = append(s, ev.Key)
	}
	return s
}

// TestThresholdsOncePerCycle walks a cycle's usage up and across the
// reset: each threshold is told once, a fresh start at 95 % tells 90 %
// only, and the new cycle sums up the old one and re-arms.
func TestThresholdsOncePerCycle(t *testing.T) {
	day := func(d int, h int) time.Time { return time.Date(2026, time.November, d, h, 0, 0, 0, time.UTC) }
	var st State
	steps := []struct {
		name string
		now  time.Time
		used uint64
		want []string
	}{
		{"fresh start at 95 %", day(16, 1), 950_000, []string{"threshold-90@2026-11-15"}},
		{"again at 95 %", day(16, 2), 950_000, nil},
		{"just under 100 %", day(16, 3), 999_999, nil},
		{"exactly 100 %", day(16, 4), 1_000_000, []string{"threshold-100@2026-11-15"}},
		{"over", day(17, 4), 1_500_000, nil},
		// The summary waits until the clock has stayed in the new cycle
		// for SummaryAfter (SUMMARY_AFTER).
		{"new cycle", time.Date(2026, time.December, 15, 0, 5, 0, 0, time.UTC), 100, nil},
		{"80 % in the new cycle", time.Date(2026, time.December, 16, 0, 0, 0, 0, time.UTC), 800_000,
			[]string{"new_cycle@2026-11-15", "threshold-80@2026-12-15"}},
		// The clock goes back to November: nothing is told again.
		{"clock back", day(20, 0), 1_000_000, nil},
	}
	for _, s := range steps {
		evs := evaluateInto(&st, Input{State: result(s.now, s.used), Now: s.now}, testRules)
		if diff := cmp.Diff(s.want, kinds(evs)); diff != "" {
			t.Errorf("%s: events (-want +got):\n%s", s.name, diff)
		}
	}
	// The state follows the clock, and keeps what was sent in December.
	if st.Cycle != "2026-11-15" || !cmp.Equal(st.Thresholds, []int{80, 90, 100}) ||
		!cmp.Equal(st.Other["2026-12-15"], Marks{Thresholds: []int{80}, Closed: true}) {
		t.Errorf("state %+v", st)
	}
}

// TestLivePartCrossesNothing: a threshold is judged and told on what
// vnstat has saved. 100 % with 50,000 live bytes is 95 % saved: 90 % is
// told, with the saved figure; 100 % only once vnstatd has saved it, and
// not while the live part is all that is above it.
func TestLivePartCrossesNothing(t *testing.T) {
	now := time.Date(2026, time.November, 16, 1, 0, 0, 0, time.UTC)
	withLive := func(used, live uint64) *traffic.State {
		st := result(now, used)
		st.Result.Usage.LiveBytes = live
		return st
	}
	var st State
	evs := evaluateInto(&st, Input{State: withLive(1_000_000, 50_000), Now: now}, testRules)
	if len(evs) != 1 || evs[0].Key != "threshold-90@2026-11-15" || evs[0].UsedBytes != 950_000 {
		t.Fatalf("100 %% with 5 %% live: %v (%+v), want threshold-90 at 950,000", kinds(evs), evs)
	}
	// vnstatd stopped and the live part was dropped: nothing more.
	now = now.Add(time.Minute)
	if evs := evaluateInto(&st, Input{State: withLive(1_200_000, 250_001), Now: now}, testRules); len(evs) != 0 {
		t.Fatalf("only the live part above 100 %%: %v", kinds(evs))
	}
	now = now.Add(time.Minute)
	evs = evaluateInto(&st, Input{State: withLive(1_000_000, 0), Now: now}, testRules)
	if len(evs) != 1 || evs[0].Key != "threshold-100@2026-11-15" || evs[0].UsedBytes != 1_000_000 {
		t.Errorf("after the save: %v", kinds(evs))
	}
}

// TestNewCycleSummary checks the summary's numbers: those of the cycle
// that ended.
func TestNewCycleSummary(t *testing.T) {
	st := State{Cycle: "2026-10-15"}
	now := time.Date(2026, time.November, 15, 0, 1, 0, 0, time.UTC)
	if evs := evaluateInto(&st, Input{State: result(now, 10), Now: now}, testRules); len(evs) != 0 {
		t.Fatalf("at the seam: %v", kinds(evs))
	}
	now = now.Add(testRules.SummaryAfter)
	evs := evaluateInto(&st, Input{State: result(now, 10), Now: now}, testRules)
	if len(evs) != 1 {
		t.Fatalf("events %v", kinds(evs))
	}
	ev := evs[0]
	want := Event{Key: "new_cycle@2026-10-15", Kind: NewCycle, At: now, CycleStart: "2026-10-15", ResetsOn: "2026-11-15", Mode: "sum",
		UsedBytes: 900_000, LimitBytes: 1_000_000, ProjectedBytes: 900_000, PeakDay: "2026-10-18", PeakDayBytes: 77_000}
	if diff := cmp.Diff(want, ev); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	msg := Notify(ev, "vps1", "en").Text()
	for _, s := range []string{"vps1", "the one from 2026-10-15 to 2026-11-14 is over", "Used 900.00 kB of 1.00 MB (90.0%)", "Busiest day 2026-10-18: 77.00 kB"} {
		if !strings.Contains(msg, s) {
			t.Errorf("summary %q lacks %q", msg, s)
		}
	}
}

// TestNewCycleSummaryWaitsForVnstatd: at the seam, before vnstatd has
// saved in the new cycle, the one that ended is not settled (vnstatd
// still holds reads it will file in it): its summary waits, across a
// restart, and then tells vnstat's figures; the new cycle's thresholds
// are judged on its own usage meanwhile.
func TestNewCycleSummaryWaitsForVnstatd(t *testing.T) {
	st := State{Cycle: "2026-10-15"}
	now := time.Date(2026, time.November, 15, 0, 0, 1, 0, time.UTC)
	early := result(now, 850_000)
	early.Result.Previous.Settled = false
	evs := evaluateInto(&st, Input{State: early, Now: now}, testRules)
	if diff := cmp.Diff([]string{"threshold-80@2026-11-15"}, kinds(evs)); diff != "" {
		t.Errorf("before vnstatd's save (-want +got):\n%s", diff)
	}
	if st.Cycle != "2026-11-15" || st.Closing != "2026-10-15" {
		t.Errorf("state: cycle %q closing %q", st.Cycle, st.Closing)
	}
	// A restart: the state is read back from its file.
	b, err := json.Marshal(&st)
	if err != nil {
		t.Fatal(err)
	}
	st = State{}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	if evs := evaluateInto(&st, Input{State: early, Now: now}, testRules); len(evs) != 0 {
		t.Errorf("still not settled: %v", kinds(evs))
	}
	now = now.Add(testRules.SummaryAfter)
	saved := result(now, 850_000)
	saved.Result.Previous.InBytes, saved.Result.Previous.Usage.UsedBytes = 1_100_000, 1_600_000
	evs = evaluateInto(&st, Input{State: saved, Now: now}, testRules)
	if len(evs) != 1 || evs[0].Key != "new_cycle@2026-10-15" || evs[0].UsedBytes != 1_600_000 {
		t.Fatalf("after vnstatd's save: %+v", evs)
	}
	if st.Closing != "" {
		t.Errorf("closing %q after the summary", st.Closing)
	}
	if evs := evaluateInto(&st, Input{State: saved, Now: now.Add(time.Minute)}, testRules); len(evs) != 0 {
		t.Errorf("told again: %v", kinds(evs))
	}
}

// TestEvaluateChangesNothingGiven: Evaluate returns the new marks and
// leaves the state it was given as it was (thresholds, problems).
func TestEvaluateChangesNothingGiven(t *testing.T) {
	now := time.Date(2026, time.November, 20, 12, 0, 0, 0, time.UTC)
	st := State{Cycle: "2026-11-15", Thresholds: make([]int, 1, 8), Problems: map[string]*ProblemState{
		"poll_failed": {Kind: traffic.PollFailed, Detail: "x", Since: now.Add(-time.Hour), Reported: now.Add(-time.Hour)}}}
	st.Thresholds[0] = 80
	before, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	next, evs := Evaluate(st, Input{State: result(now, 950_000), Now: now}, testRules)
	after, _ := json.Marshal(st)
	if string(before) != string(after) {
		t.Errorf("the state given changed:\n%s\n%s", before, after)
	}
	if len(evs) == 0 || !slices.Contains(next.Thresholds, 90) || next.Problems["poll_failed"].Gone.IsZero() {
		t.Errorf("events %v, new state %+v", kinds(evs), next)
	}
}

// TestProjection: the overrun is told once, not before a fifth of the
// cycle, and not once the quota is used up.
func TestProjection(t *testing.T) {
	tests := []struct {
		name      string
		now       time.Time
		used      uint64
		projected uint64
		want      []string
	}{
		{"first day", time.Date(2026, time.November, 16, 12, 0, 0, 0, time.UTC), 100_000, 2_000_000, nil},
		{"a fifth in", time.Date(2026, time.November, 21, 0, 0, 0, 0, time.UTC), 300_000, 1_500_000, []string{"projection@2026-11-15"}},
		{"on pace", time.Date(2026, time.November, 25, 0, 0, 0, 0, time.UTC), 300_000, 900_000, nil},
		{"used up", time.Date(2026, time.November, 25, 0, 0, 0, 0, time.UTC), 1_000_000, 3_000_000, []string{"threshold-100@2026-11-15"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := State{Cycle: "2026-11-15", Thresholds: []int{80, 90}}
			in := result(tt.now, tt.used)
			in.Result.Usage.ProjectedBytes = tt.projected
			evs := evaluateInto(&st, Input{State: in, Now: tt.now}, testRules)
			if diff := cmp.Diff(tt.want, kinds(evs)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			// Told once.
			if evs := evaluateInto(&st, Input{State: in, Now: tt.now.Add(time.Hour)}, testRules); len(evs) != 0 {
				t.Errorf("second evaluation: %v", kinds(evs))
			}
		})
	}
}

// TestUntrustedNumbersAlertNobody: with a fatal problem the usage is not
// judged; the problem is told after its grace period instead.
func TestUntrustedNumbersAlertNobody(t *testing.T) {
	now := time.Date(2026, time.November, 20, 12, 0, 0, 0, time.UTC)
	in := result(now, 990_000)
	in.Result.Problems = []traffic.Problem{{Kind: traffic.VnstatdStalled, Interface: "eth0", Detail: "vnstatd is not saving"}}
	var st State
	if evs := evaluateInto(&st, Input{State: in, Now: now}, testRules); len(evs) != 0 {
		t.Errorf("at once: %v", kinds(evs))
	}
	later := now.Add(10 * time.Minute)
	in.Result.PolledAt, in.LastPoll = later, later
	evs := evaluateInto(&st, Input{State: in, Now: later}, testRules)
	if diff := cmp.Diff([]string{"problem:vnstatd_stalled:eth0@2026-11-20T12:00:00Z"}, kinds(evs)); diff != "" {
		t.Errorf("after the grace period (-want +got):\n%s", diff)
	}
	if len(st.Thresholds) != 0 {
		t.Errorf("thresholds marked on untrusted numbers: %v", st.Thresholds)
	}
}

// TestProblemBackoff keeps a problem for three days: it is told after
// the grace period, reminded of at 15 min, 30 min, 1 h, ... up to 24 h,
// and its end is told once.
func TestProblemBackoff(t *testing.T) {
	start := time.Date(2026, time.November, 20, 0, 0, 0, 0, time.UTC)
	var st State
	var told []time.Duration
	var reminders []int
	for m := 0; m <= 3*24*60; m++ {
		now := start.Add(time.Duration(m) * time.Minute)
		in := &traffic.State{LastPoll: now, Err: errFailed}
		for _, ev := range evaluateInto(&st, Input{State: in, Now: now}, testRules) {
			told = append(told, now.Sub(start))
			reminders = append(reminders, ev.Reminder)
			if ev.Kind != ProblemKind || ev.Problem != traffic.NoData {
				t.Fatalf("event %+v", ev)
			}
		}
	}
	want := []time.Duration{10 * time.Minute}
	for gap, at := 15*time.Minute, 10*time.Minute; ; gap = min(2*gap, 24*time.Hour) {
		if at += gap; at > 72*time.Hour {
			break
		}
		want = append(want, at)
	}
	if diff := cmp.Diff(want, told); diff != "" {
		t.Errorf("told at (-want +got):\n%s", diff)
	}
	if reminders[0] != 0 || reminders[len(reminders)-1] != len(want)-1 {
		t.Errorf("reminder numbers %v", reminders)
	}
	// Missed once (a check right after a restart): no recovery yet, and
	// back again it is the same problem, not a new one.
	end := start.Add(73 * time.Hour)
	if evs := evaluateInto(&st, Input{State: result(end, 10), Now: end}, testRules); len(evs) != 0 {
		t.Fatalf("at the first check without it: %v", kinds(evs))
	}
	back := end.Add(30 * time.Second)
	if evs := evaluateInto(&st, Input{State: &traffic.State{LastPoll: back, Err: errFailed}, Now: back}, testRules); len(evs) != 0 {
		t.Fatalf("back within a minute: %v", kinds(evs))
	}
	gone := end.Add(time.Minute)
	if evs := evaluateInto(&st, Input{State: result(gone, 10), Now: gone}, testRules); len(evs) != 0 {
		t.Fatalf("gone again: %v", kinds(evs))
	}
	recoverAt := gone.Add(RecoverAfter)
	evs := evaluateInto(&st, Input{State: result(recoverAt, 10), Now: recoverAt}, testRules)
	if len(evs) != 1 || evs[0].Kind != Recovered || evs[0].Problem != traffic.NoData {
		t.Fatalf("on recovery: %+v", evs)
	}
	if msg := Notify(evs[0], "vps1", "en").Text(); !strings.Contains(msg, "lasted 73h1m") {
		t.Errorf("recovery message %q does not say how long it lasted", msg)
	}
	if evs := evaluateInto(&st, Input{State: result(recoverAt, 10), Now: recoverAt.Add(time.Minute)}, testRules); len(evs) != 0 {
		t.Errorf("after recovery: %v", kinds(evs))
	}
}

// TestShortProblemsAreNotTold: a problem shorter than the grace period,
// and problems of kinds not told, make no event, nor a recovery.
func TestShortProblemsAreNotTold(t *testing.T) {
	now := time.Date(2026, time.November, 20, 0, 0, 0, 0, time.UTC)
	var st State
	in := result(now, 10)
	in.Result.Problems = []traffic.Problem{{Kind: traffic.Incomplete, Interface: "eth0", Detail: "lacks days"}, {Kind: traffic.InterfaceMissing, Interface: "wg0"}}
	for m := range 9 {
		at := now.Add(time.Duration(m) * time.Minute)
		in.LastPoll, in.Result.PolledAt = at, at
		if evs := evaluateInto(&st, Input{State: in, Now: at}, testRules); len(evs) != 0 {
			t.Fatalf("minute %d: %v", m, kinds(evs))
		}
	}
	at := now.Add(9 * time.Minute)
	if evs := evaluateInto(&st, Input{State: result(at, 10), Now: at}, testRules); len(evs) != 0 {
		t.Errorf("on a short problem's end: %v", kinds(evs))
	}
}

// TestDailyReport is sent once a day at REPORT_AT, also when the daemon
// starts later that day, and says when numbers cannot be trusted.
func TestDailyReport(t *testing.T) {
	r := testRules
	r.ReportAt = 8*60 + 30
	var st State
	at := func(d, h, m int) time.Time { return time.Date(2026, time.November, d, h, m, 0, 0, time.UTC) }
	steps := []struct {
		now  time.Time
		want []string
	}{
		{at(20, 8, 29), nil},
		{at(20, 8, 30), []string{"report@2026-11-20"}},
		{at(20, 23, 0), nil},
		{at(21, 7, 0), nil},
		{at(21, 12, 0), []string{"report@2026-11-21"}},
	}
	for _, s := range steps {
		evs := evaluateInto(&st, Input{State: result(s.now, 10), Now: s.now}, r)
		if diff := cmp.Diff(s.want, kinds(evs)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", s.now, diff)
		}
	}
	now := at(22, 9, 0)
	evs := evaluateInto(&st, Input{State: &traffic.State{LastPoll: now, Err: errFailed}, Now: now}, r)
	if len(evs) != 1 || evs[0].Status != "error" || evs[0].CycleStart != "" {
		t.Fatalf("report without numbers: %+v", evs)
	}
	if msg := Notify(evs[0], "vps1", "zh-CN").Text(); !strings.Contains(msg, "当前没有可信的数据（error：no_data）") {
		t.Errorf("report %q", msg)
	}
}

func TestReached(t *testing.T) {
	tests := []struct {
		used, limit uint64
		pct         int
		ok          bool
	}{
		{80, 100, 80, true},
		{79, 100, 80, false},
		{1<<64 - 1, 1<<64 - 1, 100, true},
		{1<<64 - 2, 1<<64 - 1, 100, false},
		{1 << 63, 1<<64 - 1, 50, true},
		{0, 1, 1, false},
	}
	for _, tt := range tests {
		if got := reached(tt.used, tt.limit, tt.pct); got != tt.ok {
			t.Errorf("reached(%d, %d, %d) = %v", tt.used, tt.limit, tt.pct, got)
		}
	}
}

// TestClockAheadForAMinute: a clock set a day ahead, past the cycle's
// seam, for a minute (a bad real-time clock until NTP corrects it) ends
// no cycle: no summary, and when the real cycle then passes 80 % and
// 100 %, both are told, once each; the real seam later sums it up once.
// A clock set back to a cycle already told tells nothing again.
func TestClockAheadForAMinute(t *testing.T) {
	at := func(d, h, m int) time.Time { return time.Date(2026, time.December, d, h, m, 0, 0, time.UTC) }
	st := State{}
	steps := []struct {
		name string
		now  time.Time
		used uint64
		want []string
	}{
		{"in the cycle", at(13, 23, 50), 500_000, nil},
		{"a day ahead", at(14, 23, 51), 10, nil},
		{"a day ahead, a minute on", at(14, 23, 52), 10, nil},
		{"back: 85 %", at(13, 23, 53), 850_000, []string{"threshold-80@2026-11-15"}},
		{"115 %", at(14, 12, 0), 1_150_000, []string{"threshold-100@2026-11-15"}},
		{"the real seam", at(15, 0, 5), 100, nil},
		{"the clock stayed", at(15, 0, 20), 100, []string{"new_cycle@2026-11-15"}},
		{"back to November again", at(14, 23, 0), 1_200_000, nil},
		{"and forward", at(15, 1, 0), 200, nil},
	}
	for _, s := range steps {
		evs := evaluateInto(&st, Input{State: result(s.now, s.used), Now: s.now}, testRules)
		if diff := cmp.Diff(s.want, kinds(evs)); diff != "" {
			t.Errorf("%s: events (-want +got):\n%s", s.name, diff)
		}
	}
	if len(st.Other) > MaxOtherCycles {
		t.Errorf("other cycles: %v", st.Other)
	}
}
