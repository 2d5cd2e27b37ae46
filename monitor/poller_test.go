package monitor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

func TestPollSumsTheCycle(t *testing.T) {
	tests := []struct {
		name       string
		startDay   int
		start      time.Time // the cycle's first day
		from       time.Time // the first day read: the day before the previous cycle
		interfaces []string
		report     []string
		problems   []traffic.Problem
	}{
		{name: "start day 1", startDay: 1, start: vnstattest.Date(2026, time.November, 1), from: vnstattest.Date(2026, time.September, 30), report: []string{"eth0", "wlo1"}},
		{name: "start day 15", startDay: 15, start: vnstattest.Date(2026, time.November, 15), from: vnstattest.Date(2026, time.October, 14), report: []string{"eth0", "wlo1"}},
		{name: "start day 28", startDay: 28, start: vnstattest.Date(2026, time.November, 28), from: vnstattest.Date(2026, time.October, 27), report: []string{"eth0", "wlo1"}},
		{name: "start day today", startDay: 30, start: vnstattest.Date(2026, time.November, 30), from: vnstattest.Date(2026, time.October, 29), report: []string{"eth0", "wlo1"}},
		{name: "start day 31 in November", startDay: 31, start: vnstattest.Date(2026, time.November, 30), from: vnstattest.Date(2026, time.October, 30), report: []string{"eth0", "wlo1"}},
		{
			name: "INTERFACES with a veth, one vnstat has but the host lacks, and absent names", startDay: 15,
			start: vnstattest.Date(2026, time.November, 15), from: vnstattest.Date(2026, time.October, 14),
			interfaces: []string{"veth1", "eth9", "wlo1", "lo", "ppp0"},
			report:     []string{"ppp0", "veth1", "wlo1"},
			problems: []traffic.Problem{
				{Kind: traffic.InterfaceMissing, Interface: "eth9", Detail: "eth9: neither in vnstat's database nor on this host"},
				{Kind: traffic.InterfaceMissing, Interface: "lo", Detail: "lo: not in vnstat's database (add it with: vnstat --add -i lo)"},
				{Kind: traffic.InterfaceAbsent, Interface: "ppp0", Detail: "ppp0: not on this host now; reporting vnstat's rows without the live part"},
			},
		},
	}
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	today := vnstattest.Date(2026, time.November, 30)
	ifaces := append(multiIfaces(), vnstattest.Iface{Name: "ppp0", Created: vnstattest.Date(2026, time.August, 3),
		Updated: time.Date(2026, time.November, 30, 9, 0, 0, 0, time.UTC), Days: vnstattest.Series(today, 62, 4, false)})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, v := newTestPoller(t, PollerConfig{StartDay: tt.startDay, Interfaces: tt.interfaces}, hostLinks, &now, ifaces)
			if err := p.Poll(context.Background()); err != nil {
				t.Fatalf("Poll: %v", err)
			}
			st := p.State()
			if st.Err != nil || st.Result == nil {
				t.Fatalf("state = %+v", st)
			}
			// From the day before the previous cycle, or further back as
			// far as vnstat keeps rows (DailyDays 62), for earlier cycles.
			wantFrom := tt.from
			if kept := today.AddDate(0, 0, -62); kept.Before(wantFrom) {
				wantFrom = kept
			}
			if !v.from.Equal(wantFrom) {
				t.Errorf("read rows from %s, want %s", v.from.Format(billing.DateFormat), wantFrom.Format(billing.DateFormat))
			}
			in, out, per := wantTotals(ifaces, tt.report, tt.start, today)
			if in == 0 || out == 0 {
				t.Fatalf("fixture sums are zero: the test proves nothing")
			}
			got := *st.Result
			if got.Zone == nil || got.Zone.String() != "UTC" {
				t.Errorf("zone %v, want vnstatd's, UTC", got.Zone)
			}
			got.Previous, got.Usage, got.Earlier, got.Zone = nil, billing.Usage{}, nil, nil
			want := &traffic.Result{
				Totals: traffic.Totals{
					Cycle:      billing.Cycle{Start: tt.start, Today: today, Next: st.Result.Cycle.Next},
					InBytes:    in,
					OutBytes:   out,
					Interfaces: per,
					Problems:   tt.problems,
				},
				UpdatedAt: per[0].Updated,
				PolledAt:  now,
			}
			want.PeakDay, want.PeakDayBytes = wantPeak(ifaces, tt.report, tt.start, today)
			want.Days = wantDays(ifaces, tt.report, tt.start, today)
			for _, i := range per {
				if i.Updated.After(want.UpdatedAt) {
					want.UpdatedAt = i.Updated
				}
			}
			if diff := cmp.Diff(want, &got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if u := st.Result.Usage; u.Mode != billing.ModeSum || u.UsedBytes != in+out {
				t.Errorf("usage %+v, want sum %d", u, in+out)
			}
		})
	}
}

