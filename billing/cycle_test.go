package billing

import (
	"os"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

func TestCycleAt(t *testing.T) {
	d := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name     string
		today    string
		startDay int
		start    string
		next     string
	}{
		{"first of month, day 1", "2026-11-01", 1, "2026-11-01", "2026-12-01"},
		{"last of month, day 1", "2026-11-30", 1, "2026-11-01", "2026-12-01"},
		{"readme: 15th, Jan 25", "2026-01-25", 15, "2026-01-15", "2026-02-15"},
		{"readme: 15th, Jan 10 goes back to Dec", "2026-01-10", 15, "2025-12-15", "2026-01-15"},
		{"on the reset day", "2026-03-15", 15, "2026-03-15", "2026-04-15"},
		{"day before the reset day", "2026-03-14", 15, "2026-02-15", "2026-03-15"},
		{"Dec to Jan, day 1", "2027-01-01", 1, "2027-01-01", "2027-02-01"},
		{"Dec 31 with day 31", "2026-12-31", 31, "2026-12-31", "2027-01-31"},
		{"Jan 1 with day 31", "2027-01-01", 31, "2026-12-31", "2027-01-31"},
		{"31 in November is the 30th", "2026-11-30", 31, "2026-11-30", "2026-12-31"},
		{"Nov 29 with day 31 goes back to Oct 31", "2026-11-29", 31, "2026-10-31", "2026-11-30"},
		{"Dec 1 with day 31 is in the Nov 30 cycle", "2026-12-01", 31, "2026-11-30", "2026-12-31"},
		{"common Feb, day 30 is the 28th", "2027-02-28", 30, "2027-02-28", "2027-03-30"},
		{"common Feb 27, day 30", "2027-02-27", 30, "2027-01-30", "2027-02-28"},
		{"leap Feb, day 30 is the 29th", "2028-02-29", 30, "2028-02-29", "2028-03-30"},
		{"leap Feb 28, day 30", "2028-02-28", 30, "2028-01-30", "2028-02-29"},
		{"leap Feb, day 29", "2028-02-29", 29, "2028-02-29", "2028-03-29"},
		{"common Feb, day 29 is the 28th", "2027-02-28", 29, "2027-02-28", "2027-03-29"},
		{"Mar 1 after common Feb, day 29", "2027-03-01", 29, "2027-02-28", "2027-03-29"},
		{"Mar 1 after leap Feb, day 31", "2028-03-01", 31, "2028-02-29", "2028-03-31"},
		{"Mar 31, day 31", "2027-03-31", 31, "2027-03-31", "2027-04-30"},
		{"Apr 30, day 31", "2027-04-30", 31, "2027-04-30", "2027-05-31"},
		{"Apr 29, day 30", "2027-04-29", 30, "2027-03-30", "2027-04-30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Late in the day in a zone far from UTC: only the local
			// date may count.
			loc := time.FixedZone("UTC-11", -11*3600)
			td := d(tt.today)
			now := time.Date(td.Year(), td.Month(), td.Day(), 23, 59, 59, 0, loc)
			got := CycleAt(now, tt.startDay)
			if !got.Start.Equal(d(tt.start)) || !got.Next.Equal(d(tt.next)) || !got.Today.Equal(td) {
				t.Errorf("CycleAt(%s, %d) = start %s next %s today %s; want start %s next %s today %s",
					tt.today, tt.startDay, got.Start.Format(DateFormat), got.Next.Format(DateFormat), got.Today.Format(DateFormat),
					tt.start, tt.next, tt.today)
			}
		})
	}
}

// TestCycleAtEveryDay walks four years day by day with every START_DAY and
// checks the invariants: the cycle holds today, consecutive days stay in
// one cycle or move to the next, and a cycle starts on START_DAY or, in a
// shorter month, on the month's last day.
func TestCycleAtEveryDay(t *testing.T) {
	for startDay := 1; startDay <= 31; startDay++ {
		day := time.Date(2026, time.January, 1, 12, 0, 0, 0, time.UTC)
		prev := CycleAt(day, startDay)
		for i := 0; i < 4*366; i++ {
			day = day.AddDate(0, 0, 1)
			c := CycleAt(day, startDay)
			if c.Today.Before(c.Start) || !c.Today.Before(c.Next) {
				t.Fatalf("day %d, %s: today outside [%s, %s)", startDay, day.Format(DateFormat), c.Start.Format(DateFormat), c.Next.Format(DateFormat))
			}
			if c.Start != prev.Start && (c.Start != prev.Next || c.Start != c.Today) {
				t.Fatalf("day %d, %s: cycle jumped from %v to %v", startDay, day.Format(DateFormat), prev, c)
			}
			last := c.Start.AddDate(0, 1, -c.Start.Day()).Day()
			if c.Start.Day() != min(startDay, last) {
				t.Fatalf("day %d: cycle starts on %s", startDay, c.Start.Format(DateFormat))
			}
			prev = c
		}
	}
}

// zicZone compiles a zone file with zic into a Location, or skips.
func zicZone(t *testing.T, name, source string) *time.Location {
	t.Helper()
	b, err := os.ReadFile(vnstattest.Zone(t, name, source))
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocationFromTZData(name, b)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestMidnightFirstInstant: a day begins at its first local instant, also
// where the clocks jump over midnight (23:58 to 00:58, and 00:00 to
// 01:00) and where they fall back to repeat
// midnight's hour; elsewhere at 00:00.
func TestMidnightFirstInstant(t *testing.T) {
	utc := func(d, h, m int) time.Time { return time.Date(2026, time.November, d, h, m, 0, 0, time.UTC) }
	day := time.Date(2026, time.November, 15, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, zone string
		want       time.Time
	}{
		{"23:58 to 00:58", "Rule\tG\t2026\tonly\t-\tNov\t14\t23:58\t1:00\tD\nRule\tG\t2027\tonly\t-\tJan\t1\t0:00\t0\tS\n" +
			"Zone\tTest/Zone\t0:30\t-\tLMT\t2000\n\t\t\t0:00\tG\tG%sT\n", utc(14, 23, 58)},
		{"00:00 to 01:00", "Rule\tG\t2026\tonly\t-\tNov\t15\t0:00\t1:00\tD\nRule\tG\t2027\tonly\t-\tJan\t1\t0:00\t0\tS\n" +
			"Zone\tTest/Zone\t0:30\t-\tLMT\t2000\n\t\t\t2:00\tG\tG%sT\n", utc(14, 22, 0)},
		{"01:00 back to 00:00", "Rule\tG\t2026\tonly\t-\tJan\t1\t0:00\t1:00\tD\nRule\tG\t2026\tonly\t-\tNov\t15\t1:00\t0\tS\n" +
			"Zone\tTest/Zone\t0:30\t-\tLMT\t2000\n\t\t\t2:00\tG\tG%sT\n", utc(14, 21, 0)},
		{"no jump", "Zone\tTest/Zone\t8:00\t-\tCST\n", utc(14, 16, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := zicZone(t, "Test/Zone", tt.zone)
			got := Midnight(day, loc)
			if !got.Equal(tt.want) {
				t.Errorf("Midnight = %s (%s), want %s", got.UTC(), got, tt.want)
			}
			if prev := got.Add(-time.Second).In(loc); prev.Day() != 14 {
				t.Errorf("the second before %s is %s, still the 15th", got, prev)
			}
		})
	}
	if got := Midnight(day, time.UTC); !got.Equal(utc(15, 0, 0)) {
		t.Errorf("UTC: %s", got)
	}
}
