package bot

import (
	"fmt"

	"github.com/vnstat-exporter/vnstat-exporter/phrases"
)

// words are the answers' words in one language: a phrase missing from a
// language, or given the wrong arguments, does not compile.
type words interface {
	// The phrases the dashboard and the notifications say alike.
	phrases.Shared
	// Describe is a command's line in the menu and the help.
	Describe(command string) string
	HelpHead(host string) string
	NoFigures(host string) string
	StatusHead(host, status string) string
	StatusLine(status, kinds string) string
	ReadAt(at string) string
	LiveAsOf(at string) string
	UsageHead(host, from, to string) string
	// UsedOf is used of limit (pct percent); Projected the projection at
	// the reset (pct "" without a quota).
	UsedOf(used, limit, pct string) string
	Used(used string) string
	Remaining(left string) string
	Projected(projected, pct string) string
	InOut(in, out, mode string) string
	Offset(signed string) string
	Resets(on string, days int) string
	CountingSince(ifaces, since string) string
	TodayHead(host, date string) string
	// DayTotal is a day's total, received and sent, without its date.
	DayTotal(total, in, out string) string
	Live(live, asOf string) string
	WeekHead(host string) string
	Total(total, in, out string) string
	CyclesHead(host string) string
	// Cycle is a cycle's usage (pct "" without a quota), the running one
	// or a whole one, complete or not.
	Cycle(from, to, used, pct string, running, complete bool) string
}

// wordsFor is lang's words: Chinese for zh-CN, English for any other.
func wordsFor(lang string) words {
	if lang == "zh-CN" {
		return chinese{}
	}
	return english{}
}

type english struct{ phrases.English }

func (english) Describe(c string) string {
	switch c {
	case "usage":
		return "this cycle so far: used, quota, remaining, projection, reset"
	case "today":
		return "today's traffic"
	case "week":
		return "the last seven days"
	case "cycles":
		return "the last cycles against the quota"
	case "status":
		return "health and problems"
	}
	return "the commands"
}
func (english) HelpHead(host string) string { return host + ": traffic of this server. Commands:" }
func (english) NoFigures(host string) string {
	return host + ": no traffic figures yet: vnstat's database has not been read successfully."
}
func (english) StatusHead(host, status string) string { return host + ": status " + status }
func (english) StatusLine(status, kinds string) string {
	return fmt.Sprintf("Status %s: %s (/status)", status, kinds)
}
func (english) ReadAt(at string) string   { return "vnstat read at " + at }
func (english) LiveAsOf(at string) string { return "live part as of " + at }
func (english) UsageHead(host, from, to string) string {
	return fmt.Sprintf("%s: this cycle, %s to %s", host, from, to)
}
func (english) UsedOf(used, limit, pct string) string {
	return fmt.Sprintf("Used %s of %s (%s%%)", used, limit, pct)
}
func (english) Used(used string) string      { return "Used " + used }
func (english) Remaining(left string) string { return "Remaining " + left }
func (english) Projected(projected, pct string) string {
	if pct == "" {
		return "Projected at the reset " + projected
	}
	return fmt.Sprintf("Projected at the reset %s (%s%%)", projected, pct)
}
func (english) InOut(in, out, mode string) string {
	return fmt.Sprintf("Received %s, sent %s (billing: %s)", in, out, mode)
}
func (english) Offset(signed string) string { return "Offset (USED_OFFSET or calibration) " + signed }
func (english) Resets(on string, days int) string {
	if days == 1 {
		return "Resets on " + on + " (1 day left)"
	}
	return fmt.Sprintf("Resets on %s (%d days left)", on, days)
}
func (english) CountingSince(ifaces, since string) string {
	return fmt.Sprintf("vnstat began counting %s at %s, after the cycle began: traffic before then is not in the figures", ifaces, since)
}
func (english) TodayHead(host, date string) string { return fmt.Sprintf("%s: today, %s", host, date) }
func (english) Live(live, asOf string) string {
	return fmt.Sprintf("of which %s counted since vnstat's last save (as of %s)", live, asOf)
}
func (english) DayTotal(total, in, out string) string {
	return fmt.Sprintf("%s (received %s, sent %s)", total, in, out)
}
func (english) WeekHead(host string) string { return host + ": the last seven days" }
func (english) Total(total, in, out string) string {
	return fmt.Sprintf("Total %s (received %s, sent %s)", total, in, out)
}
func (english) CyclesHead(host string) string { return host + ": the last cycles" }
func (english) Cycle(from, to, used, pct string, running, complete bool) string {
	s := fmt.Sprintf("%s to %s: %s", from, to, used)
	if pct != "" {
		s += " (" + pct + "%)"
	}
	if running {
		s += ", so far"
	}
	if !complete {
		s += "; vnstat lacks days of it"
	}
	return s
}