// TestPollPreviousCycle checks the previous whole cycle computed from the
// same read: its bounds, its sums, and that it is refused as incomplete
// when vnstat did not hold all of it.
func TestPollPreviousCycle(t *testing.T) {
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	today := vnstattest.Date(2026, time.November, 30)
	// Rows from November 10 only, of an interface tracked since June.
	short := []vnstattest.Iface{{Name: "eth0", Created: vnstattest.Date(2026, time.June, 1),
		Updated: now.Add(-5 * time.Minute), Days: vnstattest.Series(today, 21, 4, true)}}
	tests := []struct {
		name        string
		startDay    int
		ifaces      []vnstattest.Iface
		interfaces  []string
		quota       billing.Quota
		vnstat      VnstatConfig
		first, last time.Time
		incomplete  string
	}{
		{name: "start day 1: October", startDay: 1,
			first: vnstattest.Date(2026, time.October, 1), last: vnstattest.Date(2026, time.October, 31)},
		{name: "start day 15", startDay: 15,
			first: vnstattest.Date(2026, time.October, 15), last: vnstattest.Date(2026, time.November, 14)},
		{name: "start day 31: Oct 31 to Nov 29", startDay: 31,
			first: vnstattest.Date(2026, time.October, 31), last: vnstattest.Date(2026, time.November, 29)},
		{name: "veth tracked from mid-cycle", startDay: 15, interfaces: []string{"veth1"},
			first: vnstattest.Date(2026, time.October, 15), last: vnstattest.Date(2026, time.November, 14),
			incomplete: "veth1: vnstat began to track it on 2026-11-20"},
		{name: "the offset stands for the days before tracking", startDay: 15, interfaces: []string{"veth1"},
			quota: billing.Quota{Offset: 5 << 30, OffsetCycle: vnstattest.Date(2026, time.October, 15)},
			first: vnstattest.Date(2026, time.October, 15), last: vnstattest.Date(2026, time.November, 14)},
		{name: "no rows while vnstatd ran with TrafficlessEntries 1", startDay: 1, ifaces: short,
			first: vnstattest.Date(2026, time.October, 1), last: vnstattest.Date(2026, time.October, 31),
			incomplete: "eth0: vnstat has no row for 31 day(s) of the cycle (2026-10-01, 2026-10-02, 2026-10-03 and 28 more)"},
		{name: "rows deleted by DailyDays", startDay: 1, ifaces: short, vnstat: VnstatConfig{DailyDays: 21},
			first: vnstattest.Date(2026, time.October, 1), last: vnstattest.Date(2026, time.October, 31),
			incomplete: "eth0: vnstat keeps 21 days of daily rows (DailyDays), so rows before 2026-11-09 are gone (cycle start 2026-10-01)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ifaces := tt.ifaces
			if ifaces == nil {
				ifaces = multiIfaces()
			}
			vc := DefaultVnstatConfig()
			if tt.vnstat.DailyDays != 0 {
				vc.DailyDays = tt.vnstat.DailyDays
			}
			p, _ := newTestPoller(t, PollerConfig{StartDay: tt.startDay, Interfaces: tt.interfaces, Quota: tt.quota, Vnstat: vc}, hostLinks, &now, ifaces)
			if err := p.Poll(context.Background()); err != nil {
				t.Fatal(err)
			}
			prev := p.State().Result.Previous
			if !prev.Cycle.Start.Equal(tt.first) || !prev.Cycle.Today.Equal(tt.last) || !prev.Cycle.Next.Equal(tt.last.AddDate(0, 0, 1)) {
				t.Errorf("previous cycle %v, want %s..%s", prev.Cycle, tt.first.Format(billing.DateFormat), tt.last.Format(billing.DateFormat))
			}
			names := tt.interfaces
			if names == nil {
				names = []string{"eth0", "wlo1"}
			}
			in, out, _ := wantTotals(ifaces, names, tt.first, tt.last)
			if prev.InBytes != in || prev.OutBytes != out {
				t.Errorf("previous totals %d/%d, want %d/%d", prev.InBytes, prev.OutBytes, in, out)
			}
			if got := strings.Join(prev.Details(traffic.Incomplete), "; "); (tt.incomplete == "") != (got == "") || !strings.Contains(got, tt.incomplete) {
				t.Errorf("previous incomplete %q, want %q", got, tt.incomplete)
			}
			if u := prev.Usage; u.ProjectedBytes != u.UsedBytes || u.UsedBytes != in+out+tt.quota.Offset || !u.ResetsOn.Equal(p.State().Result.Cycle.Start) {
				t.Errorf("previous usage %+v: want used = projected = %d, resets on the current start", u, in+out+tt.quota.Offset)
			}
		})
	}
}

