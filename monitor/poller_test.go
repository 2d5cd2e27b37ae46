package monitor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// hostLinks are the links of a host whose vnstat database is the "multi"
// fixture: two NICs, a veth vnstat tracks, and loopback.
var hostLinks = []Link{
	{Name: "lo", Index: 1, Kind: "device", Loopback: true},
	{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio"},
	{Name: "wlo1", Index: 3, Kind: "device", ParentBus: "pci"},
	{Name: "veth1", Index: 4, Kind: "veth"},
}

func fixture(t *testing.T, name string) vnstattest.Fixture {
	t.Helper()
	for _, f := range vnstattest.Fixtures() {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no fixture %s", name)
	return vnstattest.Fixture{}
}

func captured(t *testing.T, name string) []byte {
	t.Helper()
	b, err := vnstattest.Captured(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newTestPoller returns a Poller that runs vnstat through a fake runner
// and whose clock reads *now.
func newTestPoller(t *testing.T, cfg PollerConfig, links []Link, now *time.Time) (*Poller, *vnstattest.Runner, *vnstatsrc.Client) {
	t.Helper()
	r := &vnstattest.Runner{T: t}
	client := vnstatsrc.NewClient("vnstat", "/db", r, nil)
	if cfg.Interval == 0 {
		cfg.Interval = time.Minute
	}
	p := NewPoller(cfg, client, &fakeLinks{links: links}, func() time.Time { return *now }, nil)
	return p, r, client
}

// pollOnce polls vnstat's captured output for fixture f once, at now, and
// returns the published result.
func pollOnce(t *testing.T, f vnstattest.Fixture, cfg PollerConfig, links []Link, now time.Time) *Result {
	t.Helper()
	p, r, client := newTestPoller(t, cfg, links, &now)
	r.Expect(client.DailyArgv(f.Begin), captured(t, f.Name), nil)
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p.State().Result
}

// wantTotals sums the fixture's rows of the named interfaces from start
// through today: the numbers the poller must report.
func wantTotals(f vnstattest.Fixture, names []string, start, today time.Time) (in, out uint64, per []IfaceTotal) {
	for _, i := range f.Ifaces {
		for _, n := range names {
			if i.Name == n {
				rx, tx := i.Sum(start, today)
				in += rx
				out += tx
				per = append(per, IfaceTotal{Name: n, InBytes: rx, OutBytes: tx, Updated: i.Updated})
			}
		}
	}
	slices.SortFunc(per, func(a, b IfaceTotal) int { return strings.Compare(a.Name, b.Name) })
	return in, out, per
}

func TestPollSumsTheCycle(t *testing.T) {
	tests := []struct {
		name       string
		startDay   int
		start      time.Time // the cycle's first day
		capture    string    // vnstat's output from the previous cycle's start
		interfaces []string
		report     []string
		missing    []string
	}{
		{name: "start day 1", startDay: 1, start: vnstattest.Date(2026, time.November, 1), capture: "multi-begin-2026-10-01", report: []string{"eth0", "wlo1"}},
		{name: "start day 15", startDay: 15, start: vnstattest.Date(2026, time.November, 15), capture: "multi-begin-2026-10-15", report: []string{"eth0", "wlo1"}},
		{name: "start day 28", startDay: 28, start: vnstattest.Date(2026, time.November, 28), capture: "multi-begin-2026-10-28", report: []string{"eth0", "wlo1"}},
		{name: "start day today", startDay: 30, start: vnstattest.Date(2026, time.November, 30), capture: "multi-begin-2026-10-30", report: []string{"eth0", "wlo1"}},
		{name: "start day 31 in November", startDay: 31, start: vnstattest.Date(2026, time.November, 30), capture: "multi-begin-2026-10-31", report: []string{"eth0", "wlo1"}},
		{
			name: "INTERFACES with a veth and absent names", startDay: 15, start: vnstattest.Date(2026, time.November, 15), capture: "multi-begin-2026-10-15",
			interfaces: []string{"veth1", "eth9", "wlo1", "lo"},
			report:     []string{"veth1", "wlo1"},
			missing:    []string{"eth9: no such interface on this host", "lo: not in vnstat's database (add it with: vnstat --add -i lo)"},
		},
	}
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	today := vnstattest.Date(2026, time.November, 30)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fixture(t, tt.capture)
			p, r, client := newTestPoller(t, PollerConfig{StartDay: tt.startDay, Interfaces: tt.interfaces}, hostLinks, &now)
			r.Expect(client.DailyArgv(f.Begin), captured(t, tt.capture), nil)
			if err := p.Poll(context.Background()); err != nil {
				t.Fatalf("Poll: %v", err)
			}
			st := p.State()
			if st.Err != nil || st.Result == nil {
				t.Fatalf("state = %+v", st)
			}
			in, out, per := wantTotals(f, tt.report, tt.start, today)
			if in == 0 || out == 0 {
				t.Fatalf("fixture sums are zero: the test proves nothing")
			}
			got := *st.Result
			got.Previous, got.Usage = nil, Usage{}
			want := &Result{
				Cycle:      Cycle{Start: tt.start, Today: today, Next: st.Result.Cycle.Next},
				InBytes:    in,
				OutBytes:   out,
				Interfaces: per,
				UpdatedAt:  per[0].Updated,
				PolledAt:   now,
				Missing:    tt.missing,
			}
			for _, i := range per {
				if i.Updated.After(want.UpdatedAt) {
					want.UpdatedAt = i.Updated
				}
			}
			if diff := cmp.Diff(want, &got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if u := st.Result.Usage; u.Mode != ModeSum || u.UsedBytes != in+out {
				t.Errorf("usage %+v, want sum %d", u, in+out)
			}
		})
	}
}

// TestPollPreviousCycle checks the previous whole cycle computed from the
// same vnstat run: its bounds, its sums, and that it is refused as
// incomplete when vnstat did not hold all of it.
func TestPollPreviousCycle(t *testing.T) {
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		startDay    int
		capture     string
		interfaces  []string
		quota       Quota
		first, last time.Time
		incomplete  string
	}{
		{name: "start day 1: October", startDay: 1, capture: "multi-begin-2026-10-01",
			first: vnstattest.Date(2026, time.October, 1), last: vnstattest.Date(2026, time.October, 31)},
		{name: "start day 15", startDay: 15, capture: "multi-begin-2026-10-15",
			first: vnstattest.Date(2026, time.October, 15), last: vnstattest.Date(2026, time.November, 14)},
		{name: "start day 31: Oct 31 to Nov 29", startDay: 31, capture: "multi-begin-2026-10-31",
			first: vnstattest.Date(2026, time.October, 31), last: vnstattest.Date(2026, time.November, 29)},
		{name: "veth tracked from mid-cycle", startDay: 15, capture: "multi-begin-2026-10-15", interfaces: []string{"veth1"},
			first: vnstattest.Date(2026, time.October, 15), last: vnstattest.Date(2026, time.November, 14),
			incomplete: "veth1: vnstat began to track it on 2026-11-20"},
		{name: "the offset stands for the days before tracking", startDay: 15, capture: "multi-begin-2026-10-15", interfaces: []string{"veth1"},
			quota: Quota{Offset: 5 << 30, OffsetCycle: vnstattest.Date(2026, time.October, 15)},
			first: vnstattest.Date(2026, time.October, 15), last: vnstattest.Date(2026, time.November, 14)},
		{name: "rows dropped by DailyDays", startDay: 1, capture: "incomplete",
			first: vnstattest.Date(2026, time.October, 1), last: vnstattest.Date(2026, time.October, 31),
			incomplete: "eth0: vnstat tracks it since 2026-06-01, but it has no daily rows in the cycle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fixture(t, tt.capture)
			p, r, client := newTestPoller(t, PollerConfig{StartDay: tt.startDay, Interfaces: tt.interfaces, Quota: tt.quota}, hostLinks, &now)
			r.Expect(client.DailyArgv(f.Begin), captured(t, tt.capture), nil)
			if err := p.Poll(context.Background()); err != nil {
				t.Fatal(err)
			}
			prev := p.State().Result.Previous
			if !prev.Cycle.Start.Equal(tt.first) || !prev.Cycle.Today.Equal(tt.last) || !prev.Cycle.Next.Equal(tt.last.AddDate(0, 0, 1)) {
				t.Errorf("previous cycle %v, want %s..%s", prev.Cycle, tt.first.Format(DateFormat), tt.last.Format(DateFormat))
			}
			names := tt.interfaces
			if names == nil {
				names = []string{"eth0", "wlo1"}
			}
			in, out, _ := wantTotals(f, names, tt.first, tt.last)
			if prev.InBytes != in || prev.OutBytes != out {
				t.Errorf("previous totals %d/%d, want %d/%d", prev.InBytes, prev.OutBytes, in, out)
			}
			if got := strings.Join(prev.Incomplete, "; "); (tt.incomplete == "") != (got == "") || !strings.Contains(got, tt.incomplete) {
				t.Errorf("previous incomplete %q, want %q", got, tt.incomplete)
			}
			if u := prev.Usage; u.ProjectedBytes != u.UsedBytes || u.UsedBytes != in+out+tt.quota.Offset || !u.ResetsOn.Equal(p.State().Result.Cycle.Start) {
				t.Errorf("previous usage %+v: want used = projected = %d, resets on the current start", u, in+out+tt.quota.Offset)
			}
		})
	}
}