type chinese struct{ phrases.Chinese }

func (chinese) Describe(c string) string {
	switch c {
	case "usage":
		return "本周期至今：已用、额度、剩余、预计、重置日"
	case "today":
		return "今天的流量"
	case "week":
		return "最近七天"
	case "cycles":
		return "最近几个周期对照额度"
	case "status":
		return "状态和问题"
	}
	return "命令列表"
}
func (chinese) HelpHead(host string) string { return host + "：本服务器的流量。命令：" }
func (chinese) NoFigures(host string) string {
	return host + "：还没有流量数字：尚未成功读取 vnstat 的数据库。"
}
func (chinese) StatusHead(host, status string) string { return host + "：状态 " + status }
func (chinese) StatusLine(status, kinds string) string {
	return fmt.Sprintf("状态 %s：%s（/status）", status, kinds)
}
func (chinese) ReadAt(at string) string   { return "vnstat 读取于 " + at }
func (chinese) LiveAsOf(at string) string { return "实时部分采样于 " + at }
func (chinese) UsageHead(host, from, to string) string {
	return fmt.Sprintf("%s：本周期 %s 至 %s", host, from, to)
}
func (chinese) UsedOf(used, limit, pct string) string {
	return fmt.Sprintf("已用 %s / %s（%s%%）", used, limit, pct)
}
func (chinese) Used(used string) string      { return "已用 " + used }
func (chinese) Remaining(left string) string { return "剩余 " + left }
func (chinese) Projected(projected, pct string) string {
	if pct == "" {
		return "预计到重置时 " + projected
	}
	return fmt.Sprintf("预计到重置时 %s（%s%%）", projected, pct)
}
func (chinese) InOut(in, out, mode string) string {
	return fmt.Sprintf("接收 %s，发送 %s（计费方式：%s）", in, out, mode)
}
func (chinese) Offset(signed string) string { return "偏移量（USED_OFFSET 或校准）" + signed }
func (chinese) Resets(on string, days int) string {
	return fmt.Sprintf("%s 重置（剩余 %d 天）", on, days)
}
func (chinese) CountingSince(ifaces, since string) string {
	return fmt.Sprintf("vnstat 于 %s 开始统计 %s，晚于本周期开始：之前的流量不在数字中", since, ifaces)
}
func (chinese) TodayHead(host, date string) string { return fmt.Sprintf("%s：今天 %s", host, date) }

func (chinese) Live(live, asOf string) string {
	return fmt.Sprintf("其中 %s 是 vnstat 上次保存后统计的（采样于 %s）", live, asOf)
}
func (chinese) DayTotal(total, in, out string) string {
	return fmt.Sprintf("%s（接收 %s，发送 %s）", total, in, out)
}
func (chinese) WeekHead(host string) string { return host + "：最近七天" }
func (chinese) Total(total, in, out string) string {
	return fmt.Sprintf("合计 %s（接收 %s，发送 %s）", total, in, out)
}
func (chinese) CyclesHead(host string) string { return host + "：最近几个周期" }
func (chinese) Cycle(from, to, used, pct string, running, complete bool) string {
	s := fmt.Sprintf("%s 至 %s：%s", from, to, used)
	if pct != "" {
		s += "（" + pct + "%）"
	}
	if running {
		s += "，至今"
	}
	if !complete {
		s += "；vnstat 缺少其中部分天数"
	}
	return s
}
