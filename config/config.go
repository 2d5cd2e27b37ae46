package config

import (
	"fmt"
	"log/slog"
	"maps"
	"net"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
)

// DefaultWebhookPath is the webhook path the Python original shipped with.
// It is published in that project's README, so it is not a secret.
const DefaultWebhookPath = "/webhook/secret-0c68fb14-bb0d-41ca-a53f-a8ba0ea08fae"

// Config is the validated configuration of the daemon, grouped by the
// part of the program that uses it. Each field names its environment
// variable (env) and the rules its value obeys on its own (validate, in
// go-playground/validator's syntax); the rules across settings are in
// crossCheck. Vars says, for each variable, its default, what it allows
// and how it is parsed.
type Config struct {
	// HTTP is the server's: where it listens and what it serves.
	HTTP HTTP
	// Vnstat says where vnstat's data is, how often to read it and which
	// interfaces count.
	Vnstat Vnstat
	// Billing is the cycle and the quota usage is counted against.
	Billing Billing
	// Alerts says where events go and which ones are sent.
	Alerts Alerts
	// Log is how the program logs.
	Log Log
	// StateDir is where alerts' state and the calibration are kept.
	StateDir string `env:"STATE_DIR" validate:"startswith=/"`

	// Warnings are what the settings given do not do that their owner may
	// expect: a setting no longer used, a guessable WEBHOOK_PATH, ALERT_AT
	// without QUOTA.
	Warnings []Warning
}

// HTTP is the HTTP server's configuration.
type HTTP struct {
	// WebhookPath is the exact, secret path that serves the traffic totals.
	WebhookPath string `env:"WEBHOOK_PATH" validate:"webhookpath"`
	// Port is the TCP port the HTTP server listens on.
	Port int `env:"PORT" validate:"min=1,max=65535"`
	// ListenHost is the IP address to listen on; empty means all.
	ListenHost string `env:"LISTEN_HOST" validate:"omitempty,ip"`
	// MaxConnections caps the HTTP connections open at once.
	MaxConnections int `env:"MAX_CONNECTIONS" validate:"min=1,max=65536"`
	// MetricsPath is the path of the Prometheus metrics, empty for none.
	MetricsPath string `env:"METRICS_PATH" validate:"omitempty,webhookpath"`
}

// Vnstat says how vnstat's data is read.
type Vnstat struct {
	// PollInterval is the time between two reads of vnstat.
	PollInterval time.Duration `env:"POLL_INTERVAL" validate:"min=1s,max=24h"`
	// Interfaces, when not empty, replaces the automatic interface choice.
	Interfaces []string `env:"INTERFACES" validate:"unique,dive,ifname"`
	// DBDir, when set, is the directory of vnstat.db, instead of vnstat's
	// DatabaseDir.
	DBDir string `env:"VNSTAT_DBDIR" validate:"omitempty,dir"`
	// ConfigFile, when set, is vnstat's config file, read for the settings
	// that say how to read its database; empty means /etc/vnstat.conf
	// when it exists.
	ConfigFile string `env:"VNSTAT_CONFIG" validate:"omitempty,file"`
	// Live adds what the kernel counted since vnstat's last save.
	Live bool `env:"LIVE"`
	// StaleAfter: vnstat's newest save older than this while the kernel
	// counts traffic makes /health fail. Zero turns the check off;
	// AutoStaleAfter (the default) means max(15m, 3 x vnstat's
	// SaveInterval).
	StaleAfter time.Duration `env:"VNSTAT_STALE_AFTER" validate:"eq=-1ns|eq=0s|min=1s"`
	// NetnsPath, when set, is a network namespace file (such as the host's
	// /proc/1/ns/net made visible to a container) whose links are listed
	// instead of the process's own.
	NetnsPath string `env:"NETNS_PATH" validate:"omitempty,file"`
}

// AutoStaleAfter is StaleAfter's default: derived from vnstat's
// SaveInterval.
const AutoStaleAfter time.Duration = -1

