package monitor

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// benchPoller returns a poller over n interfaces x 62 days in a fake
// vnstat, all of them physical NICs here, on 2026-11-30.
func benchPoller(b *testing.B, n int) *Poller {
	b.Helper()
	ifaces, links := manyIfaces(n)
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	p := NewPoller(PollerConfig{StartDay: 1, Interval: time.Minute, Live: true, StaleAfter: 15 * time.Minute, BootTime: testBoot,
		Local: time.UTC, Vnstat: vnstatsrc.DefaultConfig()},
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

// BenchmarkPollDatabase is a whole poll against a real vnstat database
// (vnstatd --initdb and sqlite3) of N interfaces x 62 days: all of them
// reported (the host has them all), or one of them named in INTERFACES.
func BenchmarkPollDatabase(b *testing.B) {
	if why := vnstattest.Tools(); why != "" {
		b.Skip(why)
	}
	for _, n := range []int{50, 2000} {
		ifaces, links := manyIfaces(n)
		dir := b.TempDir()
		if _, err := vnstattest.Build(context.Background(), dir, ifaces); err != nil {
			b.Fatal(err)
		}
		boot, err := vnstatsrc.BootTime()
		if err != nil {
			b.Fatal(err)
		}
		now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
		for _, named := range []string{"", "enp7s0"} {
			what := "all"
			cfg := PollerConfig{StartDay: 1, Interval: time.Minute, Live: true, BootTime: boot, Local: time.UTC, Vnstat: vnstatsrc.DefaultConfig()}
			if named != "" {
				what, cfg.Interfaces = "one", []string{named}
			}
			b.Run(fmt.Sprintf("%dx62/%s", n, what), func(b *testing.B) {
				p := NewPoller(cfg, vnstatsrc.NewDatabase(filepath.Join(dir, "vnstat.db")), &fakeLinks{links: links},
					func() time.Time { return now }, nil)
				b.ReportAllocs()
				for b.Loop() {
					if err := p.Poll(context.Background()); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
