package alert

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vnstat-exporter/vnstat-exporter/config"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

var errFailed = errors.New("opening vnstat.db: permission denied")

func TestMessages(t *testing.T) {
	ev := Event{Kind: Threshold, Threshold: 80, UsedBytes: 442_779_402_240, LimitBytes: 536_870_912_000, ProjectedBytes: 600_000_000_000,
		CycleStart: "2026-11-15", ResetsOn: "2026-12-15", DaysLeft: 5}
	tests := []struct {
		lang string
		want []string
	}{
		{"en", []string{"vps1: traffic has reached 80% of the quota", "Used 412.37 GiB of 500.00 GiB (82.4%)",
			"Projected 558.79 GiB by the reset (111.7%)", "5 days left; resets on 2026-12-15"}},
		{"zh-CN", []string{"vps1：流量已达套餐的 80%", "已用 412.37 GiB / 500.00 GiB（82.4%）", "预计到重置时 558.79 GiB（111.7%）", "剩余 5 天，2026-12-15 重置"}},
	}
	for _, tt := range tests {
		msg := Notify(ev, "vps1", tt.lang).Text()
		if got := strings.Split(msg, "\n"); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s:\n%s\nwant:\n%s", tt.lang, msg, strings.Join(tt.want, "\n"))
		}
		// Short enough for a phone's notification.
		if n := utf8.RuneCountInString(msg); n > 200 {
			t.Errorf("%s: %d characters", tt.lang, n)
		}
	}
	p := Event{Kind: ProblemKind, Problem: "vnstatd_stalled", Detail: "vnstatd is not saving: last write 2026-11-30T01:00:00Z",
		Since: time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC), At: time.Date(2026, 11, 30, 2, 30, 0, 0, time.UTC), Reminder: 2}
	if msg := Notify(p, "vps1", "en").Text(); !strings.HasPrefix(msg, "vps1: still not counted correctly (vnstatd has stopped saving, for 1h30m)") {
		t.Errorf("reminder: %q", msg)
	}
}

// TestEveryLanguage: each language NOTIFY_LANG allows has its own
// phrasebook (that each has every phrase, the compiler checks), and a
// name for each kind of problem told.
func TestEveryLanguage(t *testing.T) {
	seen := map[string]string{}
	for _, lang := range config.Langs {
		w := phrasesFor(lang)
		if other, dup := seen[w.Threshold("h", 80)]; dup {
			t.Errorf("%s has the phrases of %s", lang, other)
		}
		seen[w.Threshold("h", 80)] = lang
		for _, k := range append(slices.Clone(traffic.FatalKinds), traffic.ZoneMismatch, traffic.ForeignNamespace) {
			if !notified(k) || w.Kind(k) == "" {
				t.Errorf("%s: no name for %s (told: %v)", lang, k, notified(k))
			}
		}
	}
}

func TestMessageSizes(t *testing.T) {
	for n, want := range map[uint64]string{999: "999 B", 1000: "1.00 kB", 442_779_402_240: "442.78 GB", 1_500_000_000_000: "1.50 TB"} {
		if got := traffic.SizeSI(n); got != want {
			t.Errorf("SizeSI(%d) = %q, want %q", n, got, want)
		}
	}
	// Next to a decimal quota, decimal units; a binary one, binary.
	ev := Event{Kind: Threshold, Threshold: 80, UsedBytes: 400e9, LimitBytes: 500e9, DaysLeft: 1, ResetsOn: "2026-12-01"}
	if msg := Notify(ev, "h", "en").Text(); !strings.Contains(msg, "Used 400.00 GB of 500.00 GB (80.0%)\n1 day left; resets on 2026-12-01") {
		t.Errorf("decimal quota: %q", msg)
	}
	// Never more than was used: 999,999,999 of 1 GB is not 100 %.
	ev = Event{Kind: Threshold, Threshold: 90, UsedBytes: 999_999_999, LimitBytes: 1e9, DaysLeft: 1, ResetsOn: "2026-12-01"}
	if msg := Notify(ev, "h", "en").Text(); !strings.Contains(msg, "traffic has reached 90% of the quota\nUsed 1000.00 MB of 1.00 GB (99.9%)") {
		t.Errorf("just below the quota: %q", msg)
	}
	if env := strings.Join(Notify(ev, "h", "en").Env(), " "); !strings.Contains(env, "VNSTAT_EXPORTER_PERCENT=99.99 ") {
		t.Errorf("just below the quota: %s", env)
	}
	for _, tt := range []struct {
		used, limit uint64
		want        float64
	}{{8, 10, 80}, {7, 10, 70}, {1, 3, 33.3}, {2, 3, 66.6}, {1<<64 - 1, 1<<64 - 1, 100}, {3, 1e9, 0}} {
		if got := shownPercent(tt.used, tt.limit, 1); got != tt.want {
			t.Errorf("shownPercent(%d, %d) = %v, want %v", tt.used, tt.limit, got, tt.want)
		}
	}
	ev = Event{Kind: Threshold, Threshold: 80, UsedBytes: 400 << 30, LimitBytes: 500 << 30, DaysLeft: 1, ResetsOn: "2026-12-01"}
	if msg := Notify(ev, "h", "en").Text(); !strings.Contains(msg, "Used 400.00 GiB of 500.00 GiB (80.0%)") {
		t.Errorf("binary quota: %q", msg)
	}
}