// Billing is the billing cycle and the quota.
type Billing struct {
	// StartDay is the day of the month the billing cycle resets on.
	StartDay int `env:"START_DAY" validate:"min=1,max=31"`
	// Quota is the cycle's allowance in bytes; 0 means none.
	Quota uint64 `env:"QUOTA"`
	// Mode is how usage is counted: sum, max, in or out.
	Mode string `env:"BILLING_MODE" validate:"billingmode"`
	// UsedOffset is traffic the provider counted in the cycle that starts
	// on UsedOffsetCycle before vnstat did.
	UsedOffset uint64 `env:"USED_OFFSET"`
	// UsedOffsetCycle is the start of the cycle UsedOffset belongs to (a
	// civil date, midnight UTC), zero without an offset.
	UsedOffsetCycle time.Time `env:"USED_OFFSET_CYCLE"`
}

// With is the quota usage is counted against, with the calibration the
// owner gave (nil for none).
func (b Billing) With(calibration *billing.Calibration) billing.Quota {
	return billing.Quota{Limit: b.Quota, Mode: b.Mode, Offset: b.UsedOffset, OffsetCycle: b.UsedOffsetCycle, Calibration: calibration}
}

// Alerts says where events are sent and which ones.
type Alerts struct {
	// NotifyURLs are the notification services' URLs in shoutrrr's
	// syntax; they hold tokens and are never logged.
	NotifyURLs []string `env:"NOTIFY_URLS" validate:"dive,notifyurl"`
	// NotifyURLsFile, when set, is a file the URLs are read from instead
	// (one per line, # comments).
	NotifyURLsFile string `env:"NOTIFY_URLS_FILE" validate:"omitempty,file"`
	// Lang is the messages' language: en or zh-CN.
	Lang string `env:"NOTIFY_LANG" validate:"lang"`
	// At are the percentages of the quota that alert, ascending.
	At []int `env:"ALERT_AT" validate:"ascending,dive,min=1,max=1000"`
	// ReportAt is the time of the daily report in minutes after local
	// midnight; -1 for none.
	ReportAt int `env:"REPORT_AT"`
	// ReportWeekly is the day of the week of the weekly report, at
	// ReportAt, as ISO 8601 numbers it (1 Monday to 7 Sunday); 0 for none.
	ReportWeekly int `env:"REPORT_WEEKLY" validate:"min=0,max=7"`
	// ReportBeforeReset is how many days before the reset the cycle
	// report goes, at ReportAt; 0 for none.
	ReportBeforeReset int `env:"REPORT_BEFORE_RESET" validate:"min=0,max=27"`
	// ProblemGrace is how long a counting problem lasts before it is
	// reported.
	ProblemGrace time.Duration `env:"PROBLEM_GRACE" validate:"min=0s,max=24h"`
	// SummaryAfter is how long the clock must stay in a new cycle before
	// the one that ended is summed up.
	SummaryAfter time.Duration `env:"SUMMARY_AFTER" validate:"min=0s,max=24h"`
	// Command is an executable run on each event; empty for none.
	Command string `env:"ALERT_COMMAND" validate:"omitempty,startswith=/,file"`
	// CommandTimeout bounds one run of Command.
	CommandTimeout time.Duration `env:"ALERT_COMMAND_TIMEOUT" validate:"min=1s,max=1h"`
	// RootActions writes each event into StateDir/actions for the root
	// systemd path unit.
	RootActions bool `env:"ROOT_ACTIONS"`
	// TelegramBot answers commands in Telegram with the token of the
	// telegram:// URL.
	TelegramBot bool `env:"TELEGRAM_BOT"`
	// TelegramAllow are the chats the bot answers; empty means the
	// telegram:// URL's.
	TelegramAllow []int64 `env:"TELEGRAM_ALLOW"`
}

// Log is how the program logs.
type Log struct {
	// Level is the lowest level that is logged.
	Level slog.Level `env:"LOG_LEVEL"`
	// Format is "text" (tint) or "json".
	Format string `env:"LOG_FORMAT" validate:"oneof=text json"`
}

// Langs are the languages of the messages (package alert has a phrase
// book for each; a test there holds the two together).
var Langs = []string{"en", "zh-CN"}