func TestPollLeapFebruaryStopsAtToday(t *testing.T) {
	f := fixture(t, "leap-begin-2028-01-30")
	now := time.Date(2028, time.March, 5, 8, 0, 0, 0, time.UTC)
	links := []Link{{Name: "enp3s0", Index: 2, Kind: "device", ParentBus: "pci"}}
	p, r, client := newTestPoller(t, PollerConfig{StartDay: 30}, links, &now)
	r.Expect(client.DailyArgv(f.Begin), captured(t, f.Name), nil)
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	in, out, _ := wantTotals(f, []string{"enp3s0"}, vnstattest.Date(2028, time.February, 29), vnstattest.Date(2028, time.March, 5))
	all, _, _ := wantTotals(f, []string{"enp3s0"}, vnstattest.Date(2028, time.February, 29), vnstattest.Date(2028, time.March, 31))
	res := p.State().Result
	if res.InBytes != in || res.OutBytes != out {
		t.Errorf("totals = %d/%d, want %d/%d (rows after today excluded; with them rx would be %d)", res.InBytes, res.OutBytes, in, out, all)
	}
	if in >= all {
		t.Fatal("fixture has no rows after today: the test proves nothing")
	}
}

func TestPollIncomplete(t *testing.T) {
	f := fixture(t, "incomplete")
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	res := pollOnce(t, f, PollerConfig{StartDay: 1}, hostLinks, now)
	if len(res.Incomplete) != 1 || !strings.Contains(res.Incomplete[0], "eth0") || !strings.Contains(res.Incomplete[0], "2026-11-10") {
		t.Errorf("Incomplete = %q, want eth0 with rows from 2026-11-10", res.Incomplete)
	}
	in, _, _ := wantTotals(f, []string{"eth0"}, vnstattest.Date(2026, time.November, 1), now)
	if res.InBytes != in {
		t.Errorf("InBytes = %d, want %d", res.InBytes, in)
	}
}