// TestPollIdleDays: with TrafficlessEntries 0 vnstatd writes no row for a
// day without traffic, so missing rows (the cycle's first day among them)
// are idle days, not gaps; with 1, the same rows are a gap.
func TestPollIdleDays(t *testing.T) {
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	today := vnstattest.Date(2026, time.November, 30)
	var days []vnstattest.Day
	for _, d := range vnstattest.Series(today, 62, 6, false) {
		// Idle on the 1st of each month and every Sunday.
		if d.Date.Day() != 1 && d.Date.Weekday() != time.Sunday {
			days = append(days, d)
		}
	}
	ifaces := []vnstattest.Iface{{Name: "eth0", Created: vnstattest.Date(2026, time.August, 1), Updated: now.Add(-time.Minute), Days: days}}
	idle := DefaultVnstatConfig()
	idle.TrafficlessEntries = false
	res := pollOnce(t, ifaces, PollerConfig{StartDay: 1, Vnstat: idle}, hostLinks, now)
	if len(res.Problems) != 0 || len(res.Previous.Problems) != 0 {
		t.Errorf("idle days taken for gaps: %v / previous %v", res.Problems, res.Previous.Problems)
	}
	in, out, _ := wantTotals(ifaces, []string{"eth0"}, vnstattest.Date(2026, time.November, 1), today)
	if res.InBytes != in || res.OutBytes != out || in == 0 {
		t.Errorf("totals %d/%d, want %d/%d", res.InBytes, res.OutBytes, in, out)
	}
	res = pollOnce(t, ifaces, PollerConfig{StartDay: 1}, hostLinks, now)
	if ps := res.Problems; len(ps) != 1 || ps[0].Kind != traffic.Incomplete || ps[0].Interface != "eth0" ||
		!strings.Contains(ps[0].Detail, "no row for 5 day(s) of the cycle (2026-11-01, 2026-11-08, 2026-11-15 and 2 more)") {
		t.Errorf("with TrafficlessEntries 1: problems %v", ps)
	}
}