// Error is a setting that was refused.
type Error struct {
	// Var is the environment variable.
	Var string
	// Value is the value given, or a description of it when the value
	// itself must not be printed.
	Value string
	// Allowed says which values are accepted.
	Allowed string
}

func (e *Error) Error() string {
	return fmt.Sprintf("invalid %s %s: allowed: %s", e.Var, e.Value, e.Allowed)
}

// Warning is a warning about the settings, logged at the start.
type Warning struct {
	// Msg is the log message; Problem, when set, the detail.
	Msg, Problem string
}

// Load reads the settings through getenv (os.Getenv, or a lookup that puts
// flags first) and validates them: each value is parsed by its Var, the
// groups are checked against their validate tags, then the rules across
// settings are checked. The error, if any, is an *Error for the first
// refused variable in the order of Vars.
func Load(getenv func(string) string) (Config, error) {
	vars := Vars()
	raw := make(map[string]string, len(vars))
	given := make(map[string]bool, len(vars))
	for _, v := range vars {
		raw[v.Name], given[v.Name] = getenv(v.Name), getenv(v.Name) != ""
		if !given[v.Name] {
			raw[v.Name] = v.Default
		}
	}
	var c Config
	fields := fieldsOf(&c)
	refused := make(map[string]bool)
	for _, v := range vars {
		value, err := v.Parse(raw[v.Name])
		if err != nil {
			refused[v.Name] = true
			continue
		}
		fields[v.Name].Set(reflect.ValueOf(value))
	}
	for _, name := range invalid(c) {
		refused[name] = true
	}
	for _, name := range crossCheck(c, func(name string) bool { return given[name] }) {
		refused[name] = true
	}
	for _, v := range vars {
		if refused[v.Name] {
			return Config{}, Disallow(v.Name, raw[v.Name], v.Allowed)
		}
	}
	gone := removed()
	for _, name := range slices.Sorted(maps.Keys(gone)) {
		if getenv(name) != "" {
			c.Warnings = append(c.Warnings, Warning{"obsolete setting", name + " is set but no longer used: " + gone[name] + "; remove it"})
		}
	}
	if c.HTTP.DefaultWebhook() {
		c.Warnings = append(c.Warnings, Warning{Msg: "WEBHOOK_PATH is the default published in the original README, so anyone can guess it; set a secret one"})
	}
	if c.Alerts.On() && c.Billing.Quota == 0 && len(c.Alerts.At) > 0 {
		c.Warnings = append(c.Warnings, Warning{Msg: "ALERT_AT needs QUOTA: no threshold or projection alerts; cycle summaries, problems and reports are sent"})
	}
	return c, nil
}

// fieldsOf maps each environment variable to the field of c it sets, by
// the fields' env tags.
func fieldsOf(c *Config) map[string]reflect.Value {
	fields := make(map[string]reflect.Value)
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if name := f.Tag.Get("env"); name != "" {
				fields[name] = v.Field(i)
			} else if f.Type.Kind() == reflect.Struct {
				walk(v.Field(i))
			}
		}
	}
	walk(reflect.ValueOf(c).Elem())
	return fields
}

// removed lists the settings earlier versions had, with why they went; an
// environment that still sets one gets a warning, not an error, so that an
// old env file keeps working after an upgrade.
func removed() map[string]string {
	const why = "vnstat-exporter reads vnstat's database directly and no longer runs the vnstat command"
	return map[string]string{"VNSTAT_BIN": why, "VNSTAT_TIMEOUT": why}
}

// Addr is the address the HTTP server listens on, host:port.
func (h HTTP) Addr() string {
	return net.JoinHostPort(h.ListenHost, strconv.Itoa(h.Port))
}

