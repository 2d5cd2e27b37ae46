package monitor

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/traffic"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// testBoot is when the test host booted; vnstatd's saves in the fixtures
// come after it.
var testBoot = time.Date(2026, time.August, 1, 0, 0, 0, 0, time.UTC)

// hostLinks are the links of a host whose vnstat database is multiIfaces:
// two NICs, a veth vnstat tracks, and loopback.
var hostLinks = []Link{
	{Name: "lo", Index: 1, Kind: "device", Loopback: true},
	{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio"},
	{Name: "wlo1", Index: 3, Kind: "device", ParentBus: "pci"},
	{Name: "veth1", Index: 4, Kind: "veth"},
}

// multiIfaces is a database on 2026-11-30 (UTC): a NIC with 70 days of
// traffic beyond 32 bits a day, a laptop-style NIC saved a little earlier,
// and a veth vnstat began to track on November 20.
func multiIfaces() []vnstattest.Iface {
	today := vnstattest.Date(2026, time.November, 30)
	updated := time.Date(2026, time.November, 30, 11, 55, 0, 0, time.UTC)
	return []vnstattest.Iface{
		{Name: "eth0", Created: vnstattest.Date(2026, time.August, 1), Updated: updated, Days: vnstattest.Series(today, 70, 1, true)},
		{Name: "wlo1", Created: vnstattest.Date(2026, time.September, 25), Updated: updated.Add(-5 * time.Minute), Days: vnstattest.Series(today, 62, 2, false)},
		{Name: "veth1", Created: vnstattest.Date(2026, time.November, 20), Updated: updated, Days: vnstattest.Series(today, 11, 3, false)},
	}
}

// fakeVnstat is a Vnstat over interfaces the test sets: Read returns what
// a real database holding them returns, and counts the reads.
type fakeVnstat struct {
	mu      sync.Mutex
	ifaces  []vnstattest.Iface
	boot    time.Time // the btime vnstatd saw
	modTime time.Time // zero: the newest Updated, as vnstat in UTC would have saved
	err     error
	reads   int
	from    time.Time // the last read's from
}

var _ Vnstat = (*fakeVnstat)(nil)

func (f *fakeVnstat) Read(_ context.Context, from time.Time, pick func([]Interface) []string) (*Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	f.from = from
	if f.err != nil {
		return nil, f.err
	}
	snap := &Snapshot{VnstatVersion: "2.10", BootTime: f.boot, ModTime: f.modTime, From: from}
	sorted := slices.Clone(f.ifaces)
	slices.SortFunc(sorted, func(a, b vnstattest.Iface) int { return strings.Compare(a.Name, b.Name) })
	for _, i := range sorted {
		rxTotal, txTotal := i.Totals()
		snap.Interfaces = append(snap.Interfaces, Interface{
			Name: i.Name, Created: wall(i.Created), Updated: wall(i.Updated), RXCounter: i.RXCounter, TXCounter: i.TXCounter,
			RXTotal: rxTotal, TXTotal: txTotal,
		})
		if f.modTime.IsZero() && wall(i.Updated).After(snap.ModTime) {
			snap.ModTime = wall(i.Updated).Time
		}
	}
	picked := pick(snap.Interfaces)
	for n, i := range sorted {
		if !slices.Contains(picked, i.Name) {
			continue
		}
		days := []Day{}
		for _, d := range i.Days {
			if date := vnstattest.Date(d.Date.Date()); !date.Before(from) {
				days = append(days, Day{Date: date, RX: d.RX, TX: d.TX})
			}
		}
		snap.Interfaces[n].Days = days
	}
	return snap, nil
}

// set changes the database under the lock.
func (f *fakeVnstat) set(change func(f *fakeVnstat)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f)
}

func (f *fakeVnstat) readCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads
}

// wall is t's clock reading, as vnstat writes it.
func wall(t time.Time) Wall {
	return Wall{Time: time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)}
}

