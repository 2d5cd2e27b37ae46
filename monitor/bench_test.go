package monitor

import (
	"context"
	"testing"
	"time"
)

// benchPoller returns a poller over n interfaces x 62 days in a fake
// vnstat, all of them physical NICs here, on 2026-11-30.
func benchPoller(b *testing.B, n int) *Poller {
	b.Helper()
	ifaces, links := manyIfaces(n)
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	p := NewPoller(PollerConfig{StartDay: 1, Interval: time.Minute, Live: true, StaleAfter: 15 * time.Minute, BootTime: testBoot,
		Local: time.UTC, Vnstat: DefaultVnstatConfig()},
		&fakeVnstat{ifaces: ifaces, boot: testBoot}, &fakeLinks{links: links}, func() time.Time { return now }, nil)
	return p
}

// BenchmarkPoll is one whole poll of 20 interfaces x 62 days from a fake
// vnstat: reconciled with the links, summed, judged and published.
func BenchmarkPoll(b *testing.B) {
	p := benchPoller(b, 20)
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
	p := benchPoller(b, 20)
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
