package alert

import (
	"fmt"
	"math"
	"math/bits"
	"strings"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/monitor"
)

// Message renders ev for host in lang ("en" or "zh-CN"): a first line
// that says what happened, then the numbers, short enough for a phone's
// notification.
func Message(ev Event, host, lang string) string {
	w, kinds := phrases(lang), kindNames(lang)
	size := monitor.SizeFor(ev.LimitBytes)
	var b strings.Builder
	line := func(format string, args ...any) {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, format, args...)
	}
	switch ev.Kind {
	case Threshold:
		line(w["threshold"], host, ev.Threshold)
		usageLines(line, w, ev, true, size)
	case Projection:
		line(w["projection"], host)
		usageLines(line, w, ev, true, size)
	case NewCycle:
		line(w["new_cycle"], host, ev.CycleStart, dayBefore(ev.ResetsOn))
		usageLines(line, w, ev, false, size)
		if ev.PeakDay != "" {
			line(w["peak"], ev.PeakDay, size(ev.PeakDayBytes))
		}
		if ev.Incomplete {
			line("%s", w["incomplete"])
		}
	case ProblemKind:
		if ev.Reminder > 0 {
			line(w["still"], host, problemName(kinds, ev.Problem), lasted(ev))
		} else {
			line(w["problem"], host, problemName(kinds, ev.Problem))
		}
		line("%s", ev.Detail)
		line("%s", w["numbers_held"])
	case Recovered:
		line(w["recovered"], host, problemName(kinds, ev.Problem), lasted(ev))
	case Report:
		line(w["report"], host, ev.At.Format(billing.DateFormat))
		if ev.CycleStart == "" {
			line(w["no_numbers"], ev.Status, joinKinds(ev.Problems))
			break
		}
		usageLines(line, w, ev, true, size)
		if ev.Status != monitor.OK {
			line(w["status"], ev.Status, joinKinds(ev.Problems))
		}
	case Test:
		line(w["test"], host)
	}
	return b.String()
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
func usageLines(line func(string, ...any), w map[string]string, ev Event, projected bool, size func(uint64) string) {
	if ev.LimitBytes > 0 {
		line(w["used_of"], size(ev.UsedBytes), size(ev.LimitBytes), shownPercent(ev.UsedBytes, ev.LimitBytes, 1))
		if projected && ev.ProjectedBytes > 0 {
			line(w["projected"], size(ev.ProjectedBytes), shownPercent(ev.ProjectedBytes, ev.LimitBytes, 1))
		}
	} else {
		line(w["used"], size(ev.UsedBytes))
	}
	if projected && ev.ResetsOn != "" {
		if ev.DaysLeft == 1 {
			line(w["resets_1"], ev.ResetsOn)
		} else {
			line(w["resets"], ev.DaysLeft, ev.ResetsOn)
		}
	}
}

func problemName(names map[monitor.Kind]string, k monitor.Kind) string {
	if s, ok := names[k]; ok {
		return s
	}
	return string(k)
}

func joinKinds(ks []monitor.Kind) string {
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

// phrases are the messages' phrases in lang: Chinese for zh-CN, English
// for any other.
func phrases(lang string) map[string]string {
	if lang != "zh-CN" {
		return map[string]string{
			"threshold":    "%s: traffic has reached %d%% of the quota",
			"projection":   "%s: at this pace the cycle will go over the quota",
			"new_cycle":    "%s: a new cycle began; the one from %s to %s is over",
			"used_of":      "Used %s of %s (%.1f%%)",
			"used":         "Used %s",
			"projected":    "Projected %s by the reset (%.1f%%)",
			"resets":       "%d days left; resets on %s",
			"resets_1":     "1 day left; resets on %s",
			"peak":         "Busiest day %s: %s",
			"incomplete":   "vnstat lacks days of that cycle: the real usage was higher",
			"problem":      "%s: traffic is not being counted correctly: %s",
			"still":        "%s: still not counted correctly (%s, for %s)",
			"numbers_held": "No usage alerts are sent until this is fixed.",
			"recovered":    "%s: counting is back to normal (%s lasted %s)",
			"report":       "%s: traffic report for %s",
			"no_numbers":   "No trustworthy numbers now (%s: %s)",
			"status":       "Status %s: %s",
			"test":         "%s: test message from vnstat-exporter; notifications work",
		}
	}
	return map[string]string{
		"threshold":    "%s：流量已达套餐的 %d%%",
		"projection":   "%s：按当前速度，本周期将超出套餐",
		"new_cycle":    "%s：新周期开始；%s 至 %s 的周期已结束",
		"used_of":      "已用 %s / %s（%.1f%%）",
		"used":         "已用 %s",
		"projected":    "预计到重置时 %s（%.1f%%）",
		"resets":       "剩余 %d 天，%s 重置",
		"resets_1":     "剩余 1 天，%s 重置",
		"peak":         "用量最高的一天 %s：%s",
		"incomplete":   "vnstat 缺少该周期的部分天数：实际用量更高",
		"problem":      "%s：流量统计异常：%s",
		"still":        "%s：流量统计仍异常（%s，已持续 %s）",
		"numbers_held": "修复之前不会发送用量提醒。",
		"recovered":    "%s：流量统计已恢复正常（%s 持续了 %s）",
		"report":       "%s：%s 流量日报",
		"no_numbers":   "当前没有可信的数据（%s：%s）",
		"status":       "状态 %s：%s",
		"test":         "%s：vnstat-exporter 测试消息，通知工作正常",
	}
}

// kindNames are the names of the kinds of problems told, in lang (as
// phrases).
func kindNames(lang string) map[monitor.Kind]string {
	if lang != "zh-CN" {
		return map[monitor.Kind]string{
			monitor.NoData:           "vnstat's database cannot be read",
			monitor.PollFailed:       "vnstat's database cannot be read",
			monitor.PollerStuck:      "the exporter has stopped reading vnstat",
			monitor.VnstatdStalled:   "vnstatd has stopped saving",
			monitor.SaveInFuture:     "the clock is behind vnstat's last save",
			monitor.InterfaceMissing: "an interface is missing from vnstat",
			monitor.ZoneMismatch:     "vnstatd's time zone differs from the exporter's",
			monitor.ForeignNamespace: "the exporter does not see the host's network",
		}
	}
	return map[monitor.Kind]string{
		monitor.NoData:           "无法读取 vnstat 数据库",
		monitor.PollFailed:       "无法读取 vnstat 数据库",
		monitor.PollerStuck:      "exporter 已停止读取 vnstat",
		monitor.VnstatdStalled:   "vnstatd 已停止保存",
		monitor.SaveInFuture:     "时钟落后于 vnstat 的最近一次保存",
		monitor.InterfaceMissing: "vnstat 中缺少网卡",
		monitor.ZoneMismatch:     "vnstatd 的时区与 exporter 不同",
		monitor.ForeignNamespace: "exporter 看不到主机的网络",
	}
}