// LocalURL is the URL of path on the server as seen from this host: on
// loopback when the server listens on all addresses.
func (h HTTP) LocalURL(path string) string {
	host := h.ListenHost
	switch {
	case host == "" || host == "0.0.0.0":
		host = "127.0.0.1"
	case host == "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(h.Port)) + path
}

// DefaultWebhook reports whether the webhook uses the published default path.
func (h HTTP) DefaultWebhook() bool {
	return h.WebhookPath == DefaultWebhookPath
}

// On reports whether alerts go anywhere: to a notification service,
// ALERT_COMMAND or the root actions' spool.
func (a Alerts) On() bool {
	return len(a.NotifyURLs) > 0 || a.NotifyURLsFile != "" || a.Command != "" || a.RootActions
}

// LogValue lists the configuration for the start-up log line, with the
// webhook path masked.
func (c Config) LogValue() slog.Value {
	ifaces := "automatic"
	if len(c.Vnstat.Interfaces) > 0 {
		ifaces = strings.Join(c.Vnstat.Interfaces, ",")
	}
	dbdir := c.Vnstat.DBDir
	if dbdir == "" {
		dbdir = "(vnstat's setting)"
	}
	stale := c.Vnstat.StaleAfter.String()
	if c.Vnstat.StaleAfter == AutoStaleAfter {
		stale = "auto"
	}
	h, v, b, a := c.HTTP, c.Vnstat, c.Billing, c.Alerts
	return slog.GroupValue(
		slog.String("webhook_path", "(hidden)"),
		slog.Int("start_day", b.StartDay),
		slog.String("addr", h.Addr()),
		slog.Int("max_connections", h.MaxConnections),
		slog.Duration("poll_interval", v.PollInterval),
		slog.String("interfaces", ifaces),
		slog.String("vnstat_dbdir", dbdir),
		slog.String("netns_path", v.NetnsPath),
		slog.String("vnstat_config", v.ConfigFile),
		slog.Bool("live", v.Live),
		slog.String("vnstat_stale_after", stale),
		slog.Uint64("quota_bytes", b.Quota),
		slog.String("billing_mode", b.Mode),
		slog.Uint64("used_offset_bytes", b.UsedOffset),
		slog.Bool("metrics", h.MetricsPath != ""),
		slog.String("log_level", c.Log.Level.String()),
		slog.String("log_format", c.Log.Format),
		slog.String("state_dir", c.StateDir),
		slog.Int("notify_urls", len(a.NotifyURLs)),
		slog.String("notify_urls_file", a.NotifyURLsFile),
		slog.String("notify_lang", a.Lang),
		slog.Any("alert_at", a.At),
		slog.String("report_at", clock(a.ReportAt)),
		slog.String("report_weekly", weekdayName(a.ReportWeekly)),
		slog.Int("report_before_reset", a.ReportBeforeReset),
		slog.Duration("problem_grace", a.ProblemGrace),
		slog.Duration("summary_after", a.SummaryAfter),
		slog.String("alert_command", a.Command),
		slog.Duration("alert_command_timeout", a.CommandTimeout),
		slog.Bool("root_actions", a.RootActions),
		slog.Bool("telegram_bot", a.TelegramBot),
		slog.Any("telegram_allow", a.TelegramAllow),
	)
}

// weekdayName is the day d (1 Monday to 7 Sunday) in three letters; ""
// for none.
func weekdayName(d int) string {
	if d < 1 || d > 7 {
		return ""
	}
	return strings.ToLower(time.Weekday(d % 7).String()[:3])
}

// clock formats minutes after midnight as HH:MM; negative is "".
func clock(mins int) string {
	if mins < 0 {
		return ""
	}
	return fmt.Sprintf("%02d:%02d", mins/60, mins%60)
}

// shown is how a refused value appears in an error. The webhook path is a
// secret even when it is malformed, and the metrics path may lie under it,
// so only their length is shown.
func shown(name, value string) string {
	if hidden(name) {
		return fmt.Sprintf("(value hidden, %d bytes)", len(value))
	}
	return strconv.Quote(value)
}

// hidden reports whether the value of the setting name is a secret: the
// webhook path, the metrics path that may lie under it, and the
// notification URLs, which hold tokens.
func hidden(name string) bool {
	return name == "WEBHOOK_PATH" || name == "METRICS_PATH" || name == "NOTIFY_URLS"
}
