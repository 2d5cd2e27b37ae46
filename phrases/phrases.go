// Package phrases holds the phrases that the dashboard, the notifications
// and the Telegram bot say alike, one type per language: each of theirs
// embeds its language's here, so a phrase is written once, and one
// missing from a language does not compile.
package phrases

import (
	"fmt"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// Shared are the phrases every language has.
type Shared interface {
	// ModeName names a billing mode (sum, max, in, out).
	ModeName(mode string) string
	// StatusName names a health status.
	StatusName(s traffic.Status) string
	// Day is one day's traffic, total, received and sent, with its date
	// and weekday; NoDay a day that is in none of vnstat's daily rows.
	Day(date string, weekday time.Weekday, total, in, out string) string
	NoDay(date string, weekday time.Weekday) string
}

var (
	_ Shared = English{}
	_ Shared = Chinese{}
)

// English is the shared phrases in English.
type English struct{}

func (English) ModeName(mode string) string {
	switch mode {
	case "sum":
		return "received + sent"
	case "max":
		return "the larger direction"
	case "in":
		return "received"
	case "out":
		return "sent"
	}
	return mode
}

func (English) StatusName(s traffic.Status) string {
	switch s {
	case traffic.OK:
		return "ok"
	case traffic.Degraded:
		return "degraded"
	case traffic.Failing:
		return "error"
	}
	return string(s)
}

func (English) Day(date string, weekday time.Weekday, total, in, out string) string {
	return fmt.Sprintf("%s %s: %s (received %s, sent %s)", weekday.String()[:3], date, total, in, out)
}

func (English) NoDay(date string, weekday time.Weekday) string {
	return fmt.Sprintf("%s %s: not in vnstat's daily rows", weekday.String()[:3], date)
}

// Chinese is the shared phrases in Simplified Chinese.
type Chinese struct{}

func (Chinese) ModeName(mode string) string {
	switch mode {
	case "sum":
		return "接收 + 发送"
	case "max":
		return "较大的方向"
	case "in":
		return "接收"
	case "out":
		return "发送"
	}
	return mode
}

func (Chinese) StatusName(s traffic.Status) string {
	switch s {
	case traffic.OK:
		return "正常"
	case traffic.Degraded:
		return "部分数据缺失"
	case traffic.Failing:
		return "错误"
	}
	return string(s)
}

var weekdays = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

func (Chinese) Day(date string, weekday time.Weekday, total, in, out string) string {
	return fmt.Sprintf("%s %s：%s（接收 %s，发送 %s）", date, weekdays[weekday], total, in, out)
}

func (Chinese) NoDay(date string, weekday time.Weekday) string {
	return fmt.Sprintf("%s %s：vnstat 的每日记录中没有这一天", date, weekdays[weekday])
}