func TestPollNewInterfaceIsNotIncomplete(t *testing.T) {
	res := pollOnce(t, fixture(t, "empty"), PollerConfig{StartDay: 1}, hostLinks, time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC))
	if res.InBytes != 0 || res.OutBytes != 0 || len(res.Incomplete) != 0 || len(res.Interfaces) != 1 {
		t.Errorf("result = %+v, want eth0 with no traffic yet and nothing incomplete", res)
	}
}

func TestPollFailureKeepsLastGoodResult(t *testing.T) {
	f := fixture(t, "multi-begin-2026-10-01")
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	p, r, client := newTestPoller(t, PollerConfig{StartDay: 1}, hostLinks, &now)

	r.Expect(client.DailyArgv(f.Begin), nil, errors.New("vnstat exploded"))
	if err := p.Poll(context.Background()); err == nil {
		t.Fatal("Poll succeeded on a failing vnstat")
	}
	if st := p.State(); st.Result != nil || st.Err == nil || !st.LastPoll.Equal(now) {
		t.Fatalf("state after first failure = %+v, want no result and the error", st)
	}

	r.Expect(client.DailyArgv(f.Begin), captured(t, f.Name), nil)
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	good := p.State().Result

	for _, bad := range []struct {
		name string
		out  []byte
		err  error
	}{
		{"run error", nil, &vnstatsrc.RunError{Argv: []string{"vnstat"}, Err: errors.New("exit status 1"), Stderr: "Error: Failed to open database"}},
		{"garbage", []byte("Error: database is locked"), nil},
		{"jsonversion 1", []byte(`{"vnstatversion":"1.18","jsonversion":"1","interfaces":[]}`), nil},
	} {
		now = now.Add(time.Minute)
		r.Expect(client.DailyArgv(f.Begin), bad.out, bad.err)
		if err := p.Poll(context.Background()); err == nil {
			t.Fatalf("%s: Poll succeeded", bad.name)
		}
		st := p.State()
		if st.Result != good || st.Err == nil || !st.LastPoll.Equal(now) {
			t.Errorf("%s: state = %+v, want the last good result kept and the error", bad.name, st)
		}
	}

	r.Expect(client.DailyArgv(f.Begin), captured(t, f.Name), nil)
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := p.State(); st.Err != nil || st.Result == good || !st.Result.PolledAt.Equal(now) {
		t.Errorf("after recovery: %+v", st)
	}
}

