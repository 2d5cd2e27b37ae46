package api

import (
	"fmt"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/phrases"
)

// words are the dashboard's words in one language. Each language is a
// type that has every one of them: a phrase missing from a language, or
// given the wrong arguments, does not compile.
type words interface {
	// The phrases the notifications and the bot say alike.
	phrases.Shared
	Title() string
	Cycle() string
	From() string
	Resets() string
	// DaysLeft follows the number of days left until the reset.
	DaysLeft(n int) string
	Used() string
	Of() string
	In() string
	Out() string
	Mode() string
	Remaining() string
	Projected() string
	NoQuota() string
	Thresholds() string
	Daily() string
	DailyDesc() string
	Live() string
	Today() string
	Peak() string
	Previous() string
	Incomplete() string
	None() string
	Interfaces() string
	Iface() string
	Lifetime() string
	Health() string
	ReadAt() string
	LiveAsOf() string
	Table() string
	Date() string
	// Counted names the traffic by the billing mode, before any offset.
	Counted() string
	// Offset names USED_OFFSET's part of the usage; Calibration the
	// calibration's, given at set.
	Offset() string
	Calibration(set string) string
	// Partial says that vnstat began counting ifaces at since, after the
	// cycle began on start, and whether the usage includes what came
	// before (through the calibration, or USED_OFFSET).
	Partial(ifaces, since, start string, calibrated, offset bool) string
	// Waiting says that vnstat has not been read yet; Retry that the page
	// reloads every n seconds.
	Waiting() string
	Retry(n int) string
	// Pace heads the pace chart; PaceUsed, PaceEven and PaceProjection
	// name its lines, PaceNow the present.
	Pace() string
	PaceUsed() string
	PaceEven() string
	PaceProjection() string
	PaceNow() string
	// PaceTitle is the pace chart's title: against quota with the
	// thresholds, or, with quota "", without a quota.
	PaceTitle(quota, thresholds string) string
	// PaceDesc says how the cycle is going: used (pct of the quota) with
	// elapsed percent of the cycle gone, ahead of an even pace or not,
	// and projected (projPct) at the reset. PaceDescNoQuota says it
	// without a quota.
	PaceDesc(used, pct, elapsed, projected, projPct string, ahead bool) string
	PaceDescNoQuota(used, elapsed, projected string) string
	// AxisDay is a date on a chart's axis, short.
	AxisDay(d time.Time) string
	// Age is how long ago something was.
	Age(d time.Duration) string
}

// languages are the dashboard's languages, by tag.
var languages = map[string]words{"en": english{}, "zh-CN": chinese{}}

// english is the dashboard in English.
type english struct{ phrases.English }

func (english) Title() string  { return "Traffic" }
func (english) Cycle() string  { return "This cycle" }
func (english) From() string   { return "from" }
func (english) Resets() string { return "resets on" }
func (english) DaysLeft(n int) string {
	if n == 1 {
		return "day left"
	}
	return "days left"
}
func (english) Used() string       { return "Used" }
func (english) Of() string         { return "of" }
func (english) In() string         { return "Received" }
func (english) Out() string        { return "Sent" }
func (english) Mode() string       { return "Billing" }
func (english) Remaining() string  { return "Remaining" }
func (english) Projected() string  { return "Projected at the reset" }
func (english) NoQuota() string    { return "No quota set (QUOTA)." }
func (english) Thresholds() string { return "alert thresholds" }
func (english) Daily() string      { return "Each day of the cycle" }
func (english) DailyDesc() string {
	return "Bars per day: received (below) and sent (above); the last day is still being counted"
}
func (english) Live() string       { return "counted since vnstat's last save" }
func (english) Today() string      { return "still being counted" }
func (english) Peak() string       { return "largest day" }
func (english) Previous() string   { return "Previous cycles" }
func (english) Incomplete() string { return "vnstat lacks days of it" }
func (english) None() string       { return "None that vnstat's daily rows reach." }
func (english) Interfaces() string { return "Interfaces" }
func (english) Iface() string      { return "Interface" }
func (english) Lifetime() string   { return "Since vnstat began" }
func (english) Health() string     { return "Health" }
func (english) ReadAt() string     { return "Read at" }
func (english) LiveAsOf() string   { return "live part as of" }
func (english) Table() string      { return "Figures" }
func (english) Date() string       { return "Date" }

func (english) Waiting() string {
	return "No traffic figures yet: vnstat's database has not been read successfully. This page reloads until it has."
}
func (english) Retry(n int) string            { return fmt.Sprintf("Reloads every %d seconds.", n) }
func (english) Counted() string               { return "Counted" }
func (english) Offset() string                { return "Offset (USED_OFFSET)" }
func (english) Calibration(set string) string { return "Calibration of " + set }

func (english) Partial(ifaces, since, start string, calibrated, offset bool) string {
	s := fmt.Sprintf("vnstat began counting %s at %s, after this cycle began on %s: traffic before then is not in the received and sent figures", ifaces, since, start)
	switch {
	case calibrated:
		return s + "; the usage includes it through the calibration."
	case offset:
		return s + "; the usage includes USED_OFFSET for it."
	}
	return s + "; set USED_OFFSET or calibrate to count it against the quota."
}

func (english) Pace() string               { return "Pace through the cycle" }
func (english) PaceUsed() string           { return "used" }
func (english) PaceEven() string           { return "even pace to the quota" }
func (english) PaceProjection() string     { return "projection" }
func (english) PaceNow() string            { return "now" }
func (english) AxisDay(d time.Time) string { return d.Format("Jan 2") }

