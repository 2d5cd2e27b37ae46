package billing

import (
	"testing"
	"time"
)

func TestUsageModes(t *testing.T) {
	c := CycleAt(time.Date(2026, time.November, 30, 0, 0, 0, 0, time.UTC), 1)
	const in, out = 300, 200
	tests := []struct {
		mode string
		used uint64
	}{
		{"", 500}, {ModeSum, 500}, {ModeMax, 300}, {ModeIn, 300}, {ModeOut, 200},
	}
	for _, tt := range tests {
		u := Measure(in, out, Quota{Mode: tt.mode, Limit: 450}, c, time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC), true)
		wantRemaining := uint64(0)
		if tt.used < 450 {
			wantRemaining = 450 - tt.used
		}
		if u.UsedBytes != tt.used || u.RemainingBytes != wantRemaining || u.LimitBytes != 450 {
			t.Errorf("mode %q: used %d remaining %d, want %d and %d", tt.mode, u.UsedBytes, u.RemainingBytes, tt.used, wantRemaining)
		}
		if tt.mode == "" && u.Mode != ModeSum {
			t.Errorf("empty mode reported as %q", u.Mode)
		}
	}
	if u := Measure(^uint64(0), 5, Quota{}, c, time.Time{}, true); u.UsedBytes != ^uint64(0) {
		t.Errorf("sum beyond 2^64 = %d, want saturated", u.UsedBytes)
	}
}

// TestUsageLivePart: SavedBytes is the usage of what vnstat saved, by
// the billing mode and with the offset, so that the live part is never
// what crosses a threshold.
func TestUsageLivePart(t *testing.T) {
	c := CycleAt(time.Date(2026, time.November, 30, 0, 0, 0, 0, time.UTC), 1)
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	// 300 in and 200 out, of which 50 in and 120 out are live.
	tests := []struct {
		name      string
		q         Quota
		used      uint64
		saved     uint64
		liveBytes uint64
	}{
		{"sum", Quota{}, 500, 330, 170},
		{"in", Quota{Mode: ModeIn}, 300, 250, 50},
		{"out", Quota{Mode: ModeOut}, 200, 80, 120},
		// max: 300 in against 200 out; saved, 250 in against 80 out.
		{"max", Quota{Mode: ModeMax}, 300, 250, 50},
		{"offset", Quota{Offset: 1000, OffsetCycle: c.Start}, 1500, 1330, 170},
		// A negative calibration (-400) takes the saved usage lower.
		{"calibration below", Quota{Calibration: &Calibration{Cycle: c.Start, ProviderBytes: 100, CountedBytes: 500, OffsetBytes: -400}}, 100, 0, 100},
	}
	for _, tt := range tests {
		u := MeasureLive(300, 200, 50, 120, tt.q, c, now, false)
		if u.UsedBytes != tt.used || u.SavedBytes() != tt.saved || u.LiveBytes != tt.liveBytes {
			t.Errorf("%s: used %d saved %d live %d, want %d, %d, %d", tt.name, u.UsedBytes, u.SavedBytes(), u.LiveBytes, tt.used, tt.saved, tt.liveBytes)
		}
		// The saved projection is the projection of what was saved.
		if want := Measure(250, 80, tt.q, c, now, false).ProjectedBytes; u.SavedProjectedBytes() != want || want >= u.ProjectedBytes {
			t.Errorf("%s: saved projection %d, want %d (below the projection %d)", tt.name, u.SavedProjectedBytes(), want, u.ProjectedBytes)
		}
	}
	if u := Measure(300, 200, Quota{}, c, now, false); u.LiveBytes != 0 || u.SavedBytes() != 500 {
		t.Errorf("without a live part: live %d saved %d", u.LiveBytes, u.SavedBytes())
	}
}

// TestUsageProjection projects on fixed dates: the share of the cycle
// elapsed, in seconds, scales the usage so far to the whole cycle.
func TestUsageProjection(t *testing.T) {
	d := func(y int, m time.Month, day, h int) time.Time { return time.Date(y, m, day, h, 0, 0, 0, time.UTC) }
	tests := []struct {
		name      string
		now       time.Time
		startDay  int
		used      uint64
		projected uint64
	}{
		// November 1 to December 1: 30 days.
		{"first day, one hour in", d(2026, time.November, 1, 1), 1, 10, 10 * 30 * 24},
		{"mid-cycle, day 16 at 00:00", d(2026, time.November, 16, 0), 1, 1000, 2000},
		{"last day at noon", d(2026, time.November, 30, 12), 1, 590, 600},
		// October 1 to November 1: 31 days.
		{"31-day cycle, half way", d(2026, time.October, 16, 12), 1, 1000, 2000},
		// February 2027: 28 days.
		{"28-day cycle, a week in", d(2027, time.February, 8, 0), 1, 700, 2800},
		// START_DAY 31 in November: November 30 to December 31, 31 days.
		{"start day 31, the 30th", d(2026, time.November, 30, 12), 31, 100, 6200},
		{"nothing used", d(2026, time.November, 10, 0), 1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := CycleAt(tt.now, tt.startDay)
			u := Measure(tt.used, 0, Quota{Limit: 1 << 40}, c, tt.now, false)
			if u.ProjectedBytes != tt.projected {
				t.Errorf("projected %d, want %d (cycle %s..%s)", u.ProjectedBytes, tt.projected, c.Start.Format(DateFormat), c.Next.Format(DateFormat))
			}
			if !u.ResetsOn.Equal(c.Next) {
				t.Errorf("resets on %s, want %s", u.ResetsOn.Format(DateFormat), c.Next.Format(DateFormat))
			}
		})
	}
	// At the very start nothing is projected beyond the usage.
	start := d(2026, time.November, 1, 0)
	if u := Measure(10, 0, Quota{}, CycleAt(start, 1), start, false); u.ProjectedBytes != 10 {
		t.Errorf("at the cycle's first instant projected %d", u.ProjectedBytes)
	}
}

// TestCalibrationExpires: a calibration of October counts in October's
// usage only, also when October has become the previous cycle.
func TestCalibrationExpires(t *testing.T) {
	oct := civil(2026, time.October, 1)
	c := NewCalibration(oct, 100, 40, time.Date(2026, time.October, 5, 0, 0, 0, 0, time.UTC), "command")
	q := Quota{Limit: 1000, Calibration: &c}
	inOct := time.Date(2026, time.October, 31, 23, 0, 0, 0, time.UTC)
	if u := Measure(40, 10, q, CycleAt(inOct, 1), inOct, false); u.UsedBytes != 110 || u.OffsetBytes != 60 || u.Calibration != &c {
		t.Errorf("in October: %+v, want 50 counted + 60", u)
	}
	inNov := time.Date(2026, time.November, 1, 0, 30, 0, 0, time.UTC)
	cur := CycleAt(inNov, 1)
	if u := Measure(40, 10, q, cur, inNov, false); u.UsedBytes != 50 || u.OffsetBytes != 0 || u.Calibration != nil {
		t.Errorf("in November: %+v, want no offset", u)
	}
	if u := Measure(40, 10, q, cur.Previous(1), inNov, true); u.UsedBytes != 110 {
		t.Errorf("October as the previous cycle: %+v, want the calibration", u)
	}
}