func TestPollNoInterfaceToReport(t *testing.T) {
	f := fixture(t, "multi-begin-2026-10-01")
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		links      []Link
		interfaces []string
		want       string
	}{
		{"only virtual links", hostLinks[3:], nil, "no physical NIC found"},
		{"NIC vnstat does not track", []Link{{Name: "enp9s0", Index: 9, Kind: "device", ParentBus: "pci"}}, nil, "vnstat tracks none of the physical NICs enp9s0"},
		{"every named interface absent", hostLinks, []string{"eth9"}, "eth9: no such interface"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, r, client := newTestPoller(t, PollerConfig{StartDay: 1, Interfaces: tt.interfaces}, tt.links, &now)
			r.Expect(client.DailyArgv(f.Begin), captured(t, f.Name), nil)
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
// reset day's midnight.
func TestPollAfterMidnightUsesNewCycle(t *testing.T) {
	loc := time.FixedZone("UTC+8", 8*3600)
	now := time.Date(2026, time.November, 27, 23, 59, 59, 0, loc)
	p, r, client := newTestPoller(t, PollerConfig{StartDay: 28}, hostLinks, &now)

	r.Expect(client.DailyArgv(vnstattest.Date(2026, time.September, 28)), captured(t, "multi-begin-2026-09-28"), nil)
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := p.State().Result.Cycle.Start.Format(DateFormat); got != "2026-10-28" {
		t.Fatalf("cycle start before midnight = %s", got)
	}

	now = time.Date(2026, time.November, 28, 0, 0, 1, 0, loc)
	f := fixture(t, "multi-begin-2026-10-28")
	r.Expect(client.DailyArgv(f.Begin), captured(t, f.Name), nil)
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := p.State().Result
	start := vnstattest.Date(2026, time.November, 28)
	in, out, _ := wantTotals(f, []string{"eth0", "wlo1"}, start, start)
	if res.Cycle.Start != start || res.InBytes != in || res.OutBytes != out {
		t.Errorf("after midnight: cycle %s totals %d/%d, want %s %d/%d", res.Cycle.Start.Format(DateFormat), res.InBytes, res.OutBytes, start.Format(DateFormat), in, out)
	}
}

// TestStateIsReplacedAtomically reads the state while polls replace it;
// run with -race. Every state read must be whole: a result's totals always
// equal the sum of its interfaces.
func TestStateIsReplacedAtomically(t *testing.T) {
	f := fixture(t, "multi-begin-2026-10-01")
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	p, r, client := newTestPoller(t, PollerConfig{StartDay: 1}, hostLinks, &now)
	r.Expect(client.DailyArgv(f.Begin), captured(t, f.Name), nil)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errc := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				st := p.State()
				if st.Result == nil {
					continue
				}
				var in uint64
				for _, i := range st.Result.Interfaces {
					in += i.InBytes
				}
				if in != st.Result.InBytes {
					errc <- fmt.Errorf("torn result: %d != %d", in, st.Result.InBytes)
					return
				}
			}
		})
	}
	for range 200 {
		if err := p.Poll(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if r.Calls() != 200 {
		t.Errorf("vnstat ran %d times for 200 polls", r.Calls())
	}
}

// TestRunPollsAtStartAndStopsOnCancel runs the loop with a short interval.
func TestRunPollsAtStartAndStopsOnCancel(t *testing.T) {
	f := fixture(t, "multi-begin-2026-10-01")
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	p, r, client := newTestPoller(t, PollerConfig{StartDay: 1, Interval: 10 * time.Millisecond}, hostLinks, &now)
	r.Expect(client.DailyArgv(f.Begin), captured(t, f.Name), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for r.Calls() < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run returned %v after cancel, want nil", err)
	}
	if r.Calls() < 3 {
		t.Errorf("Run polled %d times", r.Calls())
	}
}