// TestPollSaveJustAfterMidnight: vnstatd files a read under the time of
// its read before, so a save just after midnight (its read before came
// before midnight) writes no row for its own day yet: that is no gap
// (CI once saw a save at 00:00:00 judged "no row for 1 day(s)"). A save
// made UpdateInterval + PollInterval or more after midnight (its read
// before came after midnight) without the day's row is one.
func TestPollSaveJustAfterMidnight(t *testing.T) {
	today := vnstattest.Date(2026, time.November, 30)
	rows := vnstattest.Series(today.AddDate(0, 0, -1), 61, 6, false) // through the 29th
	vc := DefaultVnstatConfig()
	for _, tt := range []struct {
		after time.Duration // since midnight
		gap   bool
	}{{0, false}, {vc.UpdateInterval + vc.PollInterval - time.Second, false}, {vc.UpdateInterval + vc.PollInterval, true}} {
		saved := time.Date(2026, time.November, 30, 0, 0, 0, 0, time.UTC).Add(tt.after)
		ifaces := []vnstattest.Iface{{Name: "eth0", Created: vnstattest.Date(2026, time.August, 1), Updated: saved, Days: rows}}
		res := pollOnce(t, ifaces, PollerConfig{StartDay: 1}, hostLinks, saved.Add(time.Second))
		if gap := len(res.Details(traffic.Incomplete)) > 0; gap != tt.gap {
			t.Errorf("saved %v after midnight without the day's row: incomplete %v, want %v (%v)", tt.after, gap, tt.gap, res.Problems)
		}
	}
}

func TestPollLeapFebruaryStopsAtToday(t *testing.T) {
	ifaces := []vnstattest.Iface{{Name: "enp3s0", Created: vnstattest.Date(2027, time.December, 1),
		Updated: time.Date(2028, time.March, 5, 7, 55, 0, 0, time.UTC), Days: vnstattest.Series(vnstattest.Date(2028, time.March, 31), 91, 5, true)}}
	now := time.Date(2028, time.March, 5, 8, 0, 0, 0, time.UTC)
	links := []Link{{Name: "enp3s0", Index: 2, Kind: "device", ParentBus: "pci"}}
	res := pollOnce(t, ifaces, PollerConfig{StartDay: 30}, links, now)
	in, out, _ := wantTotals(ifaces, []string{"enp3s0"}, vnstattest.Date(2028, time.February, 29), vnstattest.Date(2028, time.March, 5))
	all, _, _ := wantTotals(ifaces, []string{"enp3s0"}, vnstattest.Date(2028, time.February, 29), vnstattest.Date(2028, time.March, 31))
	if res.InBytes != in || res.OutBytes != out {
		t.Errorf("totals = %d/%d, want %d/%d (rows after today excluded; with them rx would be %d)", res.InBytes, res.OutBytes, in, out, all)
	}
	if in >= all {
		t.Fatal("fixture has no rows after today: the test proves nothing")
	}
}

func TestPollNewInterfaceIsNotIncomplete(t *testing.T) {
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	// Added with vnstat --add a minute ago: no rows, created = updated.
	added := now.Add(-time.Minute)
	res := pollOnce(t, []vnstattest.Iface{{Name: "eth0", Created: added, Updated: added}}, PollerConfig{StartDay: 1}, hostLinks, now)
	if res.InBytes != 0 || res.OutBytes != 0 || len(res.Problems) != 0 || len(res.Interfaces) != 1 {
		t.Errorf("result = %+v, want eth0 with no traffic yet and nothing incomplete", res)
	}
}

