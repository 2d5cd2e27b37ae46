package monitor

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// benchPoller returns a poller over out, vnstat's JSON for interfaces
// enp1s0 ... enpNs0, all of them physical NICs here.
func benchPoller(b *testing.B, out []byte, n int, begin time.Time, now time.Time) *Poller {
	b.Helper()
	links := []Link{{Name: "lo", Index: 1, Kind: "device", Loopback: true}}
	var counters []vnstatsrc.Counters
	for i := range n {
		name := fmt.Sprintf("enp%ds0", i+1)
		links = append(links, Link{Name: name, Index: i + 2, Kind: "device", ParentBus: "pci", RxBytes: 1 << 30, TxBytes: 1 << 29})
		counters = append(counters, vnstatsrc.Counters{Name: name, RX: 1 << 29, TX: 1 << 28, Updated: now.Add(-time.Minute)})
	}
	r := &vnstattest.Runner{T: b}
	client := vnstatsrc.NewClient("vnstat", "/db", r, nil)
	r.Expect(client.DailyArgv(begin), out, nil)
	p := NewPoller(PollerConfig{StartDay: 1, Interval: time.Minute, Live: true, StaleAfter: 15 * time.Minute},
		client, &fakeLinks{links: links}, func() time.Time { return now }, nil)
	p.WithCounters(&fakeCounters{cs: counters})
	return p
}

// bench20x62 is benchPoller over the real vnstat's output for 20
// interfaces x 62 days, on 2026-11-30.
func bench20x62(b *testing.B) *Poller {
	b.Helper()
	out, err := vnstattest.Captured("bench-20x62")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	return benchPoller(b, out, 20, vnstattest.Date(2026, time.October, 1), now)
}

// BenchmarkPoll is one whole poll: vnstat's output for 20 interfaces x 62
// days (captured from the real vnstat) through a fake runner, parsed,
// reconciled with the links, summed, and published.
func BenchmarkPoll(b *testing.B) {
	p := bench20x62(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Poll(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSample is one live sample for 20 interfaces (links from a fake
// lister), publishing a new result each time.
func BenchmarkSample(b *testing.B) {
	p := bench20x62(b)
	if err := p.Poll(context.Background()); err != nil {
		b.Fatal(err)
	}
	links := p.links.(*fakeLinks)
	b.ReportAllocs()
	for b.Loop() {
		links.links[1].RxBytes++
		if err := p.Sample(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNetlinkLinks is the real netlink read behind each sample.
func BenchmarkNetlinkLinks(b *testing.B) {
	n, err := NewNetlinkLister("")
	if err != nil {
		b.Skip(err)
	}
	defer n.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := n.Links(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPollFile polls over the vnstat JSON in the file named by
// $VNSTAT_BENCH_JSON (scripts/bench.sh writes one for 50 interfaces x 62
// days); its interfaces must be enp1s0 ... enpNs0, N in $VNSTAT_BENCH_N.
func BenchmarkPollFile(b *testing.B) {
	path := os.Getenv("VNSTAT_BENCH_JSON")
	if path == "" {
		b.Skip("VNSTAT_BENCH_JSON not set (scripts/bench.sh sets it)")
	}
	out, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	var n int
	fmt.Sscan(os.Getenv("VNSTAT_BENCH_N"), &n)
	now := time.Now()
	begin := CycleAt(now, 1).Previous(1).Start
	p := benchPoller(b, out, n, begin, now)
	b.SetBytes(int64(len(out)))
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Poll(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