func (english) PaceTitle(quota, thresholds string) string {
	if quota == "" {
		return "Usage through the cycle so far, and projected to the reset"
	}
	return fmt.Sprintf("Usage through the cycle against an even pace to the quota of %s at the reset; alert thresholds %s", quota, thresholds)
}

func (english) PaceDesc(used, pct, elapsed, projected, projPct string, ahead bool) string {
	pace := "within an even pace"
	if ahead {
		pace = "ahead of an even pace"
	}
	return fmt.Sprintf("%s used (%s%% of the quota) with %s%% of the cycle gone: %s. At this rate, %s (%s%%) at the reset.", used, pct, elapsed, pace, projected, projPct)
}

func (english) PaceDescNoQuota(used, elapsed, projected string) string {
	return fmt.Sprintf("%s used with %s%% of the cycle gone. At this rate, %s at the reset.", used, elapsed, projected)
}

func (english) Age(d time.Duration) string { return fmt.Sprintf("%s ago", d) }

// chinese is the dashboard in Simplified Chinese.
type chinese struct{ phrases.Chinese }

func (chinese) Title() string       { return "流量" }
func (chinese) Cycle() string       { return "本周期" }
func (chinese) From() string        { return "起始" }
func (chinese) Resets() string      { return "重置日" }
func (chinese) DaysLeft(int) string { return "天后重置" }
func (chinese) Used() string        { return "已用" }
func (chinese) Of() string          { return "/" }
func (chinese) In() string          { return "接收" }
func (chinese) Out() string         { return "发送" }
func (chinese) Mode() string        { return "计费方式" }
func (chinese) Remaining() string   { return "剩余" }
func (chinese) Projected() string   { return "预计到重置时" }
func (chinese) NoQuota() string     { return "未设置额度（QUOTA）。" }
func (chinese) Thresholds() string  { return "提醒阈值" }
func (chinese) Daily() string       { return "本周期每天" }
func (chinese) DailyDesc() string {
	return "每天一根柱：接收在下，发送在上；最后一天仍在统计中"
}
func (chinese) Live() string       { return "vnstat 上次保存后统计的部分" }
func (chinese) Today() string      { return "仍在统计中" }
func (chinese) Peak() string       { return "最高的一天" }
func (chinese) Previous() string   { return "以前的周期" }
func (chinese) Incomplete() string { return "vnstat 缺少其中部分天数" }
func (chinese) None() string       { return "vnstat 的每日记录不覆盖更早的周期。" }
func (chinese) Interfaces() string { return "网卡" }
func (chinese) Iface() string      { return "网卡" }
func (chinese) Lifetime() string   { return "vnstat 开始统计以来" }
func (chinese) Health() string     { return "状态" }
func (chinese) ReadAt() string     { return "读取于" }
func (chinese) LiveAsOf() string   { return "实时部分采样于" }
func (chinese) Table() string      { return "数字" }
func (chinese) Date() string       { return "日期" }

func (chinese) Waiting() string {
	return "还没有流量数字：尚未成功读取 vnstat 的数据库。本页会自动刷新，直到读取成功。"
}
func (chinese) Retry(n int) string            { return fmt.Sprintf("每 %d 秒刷新一次。", n) }
func (chinese) Counted() string               { return "统计值" }
func (chinese) Offset() string                { return "偏移量（USED_OFFSET）" }
func (chinese) Calibration(set string) string { return "校准（" + set + "）" }

func (chinese) Partial(ifaces, since, start string, calibrated, offset bool) string {
	s := fmt.Sprintf("vnstat 于 %s 开始统计 %s，晚于本周期开始的 %s：之前的流量不在接收和发送的数字中", since, ifaces, start)
	switch {
	case calibrated:
		return s + "；用量已通过校准包含这部分。"
	case offset:
		return s + "；用量已通过 USED_OFFSET 包含这部分。"
	}
	return s + "；设置 USED_OFFSET 或进行校准，才能把这部分计入额度。"
}

func (chinese) Pace() string               { return "本周期进度" }
func (chinese) PaceUsed() string           { return "已用" }
func (chinese) PaceEven() string           { return "匀速用完额度" }
func (chinese) PaceProjection() string     { return "预计" }
func (chinese) PaceNow() string            { return "现在" }
func (chinese) AxisDay(d time.Time) string { return fmt.Sprintf("%d月%d日", d.Month(), d.Day()) }

func (chinese) PaceTitle(quota, thresholds string) string {
	if quota == "" {
		return "本周期至今的用量，及到重置时的预计"
	}
	return fmt.Sprintf("本周期的用量，对比到重置时匀速用完 %s 额度的直线；提醒阈值 %s", quota, thresholds)
}

func (chinese) PaceDesc(used, pct, elapsed, projected, projPct string, ahead bool) string {
	pace := "未超过匀速"
	if ahead {
		pace = "快于匀速"
	}
	return fmt.Sprintf("周期已过 %s%%，已用 %s（额度的 %s%%），%s。按此速度，到重置时约为 %s（%s%%）。", elapsed, used, pct, pace, projected, projPct)
}

func (chinese) PaceDescNoQuota(used, elapsed, projected string) string {
	return fmt.Sprintf("周期已过 %s%%，已用 %s。按此速度，到重置时约为 %s。", elapsed, used, projected)
}

func (chinese) Age(d time.Duration) string { return fmt.Sprintf("%s 前", d) }
