package monitor

import (
	"context"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// TestOffsetExpiresAtCycleChange polls on the last day of the offset's
// cycle and on the first day of the next: the offset counts, then not.
func TestOffsetExpiresAtCycleChange(t *testing.T) {
	q := billing.Quota{Limit: 500e9, Mode: billing.ModeSum, Offset: 110e9, OffsetCycle: vnstattest.Date(2026, time.October, 1)}
	now := time.Date(2026, time.October, 31, 23, 0, 0, 0, time.UTC)
	p, _ := newTestPoller(t, PollerConfig{StartDay: 1, Quota: q}, hostLinks, &now, multiIfaces())
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := p.State().Result
	if u := res.Usage; u.OffsetBytes != int64(q.Offset) || u.UsedBytes != res.InBytes+res.OutBytes+q.Offset {
		t.Errorf("in the offset's cycle: %+v, want the offset added", u)
	}

	now = time.Date(2026, time.November, 1, 0, 30, 0, 0, time.UTC)
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	res = p.State().Result
	if u := res.Usage; u.OffsetBytes != 0 || u.UsedBytes != res.InBytes+res.OutBytes {
		t.Errorf("in the next cycle: %+v, want no offset", u)
	}
	// The previous cycle, now October, still carries it.
	if u := res.Previous.Usage; u.OffsetBytes != int64(q.Offset) {
		t.Errorf("previous cycle: %+v, want the offset", u)
	}
}

// TestCalibration calibrates through a running poller, below and above
// what it counts: the usage follows the provider's figure, the previous
// cycle keeps the calibration it had, and it expires at the reset.
func TestCalibration(t *testing.T) {
	q := billing.Quota{Limit: 500e9, Mode: billing.ModeSum, Offset: 7e9, OffsetCycle: vnstattest.Date(2026, time.October, 1)}
	now := time.Date(2026, time.October, 20, 12, 0, 0, 0, time.UTC)
	p, _ := newTestPoller(t, PollerConfig{StartDay: 1, Quota: q}, hostLinks, &now, multiIfaces())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	first := waitResult(t, p, func(r *traffic.Result) bool { return true })
	counted := first.InBytes + first.OutBytes
	if first.Usage.CountedBytes != counted || first.Usage.UsedBytes != counted+7e9 {
		t.Fatalf("before calibration: %+v, want counted %d plus USED_OFFSET", first.Usage, counted)
	}
	tests := []struct {
		name     string
		provider uint64
		offset   int64
	}{
		{"provider counted more", counted + 3e9, 3e9},
		{"provider counted less", counted - 1e6, -1e6},
		{"provider counted nothing", 0, -int64(counted)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := billing.NewCalibration(first.Cycle.Start, tt.provider, first.Usage.CountedBytes, now, "http")
			if c.OffsetBytes != tt.offset {
				t.Fatalf("offset %d, want %d", c.OffsetBytes, tt.offset)
			}
			p.Calibrate(c)
			res := waitResult(t, p, func(r *traffic.Result) bool { return r.Usage.Calibration != nil && *r.Usage.Calibration == c })
			// The calibration replaces USED_OFFSET in its cycle.
			if res.Usage.UsedBytes != tt.provider || res.Usage.OffsetBytes != tt.offset {
				t.Errorf("usage %+v, want used %d offset %d", res.Usage, tt.provider, tt.offset)
			}
		})
	}
}