func TestPollFailureKeepsLastGoodResult(t *testing.T) {
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	p, v := newTestPoller(t, PollerConfig{StartDay: 1}, hostLinks, &now, multiIfaces())

	v.set(func(f *fakeVnstat) {
		f.err = errors.New("reading vnstat's database /db/vnstat.db: no such file or directory")
	})
	if err := p.Poll(context.Background()); err == nil {
		t.Fatal("Poll succeeded on a failing read")
	}
	if st := p.State(); st.Result != nil || st.Err == nil || !st.LastPoll.Equal(now) {
		t.Fatalf("state after first failure = %+v, want no result and the error", st)
	}

	v.set(func(f *fakeVnstat) { f.err = nil })
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	good := p.State().Result

	for _, bad := range []error{
		errors.New("reading vnstat's database /db/vnstat.db: database is locked"),
		errors.New("reading vnstat's database /db/vnstat.db: unsupported vnstat database version: dbversion \"2\""),
	} {
		now = now.Add(time.Minute)
		v.set(func(f *fakeVnstat) { f.err = bad })
		if err := p.Poll(context.Background()); !errors.Is(err, bad) {
			t.Fatalf("Poll error %v, want %v", err, bad)
		}
		st := p.State()
		if st.Result != good || !errors.Is(st.Err, bad) || !st.LastPoll.Equal(now) {
			t.Errorf("%v: state = %+v, want the last good result kept and the error", bad, st)
		}
	}

	v.set(func(f *fakeVnstat) { f.err = nil })
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := p.State(); st.Err != nil || st.Result == good || !st.Result.PolledAt.Equal(now) || st.PollErrors != 3 {
		t.Errorf("after recovery: %+v", st)
	}
}

func TestPollNoInterfaceToReport(t *testing.T) {
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		links      []Link
		interfaces []string
		want       string
	}{
		{"only virtual links", hostLinks[3:], nil, "no physical NIC found"},
		{"NIC vnstat does not track", []Link{{Name: "enp9s0", Index: 9, Kind: "device", ParentBus: "pci"}}, nil, "vnstat tracks none of the physical NICs enp9s0"},
		{"every named interface absent", hostLinks, []string{"eth9"}, "eth9: neither in vnstat's database nor on this host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, _ := newTestPoller(t, PollerConfig{StartDay: 1, Interfaces: tt.interfaces}, tt.links, &now, multiIfaces())
			err := p.Poll(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Poll error = %v, want one containing %q", err, tt.want)
			}
			if p.State().Result != nil {
				t.Error("a result was published with no interface to report")
			}
		})
	}
}

// TestPollAfterMidnightUsesNewCycle polls just before and just after the
// reset day's midnight, in a zone east of UTC.
func TestPollAfterMidnightUsesNewCycle(t *testing.T) {
	loc := time.FixedZone("UTC+8", 8*3600)
	now := time.Date(2026, time.November, 27, 23, 59, 59, 0, loc)
	ifaces := multiIfaces()
	for n := range ifaces {
		ifaces[n].Updated = time.Date(2026, time.November, 27, 23, 59, 0, 0, loc)
	}
	p, v := newTestPoller(t, PollerConfig{StartDay: 28, Local: loc}, hostLinks, &now, ifaces)
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := p.State().Result.Cycle.Start.Format(billing.DateFormat); got != "2026-10-28" {
		t.Fatalf("cycle start before midnight = %s", got)
	}
	// The previous cycle starts 2026-09-28; vnstat keeps 62 days of rows.
	if got := v.from.Format(billing.DateFormat); got != "2026-09-26" {
		t.Errorf("read from %s, want 2026-09-26", got)
	}

	now = time.Date(2026, time.November, 28, 0, 0, 1, 0, loc)
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := p.State().Result
	start := vnstattest.Date(2026, time.November, 28)
	in, out, _ := wantTotals(ifaces, []string{"eth0", "wlo1"}, start, start)
	if res.Cycle.Start != start || res.InBytes != in || res.OutBytes != out {
		t.Errorf("after midnight: cycle %s totals %d/%d, want %s %d/%d", res.Cycle.Start.Format(billing.DateFormat), res.InBytes, res.OutBytes, start.Format(billing.DateFormat), in, out)
	}
}

