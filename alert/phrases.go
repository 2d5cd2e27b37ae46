package alert

import (
	"fmt"

	"github.com/vnstat-exporter/vnstat-exporter/phrases"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// phrasebook is the messages' wording in one language. Every language
// implements every phrase, with typed arguments: a phrase missing from a
// language does not compile, nor does one given the wrong arguments.
type phrasebook interface {
	// The phrases the dashboard and the bot say alike (Day, NoDay).
	phrases.Shared
	Threshold(host string, pct int) string
	Projection(host string) string
	NewCycle(host, from, to string) string
	UsedOf(used, limit string, pct float64) string
	Used(used string) string
	Projected(projected string, pct float64) string
	Resets(daysLeft int, on string) string
	Peak(day, size string) string
	Incomplete() string
	Problem(host, what string) string
	Still(host, what, lasted string) string
	NumbersHeld() string
	Recovered(host, what, lasted string) string
	Report(host, date string) string
	NoNumbers(status, kinds string) string
	Status(status, kinds string) string
	Test(host string) string
	// WeeklyReport heads the weekly report of the week from to to;
	// CycleReport the cycle report, days before the reset on.
	WeeklyReport(host, from, to string) string
	CycleReport(host string, days int, on string) string
	// Late says a report goes late: it was due at due.
	Late(due string) string
	// Week is the week's total, received and sent.
	Week(total, in, out string) string
	// Pace compares the usage with an even pace: ahead by points of the
	// quota (behind when negative), with elapsed percent of the cycle
	// gone.
	Pace(points, elapsed float64) string
	// PerDay is what is left of the quota, a day for the days left;
	// UsedUp says the quota is used up, over by over.
	PerDay(left, perDay string, days int) string
	UsedUp(over string) string
	// Kind names a kind of problem that is told; "" for one that is not.
	Kind(k traffic.Kind) string
}

var (
	_ phrasebook = english{}
	_ phrasebook = chinese{}
)

// phrasesFor is lang's phrasebook: Chinese for zh-CN, English for any
// other.
func phrasesFor(lang string) phrasebook {
	if lang == "zh-CN" {
		return chinese{}
	}
	return english{}
}

type english struct{ phrases.English }

func (english) Threshold(host string, pct int) string {
	return fmt.Sprintf("%s: traffic has reached %d%% of the quota", host, pct)
}
func (english) Projection(host string) string {
	return host + ": at this pace the cycle will go over the quota"
}
func (english) NewCycle(host, from, to string) string {
	return fmt.Sprintf("%s: a new cycle began; the one from %s to %s is over", host, from, to)
}
func (english) UsedOf(used, limit string, pct float64) string {
	return fmt.Sprintf("Used %s of %s (%.1f%%)", used, limit, pct)
}
func (english) Used(used string) string { return "Used " + used }
func (english) Projected(projected string, pct float64) string {
	return fmt.Sprintf("Projected %s by the reset (%.1f%%)", projected, pct)
}
func (english) Resets(daysLeft int, on string) string {
	if daysLeft == 1 {
		return "1 day left; resets on " + on
	}
	return fmt.Sprintf("%d days left; resets on %s", daysLeft, on)
}
func (english) Peak(day, size string) string { return fmt.Sprintf("Busiest day %s: %s", day, size) }
func (english) Incomplete() string {
	return "vnstat lacks days of that cycle: the real usage was higher"
}
func (english) Problem(host, what string) string {
	return fmt.Sprintf("%s: traffic is not being counted correctly: %s", host, what)
}
func (english) Still(host, what, lasted string) string {
	return fmt.Sprintf("%s: still not counted correctly (%s, for %s)", host, what, lasted)
}
func (english) NumbersHeld() string { return "No usage alerts are sent until this is fixed." }
func (english) Recovered(host, what, lasted string) string {
	return fmt.Sprintf("%s: counting is back to normal (%s lasted %s)", host, what, lasted)
}
func (english) Report(host, date string) string {
	return fmt.Sprintf("%s: traffic report for %s", host, date)
}
func (english) NoNumbers(status, kinds string) string {
	return fmt.Sprintf("No trustworthy numbers now (%s: %s)", status, kinds)
}
func (english) Status(status, kinds string) string {
	return fmt.Sprintf("Status %s: %s", status, kinds)
}
func (english) Test(host string) string {
	return host + ": test message from vnstat-exporter; notifications work"
}
func (english) WeeklyReport(host, from, to string) string {
	return fmt.Sprintf("%s: weekly traffic report, %s to %s", host, from, to)
}
func (english) CycleReport(host string, days int, on string) string {
	if days == 1 {
		return fmt.Sprintf("%s: the last day of the cycle; it resets on %s", host, on)
	}
	return fmt.Sprintf("%s: %d days left in the cycle; it resets on %s", host, days, on)
}
func (english) Late(due string) string { return "Sent late: it was due at " + due }
func (english) Week(total, in, out string) string {
	return fmt.Sprintf("Week: %s (received %s, sent %s)", total, in, out)
}
func (english) Pace(points, elapsed float64) string {
	switch {
	case points >= 1:
		return fmt.Sprintf("Ahead of an even pace by %.1f%% of the quota (%.1f%% of the cycle gone)", points, elapsed)
	case points <= -1:
		return fmt.Sprintf("Behind an even pace by %.1f%% of the quota (%.1f%% of the cycle gone)", -points, elapsed)
	}
	return fmt.Sprintf("On an even pace (%.1f%% of the cycle gone)", elapsed)
}
func (english) PerDay(left, perDay string, days int) string {
	if days == 1 {
		return fmt.Sprintf("%s left for the last day", left)
	}
	return fmt.Sprintf("%s left: %s a day for the %d days left", left, perDay, days)
}
func (english) UsedUp(over string) string {
	return fmt.Sprintf("The quota is used up (%s over)", over)
}
func (english) Kind(k traffic.Kind) string {
	switch k {
	case traffic.NoData, traffic.PollFailed:
		return "vnstat's database cannot be read"
	case traffic.PollerStuck:
		return "the exporter has stopped reading vnstat"
	case traffic.VnstatdStalled:
		return "vnstatd has stopped saving"
	case traffic.SaveInFuture:
		return "the clock is behind vnstat's last save"
	case traffic.InterfaceMissing:
		return "an interface is missing from vnstat"
	case traffic.ZoneMismatch:
		return "vnstatd's time zone differs from the exporter's"
	case traffic.ForeignNamespace:
		return "the exporter does not see the host's network"
	}
	return ""
}

type chinese struct{ phrases.Chinese }

func (chinese) Threshold(host string, pct int) string {
	return fmt.Sprintf("%s：流量已达套餐的 %d%%", host, pct)
}
func (chinese) Projection(host string) string {
	return host + "：按当前速度，本周期将超出套餐"
}
func (chinese) NewCycle(host, from, to string) string {
	return fmt.Sprintf("%s：新周期开始；%s 至 %s 的周期已结束", host, from, to)
}
func (chinese) UsedOf(used, limit string, pct float64) string {
	return fmt.Sprintf("已用 %s / %s（%.1f%%）", used, limit, pct)
}
func (chinese) Used(used string) string { return "已用 " + used }
func (chinese) Projected(projected string, pct float64) string {
	return fmt.Sprintf("预计到重置时 %s（%.1f%%）", projected, pct)
}
func (chinese) Resets(daysLeft int, on string) string {
	return fmt.Sprintf("剩余 %d 天，%s 重置", daysLeft, on)
}
func (chinese) Peak(day, size string) string {
	return fmt.Sprintf("用量最高的一天 %s：%s", day, size)
}
func (chinese) Incomplete() string {
	return "vnstat 缺少该周期的部分天数：实际用量更高"
}
func (chinese) Problem(host, what string) string {
	return fmt.Sprintf("%s：流量统计异常：%s", host, what)
}
func (chinese) Still(host, what, lasted string) string {
	return fmt.Sprintf("%s：流量统计仍异常（%s，已持续 %s）", host, what, lasted)
}
func (chinese) NumbersHeld() string { return "修复之前不会发送用量提醒。" }
func (chinese) Recovered(host, what, lasted string) string {
	return fmt.Sprintf("%s：流量统计已恢复正常（%s 持续了 %s）", host, what, lasted)
}
func (chinese) Report(host, date string) string {
	return fmt.Sprintf("%s：%s 流量日报", host, date)
}
func (chinese) NoNumbers(status, kinds string) string {
	return fmt.Sprintf("当前没有可信的数据（%s：%s）", status, kinds)
}
func (chinese) Status(status, kinds string) string {
	return fmt.Sprintf("状态 %s：%s", status, kinds)
}
func (chinese) Test(host string) string {
	return host + "：vnstat-exporter 测试消息，通知工作正常"
}
func (chinese) WeeklyReport(host, from, to string) string {
	return fmt.Sprintf("%s：%s 至 %s 流量周报", host, from, to)
}
func (chinese) CycleReport(host string, days int, on string) string {
	if days == 1 {
		return fmt.Sprintf("%s：本周期最后一天，%s 重置", host, on)
	}
	return fmt.Sprintf("%s：本周期还剩 %d 天，%s 重置", host, days, on)
}
func (chinese) Late(due string) string { return "迟发：原定于 " + due + " 发送" }

func (chinese) Week(total, in, out string) string {
	return fmt.Sprintf("本周：%s（接收 %s，发送 %s）", total, in, out)
}
func (chinese) Pace(points, elapsed float64) string {
	switch {
	case points >= 1:
		return fmt.Sprintf("比匀速快 %.1f%% 的额度（周期已过 %.1f%%）", points, elapsed)
	case points <= -1:
		return fmt.Sprintf("比匀速慢 %.1f%% 的额度（周期已过 %.1f%%）", -points, elapsed)
	}
	return fmt.Sprintf("与匀速持平（周期已过 %.1f%%）", elapsed)
}
func (chinese) PerDay(left, perDay string, days int) string {
	if days == 1 {
		return fmt.Sprintf("剩余 %s，供最后一天使用", left)
	}
	return fmt.Sprintf("剩余 %s：剩下的 %d 天每天 %s", left, days, perDay)
}
func (chinese) UsedUp(over string) string {
	return fmt.Sprintf("额度已用完（超出 %s）", over)
}
func (chinese) Kind(k traffic.Kind) string {
	switch k {
	case traffic.NoData, traffic.PollFailed:
		return "无法读取 vnstat 数据库"
	case traffic.PollerStuck:
		return "exporter 已停止读取 vnstat"
	case traffic.VnstatdStalled:
		return "vnstatd 已停止保存"
	case traffic.SaveInFuture:
		return "时钟落后于 vnstat 的最近一次保存"
	case traffic.InterfaceMissing:
		return "vnstat 中缺少网卡"
	case traffic.ZoneMismatch:
		return "vnstatd 的时区与 exporter 不同"
	case traffic.ForeignNamespace:
		return "exporter 看不到主机的网络"
	}
	return ""
}
