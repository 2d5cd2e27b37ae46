package billing

import (
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// TestMidnightWhereItJumps: in every zone of the system's tzdata, on every
// day from 2000 to 2030 whose midnight the zone skips or repeats, a day
// begins at its first instant, and the projection of a cycle that begins
// that day counts the time elapsed from it (issue 33: where midnight is
// skipped, the day was taken to begin at 23:00 the day before, and a
// projection read 52.80 % where 158.18 % was right).
func TestMidnightWhereItJumps(t *testing.T) {
	jumps := vnstattest.MidnightJumps(t, 2000, 2030)
	if len(jumps) == 0 {
		t.Fatal("no zone skips or repeats a midnight: the test proves nothing")
	}
	wrong := 0
	fail := func(j vnstattest.Jump, format string, args ...any) {
		if wrong++; wrong <= 5 {
			t.Errorf("%s %s (skipped %v): "+format, append([]any{j.Zone, j.Day.Format(DateFormat), j.Skipped}, args...)...)
		}
	}
	for _, j := range jumps {
		m := Midnight(j.Day, j.Loc)
		if !m.Equal(j.First) {
			fail(j, "midnight %s, want %s", m.In(j.Loc), j.First)
			continue
		}
		if y, mo, d := m.In(j.Loc).Date(); civil(y, mo, d) != j.Day {
			// A day the zone skips whole (Samoa, 2011-12-30) begins and
			// ends where the next one begins.
			if next := j.Day.AddDate(0, 0, 1); civil(y, mo, d) != next || !Midnight(next, j.Loc).Equal(m) {
				fail(j, "midnight %s is on another day", m.In(j.Loc))
			}
			continue
		}
		if y, mo, d := m.Add(-time.Second).In(j.Loc).Date(); !civil(y, mo, d).Before(j.Day) {
			fail(j, "the second before midnight %s is on the day already", m.In(j.Loc))
		}
		c := CycleAt(m.Add(time.Hour*6).In(j.Loc), j.Day.Day())
		if c.Start != j.Day {
			fail(j, "cycle starts %s", c.Start.Format(DateFormat))
			continue
		}
		next := Midnight(c.Next, j.Loc)
		now := j.First.Add(next.Sub(j.First) / 4)
		u := Measure(600, 400, Quota{Limit: 10_000}, c, now.In(j.Loc), false)
		if u.ProjectedBytes != 4_000 {
			fail(j, "a quarter through the cycle, 1,000 bytes project to %d, want 4,000", u.ProjectedBytes)
		}
	}
	if wrong > 0 {
		t.Errorf("%d of %d days wrong", wrong, len(jumps))
	}
}