// TestPollManyInterfacesOneReported: 2,000 interfaces in vnstat's
// database, one named; only its rows are read.
func TestPollManyInterfacesOneReported(t *testing.T) {
	ifaces, links := manyIfaces(2000)
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	p, _ := newTestPoller(t, PollerConfig{StartDay: 1, Interfaces: []string{"enp1234s0"}}, links, &now, ifaces)
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := p.State().Result
	in, out, _ := wantTotals(ifaces, []string{"enp1234s0"}, vnstattest.Date(2026, time.November, 1), now)
	if len(res.Interfaces) != 1 || res.InBytes != in || res.OutBytes != out {
		t.Errorf("result %d interfaces %d/%d, want enp1234s0's %d/%d", len(res.Interfaces), res.InBytes, res.OutBytes, in, out)
	}
}

// TestStateIsReplacedAtomically reads the state while polls and samples
// replace it; run with -race. The fake's counters and rows change between
// polls so that consecutive results differ; every state read must be
// whole: a result's totals always equal the sum of its interfaces, and
// its live part the sum of theirs.
func TestStateIsReplacedAtomically(t *testing.T) {
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	links := []Link{
		{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio", RxBytes: 1 << 20, TxBytes: 1 << 20},
		{Name: "wlo1", Index: 3, Kind: "device", ParentBus: "pci", RxBytes: 1 << 20, TxBytes: 1 << 20},
	}
	p, v := newTestPoller(t, PollerConfig{StartDay: 1, Live: true}, links, &now, multiIfaces())
	fl := p.links.(*fakeLinks)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	seen := make(chan uint64, 1000)
	var lastSeen atomic.Pointer[traffic.Result] // the latest result a reader took
	for range 4 {
		wg.Go(func() {
			var last *traffic.Result
			for ctx.Err() == nil {
				st := p.State()
				if st.Result == nil {
					continue
				}
				var in, live uint64
				for _, i := range st.Result.Interfaces {
					in += i.InBytes
					live += i.LiveInBytes
				}
				if in != st.Result.InBytes || live != st.Result.LiveInBytes {
					errc <- fmt.Errorf("torn result: %d != %d or %d != %d", in, st.Result.InBytes, live, st.Result.LiveInBytes)
					return
				}
				lastSeen.Store(st.Result)
				if st.Result != last {
					last = st.Result
					select {
					case seen <- st.Result.InBytes:
					default:
					}
				}
			}
		})
	}
	for k := range 200 {
		v.set(func(f *fakeVnstat) { f.ifaces[0].Days[len(f.ifaces[0].Days)-1].RX += uint64(k) })
		if err := p.Poll(context.Background()); err != nil {
			t.Fatal(err)
		}
		fl.links[0].RxBytes += 100
		now = now.Add(time.Second)
		if err := p.Sample(context.Background()); err != nil {
			t.Fatal(err)
		}
		// Every 20 rounds, let a reader take the result before the next
		// replaces it, so that the readers see several, however the
		// goroutines are scheduled (without -race the loop can outrun
		// them). Sleeping parks this goroutine, so the readers run.
		if k%20 == 0 {
			for deadline := time.Now().Add(10 * time.Second); lastSeen.Load() != p.State().Result && time.Now().Before(deadline); {
				time.Sleep(100 * time.Microsecond)
			}
		}
	}
	cancel()
	wg.Wait()
	close(errc)
	close(seen)
	for err := range errc {
		t.Error(err)
	}
	distinct := map[uint64]bool{}
	for in := range seen {
		distinct[in] = true
	}
	if len(distinct) < 2 {
		t.Errorf("the readers saw %d distinct results: the test proves nothing", len(distinct))
	}
	// And once more at the sample at which eth0's and veth1's save (at
	// 11:55) became overdue (12:00:30): it is judged on a fresh read.
	if v.readCount() != 201 {
		t.Errorf("vnstat was read %d times for 200 polls and one overdue save", v.readCount())
	}
}

// TestRunPollsAtStartAndStopsOnCancel runs the loop with a short interval.
func TestRunPollsAtStartAndStopsOnCancel(t *testing.T) {
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	p, v := newTestPoller(t, PollerConfig{StartDay: 1, Interval: 10 * time.Millisecond}, hostLinks, &now, multiIfaces())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for v.readCount() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run returned %v after cancel, want nil", err)
	}
	if v.readCount() < 3 {
		t.Errorf("Run polled %d times", v.readCount())
	}
}