// newTestPoller returns a Poller over a fake vnstat holding ifaces, on a
// host booted at testBoot whose zone is UTC (unless cfg says otherwise),
// with vnstat's default configuration, and whose clock reads *now.
func newTestPoller(t *testing.T, cfg PollerConfig, links []Link, now *time.Time, ifaces []vnstattest.Iface) (*Poller, *fakeVnstat) {
	t.Helper()
	if cfg.Interval == 0 {
		cfg.Interval = time.Minute
	}
	if cfg.BootTime.IsZero() {
		cfg.BootTime = testBoot
	}
	if cfg.Local == nil {
		cfg.Local = time.UTC
	}
	if reflect.ValueOf(cfg.Vnstat).IsZero() {
		cfg.Vnstat = DefaultVnstatConfig()
	}
	v := &fakeVnstat{ifaces: ifaces, boot: cfg.BootTime}
	return NewPoller(cfg, v, &fakeLinks{links: links}, func() time.Time { return *now }, nil), v
}

// pollOnce polls ifaces once at now and returns the published result.
func pollOnce(t *testing.T, ifaces []vnstattest.Iface, cfg PollerConfig, links []Link, now time.Time) *traffic.Result {
	t.Helper()
	p, _ := newTestPoller(t, cfg, links, &now, ifaces)
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p.State().Result
}

// wantTotals sums the rows of the named interfaces from start through
// today: the numbers the poller must report.
func wantTotals(ifaces []vnstattest.Iface, names []string, start, today time.Time) (in, out uint64, per []traffic.IfaceTotal) {
	for _, i := range ifaces {
		if slices.Contains(names, i.Name) {
			rx, tx := i.Sum(start, today)
			in += rx
			out += tx
			rxTotal, txTotal := i.Totals()
			per = append(per, traffic.IfaceTotal{Name: i.Name, InBytes: rx, OutBytes: tx, Updated: i.Updated, Created: i.Created, LifetimeInBytes: rxTotal, LifetimeOutBytes: txTotal})
		}
	}
	slices.SortFunc(per, func(a, b traffic.IfaceTotal) int { return strings.Compare(a.Name, b.Name) })
	return in, out, per
}

// wantDays sums the rows of the named interfaces by day, start through
// today.
func wantDays(ifaces []vnstattest.Iface, names []string, start, today time.Time) []traffic.DayTotal {
	var days []traffic.DayTotal
	for d := start; !d.After(today); d = d.AddDate(0, 0, 1) {
		day := traffic.DayTotal{Date: d}
		for _, i := range ifaces {
			if !slices.Contains(names, i.Name) {
				continue
			}
			for _, r := range i.Days {
				if r.Date.Equal(d) {
					day.InBytes += r.RX
					day.OutBytes += r.TX
				}
			}
		}
		days = append(days, day)
	}
	return days
}

// wantPeak is the day from start through today with the most traffic
// over the named interfaces, and that traffic.
func wantPeak(ifaces []vnstattest.Iface, names []string, start, today time.Time) (time.Time, uint64) {
	var day time.Time
	var peak uint64
	for d := start; !d.After(today); d = d.AddDate(0, 0, 1) {
		var sum uint64
		for _, i := range ifaces {
			if slices.Contains(names, i.Name) {
				rx, tx := i.Sum(d, d)
				sum += rx + tx
			}
		}
		if sum > peak {
			day, peak = d, sum
		}
	}
	return day, peak
}

// manyIfaces is vnstattest.Many(n) and the links of a host that has them
// all.
func manyIfaces(n int) ([]vnstattest.Iface, []Link) {
	ifaces := vnstattest.Many(n)
	links := []Link{{Name: "lo", Index: 1, Kind: "device", Loopback: true}}
	for i, iface := range ifaces {
		links = append(links, Link{Name: iface.Name, Index: i + 2, Kind: "device", ParentBus: "pci", RxBytes: 1 << 30, TxBytes: 1 << 29})
	}
	return ifaces, links
}

// waitResult waits up to 10 s for p to publish a result that ok accepts.
func waitResult(t *testing.T, p *Poller, ok func(*traffic.Result) bool) *traffic.Result {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if res := p.State().Result; res != nil && ok(res) {
			return res
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("no such result within 10s; last: %+v", p.State().Result)
	return nil
}
