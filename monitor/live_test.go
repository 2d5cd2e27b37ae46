package monitor

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

func TestLiveDelta(t *testing.T) {
	boot := time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)
	saved := vnstatsrc.Counters{Name: "eth0", RX: 1000, TX: 500, Updated: boot.Add(48 * time.Hour)}
	tests := []struct {
		name    string
		link    Link
		ok      bool
		changed time.Time
		rx, tx  uint64
		why     string
	}{
		{"traffic since the save", Link{Name: "eth0", RxBytes: 1500, TxBytes: 800}, true, time.Time{}, 500, 300, ""},
		{"no traffic since", Link{Name: "eth0", RxBytes: 1000, TxBytes: 500}, true, time.Time{}, 0, 0, ""},
		{"counter reset", Link{Name: "eth0", RxBytes: 10, TxBytes: 900}, true, time.Time{}, 0, 0, "below vnstat's saved"},
		{"link gone", Link{}, false, time.Time{}, 0, 0, "not on this host"},
		{"recreated after the save", Link{Name: "eth0", RxBytes: 5000, TxBytes: 5000}, true, saved.Updated.Add(time.Minute), 0, 0, "recreated or renamed"},
		{"recreated before the save", Link{Name: "eth0", RxBytes: 5000, TxBytes: 5000}, true, saved.Updated.Add(-time.Minute), 4000, 4500, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rx, tx, why := liveDelta(saved, tt.link, tt.ok, boot, tt.changed)
			if rx != tt.rx || tx != tt.tx || (tt.why == "") != (why == "") || !strings.Contains(why, tt.why) {
				t.Errorf("liveDelta = %d, %d, %q; want %d, %d, %q", rx, tx, why, tt.rx, tt.tx, tt.why)
			}
		})
	}
	// Saved before this boot: the counters belong to the previous boot.
	if rx, tx, why := liveDelta(saved, Link{Name: "eth0", RxBytes: 2000, TxBytes: 2000}, true, saved.Updated.Add(time.Hour), time.Time{}); rx+tx != 0 || !strings.Contains(why, "booted") {
		t.Errorf("saved before boot: %d, %d, %q", rx, tx, why)
	}
}

// fakeCounters is a CounterSource with counters the test sets.
type fakeCounters struct {
	mu  sync.Mutex
	cs  []vnstatsrc.Counters
	err error
}

var _ CounterSource = (*fakeCounters)(nil)

func (f *fakeCounters) Counters(context.Context) ([]vnstatsrc.Counters, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.cs, f.err
}

