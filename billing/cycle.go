package billing

import "time"

// Cycle is a billing cycle. Dates are civil dates, held as midnight UTC so
// that they compare and format without a time zone; which zone they were
// taken in is the caller's business (the process's local zone, which must be
// the zone vnstat writes its daily rows in).
type Cycle struct {
	// Start is the first day of the cycle.
	Start time.Time
	// Today is the day the cycle was computed for; the cycle's totals run
	// from Start through Today.
	Today time.Time
	// Next is the first day of the following cycle.
	Next time.Time
}

// CycleAt returns the billing cycle that contains the local date of now,
// for a cycle that resets on startDay (1..31). In a month without that day
// the cycle resets on the month's last day.
func CycleAt(now time.Time, startDay int) Cycle {
	today := DateOf(now)
	y, m, d := today.Date()
	start := resetDay(y, m, startDay)
	if d < start.Day() {
		start = resetDay(y, m-1, startDay)
	}
	sy, sm, _ := start.Date()
	return Cycle{Start: start, Today: today, Next: resetDay(sy, sm+1, startDay)}
}

// DateOf is t's local date, as cycles hold dates (midnight UTC).
func DateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return civil(y, m, d)
}

// Elapsed is the share of c that has passed at now, in now's zone (the
// zone of the cycle's dates): from the first instant of its first day to
// that of Next.
func (c Cycle) Elapsed(now time.Time) float64 {
	loc := now.Location()
	start, next := Midnight(c.Start, loc), Midnight(c.Next, loc)
	return float64(now.Sub(start)) / float64(next.Sub(start))
}

// Previous returns the whole cycle before c, with Today its last day.
func (c Cycle) Previous(startDay int) Cycle {
	return CycleAt(c.Start.AddDate(0, 0, -1), startDay)
}

// Last is the last day of the cycle, the day before Next.
func (c Cycle) Last() time.Time {
	return c.Next.AddDate(0, 0, -1)
}

// resetDay is the day the cycle resets on in month m of year y (m may be out
// of range; time.Date normalises it).
func resetDay(y int, m time.Month, startDay int) time.Time {
	first := civil(y, m, 1)
	days := first.AddDate(0, 1, -1).Day()
	return civil(first.Year(), first.Month(), min(startDay, days))
}

// Midnight is the instant the civil date day begins in loc: its first
// local instant. That is 00:00 but where the clocks jump over it (from
// 23:58 to 00:58, or from 00:00 to 01:00): then the day begins at the
// jump, wherever time.Date puts the 00:00 that does not exist. Where the
// clocks go back over midnight (from 00:59 to 00:00, or from 02:00 on
// the day to 23:00 the day before), it is the first of the midnights,
// which time.Date does not promise to give.
func Midnight(day time.Time, loc *time.Location) time.Time {
	y, m, d := day.Date()
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	// 00:00 at each offset the zone has around the day; the first that
	// is 00:00 of the day there.
	var first time.Time
	for _, h := range []time.Duration{-48, -24, -12, -6, 0, 6, 12, 24, 48} {
		_, off := t.Add(h * time.Hour).Zone()
		c := civil(y, m, d).Add(-time.Duration(off) * time.Second).In(loc)
		if cy, cm, cd := c.Date(); cy == y && cm == m && cd == d && c.Hour() == 0 && c.Minute() == 0 && c.Second() == 0 &&
			(first.IsZero() || c.Before(first)) {
			first = c
		}
	}
	if !first.IsZero() {
		return first
	}
	// No 00:00: the first second whose local date is not before day,
	// between two days around t (a jump is at most a day, and the date
	// does not go back across a midnight that is skipped).
	lo, hi := t.Add(-48*time.Hour).Unix(), t.Add(48*time.Hour).Unix()
	for lo < hi {
		mid := lo + (hi-lo)/2
		if before(time.Unix(mid, 0).In(loc), y, m, d) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return time.Unix(lo, 0).In(loc)
}

// before reports whether t's local date is before y-m-d.
func before(t time.Time, y int, m time.Month, d int) bool {
	ty, tm, td := t.Date()
	return ty < y || ty == y && (tm < m || tm == m && td < d)
}

func civil(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DateFormat formats civil dates as the API and vnstat write them.
const DateFormat = time.DateOnly
