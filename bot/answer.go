package bot

import (
	"strings"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// Commands are the bot's commands, in the menu's order.
var Commands = []string{"usage", "today", "week", "cycles", "status", "help"}

// MaxCycles is how many cycles before this one /cycles lists.
const MaxCycles = 4

// Answer is the answer to command (without its /) for state st at now, in
// lang, naming host: the figures the webhook serves for the same state
// (the live part included), with the health's problems when there are
// any. An unknown command gets the help.
func Answer(command string, st *traffic.State, host, lang string, now time.Time, interval time.Duration) string {
	w := wordsFor(lang)
	var b strings.Builder
	line := func(s string) {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(s)
	}
	if st == nil {
		st = &traffic.State{}
	}
	h := traffic.Judge(st, now, interval)
	res := st.Result
	switch {
	case command == "status":
		line(w.StatusHead(host, w.StatusName(h.Status)))
		for _, p := range h.Problems {
			s := "- " + string(p.Kind)
			if p.Detail != "" {
				s += ": " + p.Detail
			}
			line(s)
		}
		if res != nil {
			line(w.ReadAt(res.PolledAt.Format(time.DateTime)))
			if !res.LiveAsOf.IsZero() {
				line(w.LiveAsOf(res.LiveAsOf.Format(time.DateTime)))
			}
		}
		return b.String()
	case !(command == "usage" || command == "today" || command == "week" || command == "cycles"):
		line(w.HelpHead(host))
		for _, c := range Commands {
			line("/" + c + " – " + w.Describe(c))
		}
		return b.String()
	case res == nil:
		line(w.NoFigures(host))
		if st.Err != nil {
			line(st.Err.Error())
		}
		return b.String()
	}
	u := res.Usage
	size := traffic.SizeFor(u.LimitBytes)
	loc := res.Location()
	switch command {
	case "usage":
		line(w.UsageHead(host, res.Cycle.Start.Format(billing.DateFormat), res.Cycle.Last().Format(billing.DateFormat)))
		if u.LimitBytes > 0 {
			line(w.UsedOf(size(u.UsedBytes), size(u.LimitBytes), traffic.Ratio2(u.UsedBytes, 100, u.LimitBytes)))
			line(w.Remaining(size(u.RemainingBytes)))
			line(w.Projected(size(u.ProjectedBytes), traffic.Ratio2(u.ProjectedBytes, 100, u.LimitBytes)))
		} else {
			line(w.Used(size(u.UsedBytes)))
			line(w.Projected(size(u.ProjectedBytes), ""))
		}
		line(w.InOut(size(res.InBytes), size(res.OutBytes), w.ModeName(u.Mode)))
		if u.OffsetBytes > 0 {
			line(w.Offset("+" + size(uint64(u.OffsetBytes))))
		} else if u.OffsetBytes < 0 {
			line(w.Offset("−" + size(uint64(-u.OffsetBytes))))
		}
		line(w.Resets(u.ResetsOn.Format(billing.DateFormat), int(u.ResetsOn.Sub(res.Cycle.Today)/(24*time.Hour))))
		if since, names := res.CountingSince(); len(names) > 0 {
			line(w.CountingSince(strings.Join(names, ", "), since.In(loc).Format("2006-01-02 15:04")))
		}
	case "today":
		var in, out uint64
		if n := len(res.Days); n > 0 {
			in, out = res.Days[n-1].InBytes, res.Days[n-1].OutBytes
		}
		in, out = in+res.LiveInBytes, out+res.LiveOutBytes
		line(w.TodayHead(host, res.Cycle.Today.Format(billing.DateFormat)))
		line(w.DayTotal(size(in+out), size(in), size(out)))
		if live := res.LiveInBytes + res.LiveOutBytes; live > 0 {
			line(w.Live(size(live), res.LiveAsOf.In(loc).Format(time.TimeOnly)))
		}
	case "week":
		line(w.WeekHead(host))
		var in, out uint64
		for i := 6; i >= 0; i-- {
			date := res.Cycle.Today.AddDate(0, 0, -i)
			d, found := res.Day(date)
			di, do := d.InBytes, d.OutBytes
			if i == 0 {
				di, do, found = di+res.LiveInBytes, do+res.LiveOutBytes, true
			}
			if !found {
				line(w.NoDay(date.Format(billing.DateFormat), date.Weekday()))
				continue
			}
			in, out = in+di, out+do
			line(w.Day(date.Format(billing.DateFormat), date.Weekday(), size(di+do), size(di), size(do)))
		}
		line(w.Total(size(in+out), size(in), size(out)))
	case "cycles":
		line(w.CyclesHead(host))
		cycles := append([]*traffic.Totals{&res.Totals, res.Previous}, res.Earlier...)
		for i, c := range cycles[:min(len(cycles), MaxCycles+1)] {
			if c == nil {
				continue
			}
			pct := ""
			if c.Usage.LimitBytes > 0 {
				pct = traffic.Ratio2(c.Usage.UsedBytes, 100, c.Usage.LimitBytes)
			}
			line(w.Cycle(c.Cycle.Start.Format(billing.DateFormat), c.Cycle.Today.Format(billing.DateFormat), size(c.Usage.UsedBytes), pct,
				i == 0, len(c.Details(traffic.Incomplete)) == 0))
		}
	}
	if h.Status != traffic.OK {
		var kinds []string
		for _, p := range h.Problems {
			kinds = append(kinds, string(p.Kind))
		}
		line(w.StatusLine(w.StatusName(h.Status), strings.Join(kinds, ", ")))
	}
	return b.String()
}
