package config

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Var describes one setting: its environment variable, its flag, its
// default, what values it allows, and how its value is parsed. Where the
// value goes, and the rules it obeys on its own, are on its field of
// Config (the env and validate tags).
type Var struct {
	// Name is the environment variable.
	Name string
	// Flag is the command-line flag that overrides the variable: Name in
	// lower case with - for _.
	Flag string
	// Default is the value used when neither is given.
	Default string
	// Allowed says, for people, which values are accepted.
	Allowed string
	// Usage is a short description for -h.
	Usage string
	// Parse turns the value given into the field's type; an error means
	// the value is refused.
	Parse func(string) (any, error)
}

// Vars lists every setting in the order they are validated and documented.
// A setting is defined here and on its field of Config, nowhere else.
func Vars() []Var {
	vars := []Var{
		{Name: "WEBHOOK_PATH", Default: DefaultWebhookPath, Parse: text,
			Allowed: "a path starting with / made of letters, digits and -._~!$&'()*+,;=:@/ (no whitespace, ?, # or %; no empty, . or .. segments, so no trailing /), other than / and the server's own paths (/health)",
			Usage:   "secret path that serves the traffic totals"},
		{Name: "START_DAY", Default: "1", Parse: integer,
			Allowed: "an integer from 1 to 31 (a day the month lacks means its last day)",
			Usage:   "day of the month the billing cycle resets on"},
		{Name: "PORT", Default: "50000", Parse: integer,
			Allowed: "an integer from 1 to 65535",
			Usage:   "TCP port to listen on"},
		{Name: "LISTEN_HOST", Parse: text,
			Allowed: "an IP address, or empty for all interfaces",
			Usage:   "IP address to listen on"},
		{Name: "MAX_CONNECTIONS", Default: "1024", Parse: integer,
			Allowed: "an integer from 1 to 65536",
			Usage:   "HTTP connections open at once; at the cap a new one closes an idle keep-alive connection"},
		{Name: "POLL_INTERVAL", Default: "5m", Parse: duration,
			Allowed: "a Go duration from 1s to 24h, such as 30s or 5m",
			Usage:   "time between two reads of vnstat's database"},
		{Name: "INTERFACES", Parse: commaList,
			Allowed: "comma-separated interface names (1 to 15 bytes, not . or .., no whitespace, / or :), each once; empty for the automatic choice",
			Usage:   "interfaces to report instead of the automatic choice"},
		{Name: "VNSTAT_DBDIR", Parse: text,
			Allowed: "an existing directory, or empty for vnstat's DatabaseDir",
			Usage:   "directory of vnstat's database, vnstat.db"},
		{Name: "VNSTAT_CONFIG", Parse: text,
			Allowed: "an existing file, or empty for /etc/vnstat.conf when it exists",
			Usage:   "vnstat's config file, read for DatabaseDir, SaveInterval, DailyDays, TrafficlessEntries, UseUTC and BootVariation"},
		{Name: "LIVE", Default: "true", Parse: boolean,
			Allowed: "true or false",
			Usage:   "add to vnstat's sums what the kernel counted since vnstat's last save"},
		{Name: "VNSTAT_STALE_AFTER", Default: "auto", Parse: staleAfter,
			Allowed: "auto (max(15m, 3 x vnstat's SaveInterval)), 0 (off), or a Go duration of at least 1s",
			Usage:   "how old vnstat's newest save may be while the kernel counts traffic"},
		{Name: "NETNS_PATH", Parse: text,
			Allowed: "an existing network namespace file such as /proc/1/ns/net, or empty for the process's own namespace",
			Usage:   "network namespace whose links are listed (bridge-network containers)"},
		{Name: "QUOTA", Parse: positiveSize,
			Allowed: "a size above 0: bytes, or a number with a unit: B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), in any case, such as 500GB or 1.5TiB, up to 1 PiB; empty for none",
			Usage:   "the cycle's traffic allowance"},
		{Name: "BILLING_MODE", Default: "sum", Parse: text,
			Allowed: "sum (in + out), max (the larger direction), in or out",
			Usage:   "how usage is counted against the quota"},
		{Name: "USED_OFFSET", Parse: size,
			Allowed: "a size as for QUOTA, 0 or more; needs USED_OFFSET_CYCLE",
			Usage:   "traffic the provider counted before vnstat did, added to the usage of one cycle"},
		{Name: "USED_OFFSET_CYCLE", Parse: date,
			Allowed: "the start date, YYYY-MM-DD, of the cycle USED_OFFSET belongs to: a reset day for START_DAY; set exactly when USED_OFFSET is",
			Usage:   "the cycle USED_OFFSET counts in; it expires at the next reset"},
		{Name: "METRICS_PATH", Parse: text,
			Allowed: "empty (no metrics), or a path with the rules of WEBHOOK_PATH other than WEBHOOK_PATH itself, WEBHOOK_PATH/health, /calibrate, /dashboard and /history, such as /metrics or WEBHOOK_PATH/metrics",
			Usage:   "path of the Prometheus metrics"},
		{Name: "LOG_LEVEL", Default: "info", Parse: level,
			Allowed: "debug, info, warn or error",
			Usage:   "lowest level logged"},
		{Name: "LOG_FORMAT", Default: "text", Parse: text,
			Allowed: "text or json",
			Usage:   "log format"},
		{Name: "STATE_DIR", Default: "/var/lib/vnstat-exporter", Parse: text,
			Allowed: "an absolute path; it must be writable when notifications, ALERT_COMMAND or ROOT_ACTIONS are set",
			Usage:   "directory of the alerts' state and the calibration"},
		{Name: "NOTIFY_URLS", Parse: words,
			Allowed: "notification URLs in shoutrrr's syntax (telegram://, ntfy://, generic+https://, ...), separated by spaces or newlines; empty for none",
			Usage:   "where alerts are sent"},
		{Name: "NOTIFY_URLS_FILE", Parse: text,
			Allowed: "an existing file with one URL per line (# starts a comment), such as a Docker secret or systemd credential; not with NOTIFY_URLS",
			Usage:   "file the notification URLs are read from"},
		{Name: "NOTIFY_LANG", Default: "en", Parse: text,
			Allowed: strings.Join(Langs, " or "),
			Usage:   "language of the messages"},
		{Name: "ALERT_AT", Default: "80,90,100", Parse: percents,
			Allowed: "comma-separated whole percentages of QUOTA from 1 to 1000, ascending, each once; empty for none",
			Usage:   "usage thresholds that send an alert, once each per cycle"},
		{Name: "REPORT_AT", Parse: timeOfDay,
			Allowed: "a local time HH:MM (00:00 to 23:59), or empty for no daily report",
			Usage:   "time of the daily report"},
		{Name: "REPORT_WEEKLY", Parse: weekday,
			Allowed: "a day of the week, mon to sun (or its whole English name, any case), or empty for no weekly report; needs REPORT_AT",
			Usage:   "day of the weekly report (at REPORT_AT): each day of the week before, its total, the cycle against QUOTA and its pace"},
		{Name: "REPORT_BEFORE_RESET", Default: "0", Parse: integer,
			Allowed: "an integer from 0 (none) to 27: that many days before the reset; needs REPORT_AT",
			Usage:   "days before the reset of the cycle report (at REPORT_AT): what is left, per day left"},
		{Name: "PROBLEM_GRACE", Default: "10m", Parse: duration,
			Allowed: "a Go duration from 0s to 24h",
			Usage:   "how long a counting problem lasts before it is reported"},
		{Name: "SUMMARY_AFTER", Default: "10m", Parse: duration,
			Allowed: "a Go duration from 0s to 24h",
			Usage:   "how long the clock must stay in a new cycle before the one that ended is summed up (new_cycle): a clock set ahead for a moment ends no cycle"},
		{Name: "ALERT_COMMAND", Parse: text,
			Allowed: "an absolute path to an executable file, or empty for none",
			Usage:   "program run on each event, with the event in VNSTAT_EXPORTER_* variables"},
		{Name: "ALERT_COMMAND_TIMEOUT", Default: "60s", Parse: duration,
			Allowed: "a Go duration from 1s to 1h",
			Usage:   "time ALERT_COMMAND may run before it is killed"},
		{Name: "ROOT_ACTIONS", Default: "false", Parse: boolean,
			Allowed: "true or false",
			Usage:   "write each event into STATE_DIR/actions for the root path unit vnstat-exporter-actions.path"},
		{Name: "TELEGRAM_BOT", Default: "false", Parse: boolean,
			Allowed: "true or false; true needs a telegram:// URL in NOTIFY_URLS or NOTIFY_URLS_FILE (its token is the bot's)",
			Usage:   "answer /usage, /today, /week, /cycles, /status and /help in Telegram (long polling, no inbound port)"},
		{Name: "TELEGRAM_ALLOW", Parse: chatIDs,
			Allowed: "comma-separated Telegram chat IDs (integers, negative for groups), each once; empty for the chats of the telegram:// URL",
			Usage:   "chats the bot answers"},
	}
	for i := range vars {
		vars[i].Flag = strings.ReplaceAll(strings.ToLower(vars[i].Name), "_", "-")
	}
	return vars
}