// TestPollEarlierCycles: the cycles before the previous one, as far as
// vnstat keeps daily rows (DailyDays 62 from 2026-11-30: 2026-09-29 on),
// with their sums, days and what they miss; and each cycle's days add up
// to its totals.
func TestPollEarlierCycles(t *testing.T) {
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	ifaces := multiIfaces()
	res := pollOnce(t, ifaces, PollerConfig{StartDay: 15, Interfaces: []string{"eth0"}}, hostLinks, now)
	if len(res.Earlier) != 1 {
		t.Fatalf("%d earlier cycles, want 1 (2026-09-15..2026-10-14)", len(res.Earlier))
	}
	e := res.Earlier[0]
	start, last := vnstattest.Date(2026, time.September, 15), vnstattest.Date(2026, time.October, 14)
	// Rows are read from 2026-09-29: vnstat keeps no older ones.
	in, out, _ := wantTotals(ifaces, []string{"eth0"}, vnstattest.Date(2026, time.September, 29), last)
	if e.Cycle.Start != start || e.Cycle.Today != last || e.InBytes != in || e.OutBytes != out || e.Usage.UsedBytes != in+out {
		t.Errorf("earlier cycle %s..%s %d/%d, want %s..%s %d/%d", e.Cycle.Start.Format(billing.DateFormat), e.Cycle.Today.Format(billing.DateFormat),
			e.InBytes, e.OutBytes, start.Format(billing.DateFormat), last.Format(billing.DateFormat), in, out)
	}
	if d := e.Details(traffic.Incomplete); len(d) != 1 || !strings.Contains(d[0], "DailyDays") {
		t.Errorf("earlier cycle's gaps %q, want the rows DailyDays deleted", d)
	}
	for _, c := range []*traffic.Totals{&res.Totals, res.Previous, e} {
		var sin, sout uint64
		for _, d := range c.Days {
			sin += d.InBytes
			sout += d.OutBytes
		}
		if sin != c.InBytes || sout != c.OutBytes || c.Days[0].Date != c.Cycle.Start || c.Days[len(c.Days)-1].Date != c.Cycle.Today {
			t.Errorf("cycle %s: days sum to %d/%d over %s..%s, totals %d/%d", c.Cycle.Start.Format(billing.DateFormat), sin, sout,
				c.Days[0].Date.Format(billing.DateFormat), c.Days[len(c.Days)-1].Date.Format(billing.DateFormat), c.InBytes, c.OutBytes)
		}
	}
}