// livePoller polls the "multi" fixture on 2026-11-30 with eth0 and wlo1
// chosen and vnstat's counters saved at 11:55.
func livePoller(t *testing.T, cfg PollerConfig, now *time.Time, links *fakeLinks, counters *fakeCounters) *Poller {
	t.Helper()
	f := fixture(t, "multi-begin-2026-10-01")
	r := &vnstattest.Runner{T: t}
	client := vnstatsrc.NewClient("vnstat", "/db", r, nil)
	r.Expect(client.DailyArgv(f.Begin), captured(t, f.Name), nil)
	cfg.StartDay, cfg.Interval = 1, time.Minute
	p := NewPoller(cfg, client, links, func() time.Time { return *now }, nil).WithCounters(counters)
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLiveTopUp(t *testing.T) {
	saved := time.Date(2026, time.November, 30, 11, 55, 0, 0, time.UTC)
	now := saved.Add(2 * time.Minute)
	links := &fakeLinks{links: []Link{
		{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio", RxBytes: 10_000, TxBytes: 20_000},
		{Name: "wlo1", Index: 3, Kind: "device", ParentBus: "pci", RxBytes: 300, TxBytes: 400},
	}}
	counters := &fakeCounters{cs: []vnstatsrc.Counters{
		{Name: "eth0", RX: 9_000, TX: 19_500, Updated: saved},
		{Name: "wlo1", RX: 300, TX: 400, Updated: saved},
	}}
	p := livePoller(t, PollerConfig{Live: true, StaleAfter: 15 * time.Minute}, &now, links, counters)
	res := p.State().Result
	base := p.base
	if res.LiveInBytes != 1000 || res.LiveOutBytes != 500 || res.InBytes != base.InBytes+1000 || res.OutBytes != base.OutBytes+500 {
		t.Fatalf("after the poll: live %d/%d totals %d/%d, want 1000/500 on top of %d/%d",
			res.LiveInBytes, res.LiveOutBytes, res.InBytes, res.OutBytes, base.InBytes, base.OutBytes)
	}
	if res.Interfaces[0].Name != "eth0" || res.Interfaces[0].LiveInBytes != 1000 || res.Usage.UsedBytes != res.InBytes+res.OutBytes || !res.LiveAsOf.Equal(now) {
		t.Errorf("eth0 %+v usage %+v as of %v", res.Interfaces[0], res.Usage, res.LiveAsOf)
	}

	// More kernel traffic shows at the next sample, without a poll.
	now = now.Add(time.Second)
	links.links[0].RxBytes += 4096
	if err := p.Sample(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := p.State().Result; res.LiveInBytes != 1000+4096 || res.InBytes != base.InBytes+1000+4096 || p.base != base {
		t.Errorf("after a sample: live in %d total %d", res.LiveInBytes, res.InBytes)
	}

	// The counter went backwards (driver reload): no top-up for eth0,
	// never a negative or wrapped number.
	now = now.Add(time.Second)
	links.links[0].RxBytes = 5
	if err := p.Sample(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := p.State().Result; res.LiveInBytes != 0 || res.LiveOutBytes != 0 || res.InBytes != base.InBytes {
		t.Errorf("after a counter reset: live %d/%d total %d, want none on %d", res.LiveInBytes, res.LiveOutBytes, res.InBytes, base.InBytes)
	}

	// eth0 recreated (a new index) with counters above the saved ones:
	// no top-up until vnstat saves again.
	now = now.Add(time.Second)
	links.links[0].Index, links.links[0].RxBytes, links.links[0].TxBytes = 7, 50_000, 50_000
	if err := p.Sample(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := p.State().Result; res.LiveInBytes != 0 || res.InBytes != base.InBytes {
		t.Errorf("after eth0 was recreated: live in %d", res.LiveInBytes)
	}
	counters.cs[0] = vnstatsrc.Counters{Name: "eth0", RX: 50_000, TX: 50_000, Updated: now.Add(time.Second)}
	now = now.Add(2 * time.Second)
	links.links[0].RxBytes += 10
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := p.State().Result; res.LiveInBytes != 10 {
		t.Errorf("after vnstat saved the new eth0: live in %d, want 10", res.LiveInBytes)
	}
}

func TestLiveOffAndUnreadableDatabase(t *testing.T) {
	saved := time.Date(2026, time.November, 30, 11, 55, 0, 0, time.UTC)
	now := saved.Add(time.Minute)
	links := &fakeLinks{links: []Link{{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio", RxBytes: 10_000, TxBytes: 20_000}}}
	counters := &fakeCounters{cs: []vnstatsrc.Counters{{Name: "eth0", RX: 9_000, TX: 19_500, Updated: saved}}}
	p := livePoller(t, PollerConfig{Live: false}, &now, links, counters)
	if res := p.State().Result; res.LiveInBytes != 0 || !res.LiveAsOf.IsZero() || res.InBytes != p.base.InBytes {
		t.Errorf("LIVE=false: %+v", res)
	}
	counters.err = errors.New("database is locked")
	p2 := livePoller(t, PollerConfig{Live: true}, &now, links, counters)
	if st := p2.State(); st.Err != nil || st.Result.LiveInBytes != 0 || st.Result.InBytes != p2.base.InBytes {
		t.Errorf("unreadable database: err %v, live %d", st.Err, st.Result.LiveInBytes)
	}
}

// TestLiveDeltaAfterReset: vnstat saved on the last day of a cycle and
// the kernel counted more after midnight, when the new cycle began: the
// delta belongs to the new cycle.
func TestLiveDeltaAfterReset(t *testing.T) {
	f := fixture(t, "multi-begin-2026-10-01")
	saved := time.Date(2026, time.October, 31, 23, 58, 0, 0, time.UTC)
	now := time.Date(2026, time.November, 1, 0, 1, 0, 0, time.UTC)
	links := &fakeLinks{links: []Link{{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio", RxBytes: 10_000, TxBytes: 20_000}}}
	counters := &fakeCounters{cs: []vnstatsrc.Counters{{Name: "eth0", RX: 9_000, TX: 19_000, Updated: saved}}}
	r := &vnstattest.Runner{T: t}
	client := vnstatsrc.NewClient("vnstat", "/db", r, nil)
	r.Expect(client.DailyArgv(f.Begin), captured(t, f.Name), nil)
	p := NewPoller(PollerConfig{StartDay: 1, Interval: time.Minute, Live: true}, client, links, func() time.Time { return now }, nil).WithCounters(counters)
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := p.State().Result
	rows, _, _ := wantTotals(f, []string{"eth0"}, vnstattest.Date(2026, time.November, 1), vnstattest.Date(2026, time.November, 1))
	if res.Cycle.Start != vnstattest.Date(2026, time.November, 1) || res.InBytes != rows+1000 || res.LiveInBytes != 1000 {
		t.Errorf("cycle %s in %d (live %d), want the new cycle's rows %d + 1000", res.Cycle.Start.Format(DateFormat), res.InBytes, res.LiveInBytes, rows)
	}
	if res.Previous.InBytes != func() uint64 {
		in, _, _ := wantTotals(f, []string{"eth0"}, vnstattest.Date(2026, time.October, 1), vnstattest.Date(2026, time.October, 31))
		return in
	}() {
		t.Errorf("the live delta leaked into the previous cycle: %d", res.Previous.InBytes)
	}
}

func TestStalledVnstatd(t *testing.T) {
	saved := time.Date(2026, time.November, 30, 11, 0, 0, 0, time.UTC)
	now := saved.Add(10 * time.Minute)
	links := &fakeLinks{links: []Link{{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio", RxBytes: 9_000, TxBytes: 19_000}}}
	counters := &fakeCounters{cs: []vnstatsrc.Counters{{Name: "eth0", RX: 9_000, TX: 19_000, Updated: saved}}}
	p := livePoller(t, PollerConfig{Live: true, StaleAfter: 15 * time.Minute}, &now, links, counters)

	// Old save, but nothing counted since: an idle link, not a stall.
	now = saved.Add(20 * time.Minute)
	if err := p.Sample(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := p.State().Result.Stalled; s != "" {
		t.Errorf("idle link reported stalled: %s", s)
	}
	// Traffic and an old save: stalled.
	links.links[0].TxBytes += 777
	now = now.Add(time.Second)
	if err := p.Sample(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := p.State().Result.Stalled; !strings.Contains(s, "vnstatd is not saving: last write 2026-11-30T11:00:00Z, kernel counted 777 bytes since") {
		t.Errorf("stalled = %q", s)
	}
	// Traffic within the threshold: fine.
	counters.cs[0].Updated = now
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	links.links[0].TxBytes += 1
	now = now.Add(time.Minute)
	if err := p.Sample(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := p.State().Result.Stalled; s != "" {
		t.Errorf("fresh save reported stalled: %s", s)
	}
}

// TestTriggerPolls: a trigger makes Run poll without waiting the interval.
func TestTriggerPolls(t *testing.T) {
	f := fixture(t, "multi-begin-2026-10-01")
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	p, r, client := newTestPoller(t, PollerConfig{StartDay: 1, Interval: time.Hour}, hostLinks, &now)
	r.Expect(client.DailyArgv(f.Begin), captured(t, f.Name), nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	waitCalls := func(n int) {
		deadline := time.Now().Add(10 * time.Second)
		for r.Calls() < n {
			if time.Now().After(deadline) {
				t.Fatalf("vnstat ran %d times, want %d", r.Calls(), n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitCalls(1)
	p.Trigger()
	waitCalls(2)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

// TestSampleAtNewDayPollsOnce: the first sample after midnight polls; if
// vnstat fails then, later samples do not run it again every second.
func TestSampleAtNewDayPollsOnce(t *testing.T) {
	f := fixture(t, "multi-begin-2026-10-01")
	now := time.Date(2026, time.November, 29, 23, 59, 59, 0, time.UTC)
	p, r, client := newTestPoller(t, PollerConfig{StartDay: 1, Live: true}, hostLinks, &now)
	r.Expect(client.DailyArgv(f.Begin), captured(t, f.Name), nil)
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	good := p.base
	r.Expect(client.DailyArgv(f.Begin), nil, errors.New("vnstat broke at midnight"))
	for i := range 5 {
		now = now.Add(time.Second)
		_ = p.Sample(context.Background())
		if i == 0 && r.Calls() != 2 {
			t.Fatalf("the first sample of the day ran vnstat %d times in all, want a poll", r.Calls())
		}
	}
	if r.Calls() != 2 {
		t.Errorf("vnstat ran %d times in all over 5 samples after midnight, want 2", r.Calls())
	}
	if st := p.State(); st.Err == nil || p.base != good || st.Result == nil {
		t.Errorf("after the failed poll: err %v, base kept %v", st.Err, p.base == good)
	}
}