// The parsers of Vars: each turns a value given into its field's type.

func text(v string) (any, error) { return v, nil }

func integer(v string) (any, error) { return strconv.Atoi(v) }

func duration(v string) (any, error) { return time.ParseDuration(v) }

func boolean(v string) (any, error) { return strconv.ParseBool(v) }

func size(v string) (any, error) { return ParseSize(v) }

// positiveSize is a size that is not 0 when given.
func positiveSize(v string) (any, error) {
	n, err := ParseSize(v)
	if err == nil && v != "" && n == 0 {
		err = errors.New("0 is not an allowance; leave it empty for none")
	}
	return n, err
}

// staleAfter is auto (AutoStaleAfter) or a duration 0 or more: a negative
// duration given is refused, never taken for auto.
func staleAfter(v string) (any, error) {
	if v == "auto" {
		return AutoStaleAfter, nil
	}
	d, err := time.ParseDuration(v)
	if err == nil && d < 0 {
		err = errors.New("negative")
	}
	return d, err
}

// commaList is names separated by commas, blanks around them trimmed;
// empty or blank is none.
func commaList(v string) (any, error) {
	if strings.TrimSpace(v) == "" {
		return []string(nil), nil
	}
	var names []string
	for _, name := range strings.Split(v, ",") {
		names = append(names, strings.TrimSpace(name))
	}
	return names, nil
}