// TestPollEarlierCyclesBeyondAYear: with DailyDays -1 (rows kept for
// ever) the rows are read as far back as the earliest cycle listed, so
// every one of the MaxEarlier cycles is whole and its sums are vnstat's
// (issue 33: the oldest ones, before a year back, showed days vnstat holds
// as 0 bytes and said vnstat lacked them). With DailyDays 400, the cycles
// go back to what vnstat keeps, and the one that begins before says so.
func TestPollEarlierCyclesBeyondAYear(t *testing.T) {
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	today := vnstattest.Date(2026, time.November, 30)
	ifaces := multiIfaces()[:1]
	ifaces[0].Created = vnstattest.Date(2024, time.January, 1)
	ifaces[0].Days = vnstattest.Series(today, 700, 1, true)
	vc := DefaultVnstatConfig()
	vc.DailyDays = -1
	res := pollOnce(t, ifaces, PollerConfig{StartDay: 15, Interfaces: []string{"eth0"}, Vnstat: vc}, hostLinks, now)
	if len(res.Earlier) != traffic.MaxEarlier {
		t.Fatalf("%d earlier cycles, want %d", len(res.Earlier), traffic.MaxEarlier)
	}
	for _, e := range res.Earlier {
		in, out, _ := wantTotals(ifaces, []string{"eth0"}, e.Cycle.Start, e.Cycle.Today)
		if d := e.Details(traffic.Incomplete); len(d) > 0 || e.InBytes != in || e.OutBytes != out || in == 0 {
			t.Errorf("cycle %s..%s: %d/%d, want %d/%d; incomplete %q", e.Cycle.Start.Format(billing.DateFormat), e.Cycle.Today.Format(billing.DateFormat),
				e.InBytes, e.OutBytes, in, out, d)
		}
	}
	if oldest := res.Earlier[len(res.Earlier)-1]; oldest.Cycle.Start != vnstattest.Date(2025, time.October, 15) {
		t.Errorf("the oldest earlier cycle starts %s, want 2025-10-15", oldest.Cycle.Start.Format(billing.DateFormat))
	}

	vc.DailyDays = 400 // rows before 2025-10-26 are gone
	res = pollOnce(t, ifaces, PollerConfig{StartDay: 15, Interfaces: []string{"eth0"}, Vnstat: vc}, hostLinks, now)
	kept := vnstattest.Date(2025, time.October, 26)
	for _, e := range res.Earlier {
		d := e.Details(traffic.Incomplete)
		switch {
		case e.Cycle.Today.Before(kept):
			t.Errorf("cycle %s..%s listed, wholly before what vnstat keeps", e.Cycle.Start.Format(billing.DateFormat), e.Cycle.Today.Format(billing.DateFormat))
		case e.Cycle.Start.Before(kept) && (len(d) != 1 || !strings.Contains(d[0], "vnstat keeps 400 days of daily rows")):
			t.Errorf("cycle %s..%s: incomplete %q, want the rows DailyDays deleted", e.Cycle.Start.Format(billing.DateFormat), e.Cycle.Today.Format(billing.DateFormat), d)
		case !e.Cycle.Start.Before(kept) && len(d) > 0:
			t.Errorf("cycle %s..%s: incomplete %q, want whole", e.Cycle.Start.Format(billing.DateFormat), e.Cycle.Today.Format(billing.DateFormat), d)
		}
	}
	if oldest := res.Earlier[len(res.Earlier)-1]; !oldest.Cycle.Start.Before(kept) {
		t.Errorf("the oldest earlier cycle starts %s, after what vnstat keeps (%s)", oldest.Cycle.Start.Format(billing.DateFormat), kept.Format(billing.DateFormat))
	}
}

// TestRunRetriesUntilFirstGoodPoll: with no database yet (vnstatd still
// starting), Run polls again every Retry, not every Interval, until a poll
// succeeds; then it keeps to Interval.
func TestRunRetriesUntilFirstGoodPoll(t *testing.T) {
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	const retry = 20 * time.Millisecond
	p, v := newTestPoller(t, PollerConfig{StartDay: 1, Interval: time.Hour, Retry: retry}, hostLinks, &now, multiIfaces())
	v.set(func(f *fakeVnstat) {
		f.err = errors.New("reading vnstat's database /db/vnstat.db: no such file or directory")
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- p.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	reads := func() int {
		v.mu.Lock()
		defer v.mu.Unlock()
		return v.reads
	}
	waitUntil(t, "three reads while failing", func() bool { return reads() >= 3 })
	v.set(func(f *fakeVnstat) { f.err = nil })
	waitUntil(t, "a good result", func() bool { return p.State().Result != nil })
	n := reads()
	// Interval is an hour: no more reads now. A retry left running would
	// show within a few Retry periods (it took one each above).
	deadline := time.Now().Add(25 * retry)
	for time.Now().Before(deadline) {
		if reads() != n {
			t.Fatalf("read again (%d reads, %d at the good poll) after a good poll, before Interval", reads(), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within a minute", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
