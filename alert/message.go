package alert

import (
	"math"
	"math/bits"
	"strings"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// message renders ev for host in lang ("en" or "zh-CN"): a first line
// that says what happened, then the numbers, short enough for a phone's
// notification.
func message(ev Event, host, lang string) string {
	w := phrasesFor(lang)
	size := traffic.SizeFor(ev.LimitBytes)
	var b strings.Builder
	line := func(s string) {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(s)
	}
	switch ev.Kind {
	case Threshold:
		line(w.Threshold(host, ev.Threshold))
		usageLines(line, w, ev, true, size)
	case Projection:
		line(w.Projection(host))
		usageLines(line, w, ev, true, size)
	case NewCycle:
		line(w.NewCycle(host, ev.CycleStart, dayBefore(ev.ResetsOn)))
		usageLines(line, w, ev, false, size)
		if ev.PeakDay != "" {
			line(w.Peak(ev.PeakDay, size(ev.PeakDayBytes)))
		}
		if ev.Incomplete {
			line(w.Incomplete())
		}
	case ProblemKind:
		if ev.Reminder > 0 {
			line(w.Still(host, kindName(w, ev.Problem), lasted(ev)))
		} else {
			line(w.Problem(host, kindName(w, ev.Problem)))
		}
		line(ev.Detail)
		line(w.NumbersHeld())
	case Recovered:
		line(w.Recovered(host, kindName(w, ev.Problem), lasted(ev)))
	case Report:
		line(w.Report(host, ev.At.Format(billing.DateFormat)))
		if ev.CycleStart == "" {
			line(w.NoNumbers(string(ev.Status), joinKinds(ev.Problems)))
			break
		}
		usageLines(line, w, ev, true, size)
		if ev.Status != traffic.OK {
			line(w.Status(string(ev.Status), joinKinds(ev.Problems)))
		}
	case WeeklyReport:
		// The week is the seven days before the report's day.
		day := billing.DateOf(ev.Due)
		line(w.WeeklyReport(host, day.AddDate(0, 0, -7).Format(billing.DateFormat), day.AddDate(0, 0, -1).Format(billing.DateFormat)))
		lateLine(line, w, ev)
		if ev.CycleStart == "" {
			line(w.NoNumbers(string(ev.Status), joinKinds(ev.Problems)))
			break
		}
		var in, out uint64
		for _, d := range ev.Week {
			date, _ := time.Parse(billing.DateFormat, d.Date)
			if d.Missing {
				line(w.NoDay(d.Date, date.Weekday()))
				continue
			}
			in, out = in+d.InBytes, out+d.OutBytes
			line(w.Day(d.Date, date.Weekday(), size(d.InBytes+d.OutBytes), size(d.InBytes), size(d.OutBytes)))
		}
		line(w.Week(size(in+out), size(in), size(out)))
		usageLines(line, w, ev, true, size)
		paceLine(line, w, ev)
		if ev.Status != traffic.OK {
			line(w.Status(string(ev.Status), joinKinds(ev.Problems)))
		}
	case CycleReport:
		line(w.CycleReport(host, ev.DaysLeft, ev.ResetsOn))
		lateLine(line, w, ev)
		if ev.LimitBytes > 0 {
			line(w.UsedOf(size(ev.UsedBytes), size(ev.LimitBytes), shownPercent(ev.UsedBytes, ev.LimitBytes, 1)))
			if ev.UsedBytes >= ev.LimitBytes {
				line(w.UsedUp(size(ev.UsedBytes - ev.LimitBytes)))
			} else {
				left := ev.LimitBytes - ev.UsedBytes
				line(w.PerDay(size(left), size(left/uint64(max(ev.DaysLeft, 1))), ev.DaysLeft))
			}
			line(w.Projected(size(ev.ProjectedBytes), shownPercent(ev.ProjectedBytes, ev.LimitBytes, 1)))
			paceLine(line, w, ev)
		} else {
			line(w.Used(size(ev.UsedBytes)))
		}
		if ev.Status != traffic.OK {
			line(w.Status(string(ev.Status), joinKinds(ev.Problems)))
		}
	case Test:
		line(w.Test(host))
	}
	return b.String()
}

// lateLine says, for a report that goes late, when it was due.
func lateLine(line func(string), w phrasebook, ev Event) {
	if ev.Late {
		line(w.Late(ev.Due.Format("2006-01-02 15:04")))
	}
}

// paceLine compares the usage with an even pace to the quota, in points
// of the quota.
func paceLine(line func(string), w phrasebook, ev Event) {
	if ev.LimitBytes > 0 {
		line(w.Pace(shownPercent(ev.UsedBytes, ev.LimitBytes, 1)-math.Round(ev.ElapsedPercent*10)/10, ev.ElapsedPercent))
	}
}

// shownPercent is used as a percentage of limit with n decimals (0 to
// 4), cut toward zero and computed exactly in 128 bits: a percentage is
// shown as at most what was used, so that 999,999,999 of 1 GB reads
// 99.9 %, not the 100.0 % of a quota not used up, and 80 % exactly reads
// 80.0 %.
func shownPercent(used, limit uint64, n int) float64 {
	if limit == 0 {
		return 0
	}
	scale := uint64(100)
	for range n {
		scale *= 10
	}
	hi, lo := bits.Mul64(used, scale)
	if hi >= limit { // above 2^64 hundredths: far beyond the quota
		return math.Floor(float64(used)/float64(limit)*float64(scale)) / float64(scale/100)
	}
	q, _ := bits.Div64(hi, lo, limit)
	return float64(q) / math.Pow(10, float64(n))
}

// dayBefore is the civil date before date (YYYY-MM-DD).
func dayBefore(date string) string {
	d, err := time.Parse(billing.DateFormat, date)
	if err != nil {
		return date
	}
	return d.AddDate(0, 0, -1).Format(billing.DateFormat)
}

// usageLines writes the used/limit line, the projection when projected,
// and the reset date with the days left.
func usageLines(line func(string), w phrasebook, ev Event, projected bool, size func(uint64) string) {
	if ev.LimitBytes > 0 {
		line(w.UsedOf(size(ev.UsedBytes), size(ev.LimitBytes), shownPercent(ev.UsedBytes, ev.LimitBytes, 1)))
		if projected && ev.ProjectedBytes > 0 {
			line(w.Projected(size(ev.ProjectedBytes), shownPercent(ev.ProjectedBytes, ev.LimitBytes, 1)))
		}
	} else {
		line(w.Used(size(ev.UsedBytes)))
	}
	if projected && ev.ResetsOn != "" {
		line(w.Resets(ev.DaysLeft, ev.ResetsOn))
	}
}

// kindName is the name of the kind of problem k in w, or k itself.
func kindName(w phrasebook, k traffic.Kind) string {
	if s := w.Kind(k); s != "" {
		return s
	}
	return string(k)
}

func joinKinds(ks []traffic.Kind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// lasted is how long ev's problem has lasted: 1h30m, or 45s under a
// minute.
func lasted(ev Event) string {
	end := ev.At
	if !ev.Until.IsZero() {
		end = ev.Until
	}
	d := end.Sub(ev.Since)
	if d < time.Minute {
		return max(d.Round(time.Second), time.Second).String()
	}
	return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
}