// words is values separated by blanks; empty is none.
func words(v string) (any, error) {
	if fields := strings.Fields(v); len(fields) > 0 {
		return fields, nil
	}
	return []string(nil), nil
}

// percents is whole numbers separated by commas; empty or blank is none.
func percents(v string) (any, error) {
	if strings.TrimSpace(v) == "" {
		return []int(nil), nil
	}
	var ns []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return nil, err
		}
		ns = append(ns, n)
	}
	return ns, nil
}

// chatIDs is comma-separated Telegram chat IDs; empty is none.
func chatIDs(v string) (any, error) {
	if strings.TrimSpace(v) == "" {
		return []int64(nil), nil
	}
	var ids []int64
	for _, f := range strings.Split(v, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil || id == 0 {
			return nil, fmt.Errorf("%q is not a chat ID", strings.TrimSpace(f))
		}
		if slices.Contains(ids, id) {
			return nil, fmt.Errorf("%d is given twice", id)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// timeOfDay is HH:MM as minutes after midnight; empty is -1 (none).
func timeOfDay(v string) (any, error) {
	if v == "" {
		return -1, nil
	}
	t, err := time.Parse("15:04", v)
	if err == nil && len(v) != 5 {
		err = errors.New("not HH:MM")
	}
	return t.Hour()*60 + t.Minute(), err
}

// weekday is a day of the week by its English name or its first three
// letters, in any case, as ISO 8601 numbers it (1 Monday to 7 Sunday);
// empty is 0, none.
func weekday(v string) (any, error) {
	if v == "" {
		return 0, nil
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		if name := d.String(); strings.EqualFold(v, name) || strings.EqualFold(v, name[:3]) {
			return ISOWeekday(d), nil
		}
	}
	return 0, errors.New("not a day of the week")
}

// ISOWeekday is d as ISO 8601 numbers it: 1 Monday to 7 Sunday.
func ISOWeekday(d time.Weekday) int {
	if d == time.Sunday {
		return 7
	}
	return int(d)
}

// date is a civil date YYYY-MM-DD at midnight UTC; empty is the zero time.
func date(v string) (any, error) {
	if v == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.DateOnly, v)
}

func level(v string) (any, error) {
	switch v {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return nil, fmt.Errorf("unknown level %q", v)
}
