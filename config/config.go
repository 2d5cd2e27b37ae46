package config

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/dustin/go-humanize"
	"github.com/go-playground/validator/v10"
	"github.com/vnstat-exporter/vnstat-exporter/billing"
)

// DefaultWebhookPath is the webhook path the Python original shipped with.
// It is published in that project's README, so it is not a secret.
const DefaultWebhookPath = "/webhook/secret-0c68fb14-bb0d-41ca-a53f-a8ba0ea08fae"

// Config is the validated configuration of the daemon.
type Config struct {
	// WebhookPath is the exact, secret path that serves the traffic totals.
	WebhookPath string
	// StartDay is the day of the month the billing cycle resets on.
	StartDay int
	// Port is the TCP port the HTTP server listens on.
	Port int
	// ListenHost is the IP address to listen on; empty means all.
	ListenHost string
	// MaxConnections caps the HTTP connections open at once.
	MaxConnections int
	// PollInterval is the time between two reads of vnstat.
	PollInterval time.Duration
	// Interfaces, when not empty, replaces the automatic interface choice.
	Interfaces []string
	// VnstatDBDir, when set, is the directory of vnstat.db, instead of
	// vnstat's DatabaseDir.
	VnstatDBDir string
	// VnstatConfig, when set, is vnstat's config file, read for the
	// settings that say how to read its database; empty means
	// /etc/vnstat.conf when it exists.
	VnstatConfig string
	// Live adds what the kernel counted since vnstat's last save.
	Live bool
	// VnstatStaleAfter: vnstat's newest save older than this while the
	// kernel counts traffic makes /health fail. Zero turns the check off;
	// AutoStaleAfter (the default) means max(15m, 3 x vnstat's SaveInterval).
	VnstatStaleAfter time.Duration
	// NetnsPath, when set, is a network namespace file (such as the host's
	// /proc/1/ns/net made visible to a container) whose links are listed
	// instead of the process's own.
	NetnsPath string
	// Quota is the cycle's allowance in bytes; 0 means none.
	Quota uint64
	// BillingMode is how usage is counted: sum, max, in or out.
	BillingMode string
	// UsedOffset is traffic the provider counted in the cycle that starts
	// on UsedOffsetCycle before vnstat did.
	UsedOffset uint64
	// UsedOffsetCycle is the start of the cycle UsedOffset belongs to (a
	// civil date, midnight UTC), zero without an offset.
	UsedOffsetCycle time.Time
	// MetricsPath is the path of the Prometheus metrics, empty for none.
	MetricsPath string
	// LogLevel is the lowest level that is logged.
	LogLevel slog.Level
	// LogFormat is "text" (tint) or "json".
	LogFormat string
	// StateDir is where alerts' state and the calibration are kept.
	StateDir string
	// NotifyURLs are the notification services' URLs in shoutrrr's
	// syntax; they hold tokens and are never logged.
	NotifyURLs []string
	// NotifyURLsFile, when set, is a file the URLs are read from instead
	// (one per line, # comments).
	NotifyURLsFile string
	// NotifyLang is the messages' language: en or zh-CN.
	NotifyLang string
	// AlertAt are the percentages of the quota that alert, ascending.
	AlertAt []int
	// ReportAt is the time of the daily report in minutes after local
	// midnight; -1 for none.
	ReportAt int
	// ProblemGrace is how long a counting problem lasts before it is
	// reported.
	ProblemGrace time.Duration
	// SummaryAfter is how long the clock must stay in a new cycle before
	// the one that ended is summed up.
	SummaryAfter time.Duration
	// AlertCommand is an executable run on each event; empty for none.
	AlertCommand string
	// AlertCommandTimeout bounds one run of AlertCommand.
	AlertCommandTimeout time.Duration
	// RootActions writes each event into StateDir/actions for the root
	// systemd path unit.
	RootActions bool

	// Warnings are what the settings given do not do that their owner may
	// expect: a setting no longer used, a guessable WEBHOOK_PATH, ALERT_AT
	// without QUOTA.
	Warnings []Warning
}

// removed lists the settings earlier versions had, with why they went; an
// environment that still sets one gets a warning, not an error, so that an
// old env file keeps working after an upgrade.
func removed() map[string]string {
	const why = "vnstat-exporter reads vnstat's database directly and no longer runs the vnstat command"
	return map[string]string{"VNSTAT_BIN": why, "VNSTAT_TIMEOUT": why}
}

// AutoStaleAfter is VnstatStaleAfter's default: derived from vnstat's
// SaveInterval.
const AutoStaleAfter time.Duration = -1

// Addr is the address the HTTP server listens on, host:port.
func (c Config) Addr() string {
	return net.JoinHostPort(c.ListenHost, strconv.Itoa(c.Port))
}

// LocalURL is the URL of path on the server as seen from this host: on
// loopback when the server listens on all addresses.
func (c Config) LocalURL(path string) string {
	host := c.ListenHost
	switch {
	case host == "" || host == "0.0.0.0":
		host = "127.0.0.1"
	case host == "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(c.Port)) + path
}

// DefaultWebhook reports whether the webhook uses the published default path.
func (c Config) DefaultWebhook() bool {
	return c.WebhookPath == DefaultWebhookPath
}

// LogValue lists the configuration for the start-up log line, with the
// webhook path masked.
func (c Config) LogValue() slog.Value {
	ifaces := "automatic"
	if len(c.Interfaces) > 0 {
		ifaces = strings.Join(c.Interfaces, ",")
	}
	dbdir := c.VnstatDBDir
	if dbdir == "" {
		dbdir = "(vnstat's setting)"
	}
	return slog.GroupValue(
		slog.String("webhook_path", "(hidden)"),
		slog.Int("start_day", c.StartDay),
		slog.String("addr", c.Addr()),
		slog.Int("max_connections", c.MaxConnections),
		slog.Duration("poll_interval", c.PollInterval),
		slog.String("interfaces", ifaces),
		slog.String("vnstat_dbdir", dbdir),
		slog.String("netns_path", c.NetnsPath),
		slog.String("vnstat_config", c.VnstatConfig),
		slog.Bool("live", c.Live),
		slog.String("vnstat_stale_after", staleString(c.VnstatStaleAfter)),
		slog.Uint64("quota_bytes", c.Quota),
		slog.String("billing_mode", c.BillingMode),
		slog.Uint64("used_offset_bytes", c.UsedOffset),
		slog.Bool("metrics", c.MetricsPath != ""),
		slog.String("log_level", c.LogLevel.String()),
		slog.String("log_format", c.LogFormat),
		slog.String("state_dir", c.StateDir),
		slog.Int("notify_urls", len(c.NotifyURLs)),
		slog.String("notify_urls_file", c.NotifyURLsFile),
		slog.String("notify_lang", c.NotifyLang),
		slog.Any("alert_at", c.AlertAt),
		slog.String("report_at", clock(c.ReportAt)),
		slog.Duration("problem_grace", c.ProblemGrace),
		slog.Duration("summary_after", c.SummaryAfter),
		slog.String("alert_command", c.AlertCommand),
		slog.Duration("alert_command_timeout", c.AlertCommandTimeout),
		slog.Bool("root_actions", c.RootActions),
	)
}

// Var describes one setting: its environment variable, its flag, its
// default, what values it allows, and how a value goes into the Config.
type Var struct {
	// Name is the environment variable.
	Name string
	// Flag is the command-line flag that overrides the variable.
	Flag string
	// Default is the value used when neither is given.
	Default string
	// Allowed says, for people, which values are accepted.
	Allowed string
	// Usage is a short description for -h.
	Usage string
	// set parses value into c and reports whether it is allowed. in gives
	// the values of the settings before it, for checks across settings.
	set func(c *Config, value string, in input) bool
}

// input is what a setting's set may use besides its own value.
type input struct {
	// check validates a value with a validator/v10 tag.
	check func(value any, tag string) bool
	// raw is the value given for another setting (its default if none).
	raw func(name string) string
}

// Vars lists every setting in the order they are validated and documented.
// A setting is defined here and nowhere else: its name, flag, default,
// the values it allows, and how it is parsed and checked.
func Vars() []Var {
	str := func(field func(*Config) *string, tag string) func(*Config, string, input) bool {
		return func(c *Config, v string, in input) bool {
			*field(c) = v
			return tag == "" || in.check(v, tag)
		}
	}
	integer := func(field func(*Config) *int, tag string) func(*Config, string, input) bool {
		return func(c *Config, v string, in input) bool {
			n, err := strconv.Atoi(v)
			*field(c) = n
			return err == nil && in.check(n, tag)
		}
	}
	size := func(field func(*Config) *uint64, nonZero bool) func(*Config, string, input) bool {
		return func(c *Config, v string, _ input) bool {
			n, err := ParseSize(v)
			*field(c) = n
			return err == nil && (!nonZero || v == "" || n > 0)
		}
	}
	return []Var{
		{"WEBHOOK_PATH", "webhook-path", DefaultWebhookPath,
			"a path starting with / made of letters, digits and -._~!$&'()*+,;=:@/ (no whitespace, ?, # or %; no empty, . or .. segments, so no trailing /), other than / and the server's own paths (/health)",
			"secret path that serves the traffic totals",
			str(func(c *Config) *string { return &c.WebhookPath }, "webhookpath")},
		{"START_DAY", "start-day", "1", "an integer from 1 to 31 (a day the month lacks means its last day)",
			"day of the month the billing cycle resets on",
			integer(func(c *Config) *int { return &c.StartDay }, "min=1,max=31")},
		{"PORT", "port", "50000", "an integer from 1 to 65535", "TCP port to listen on",
			integer(func(c *Config) *int { return &c.Port }, "min=1,max=65535")},
		{"LISTEN_HOST", "listen-host", "", "an IP address, or empty for all interfaces", "IP address to listen on",
			str(func(c *Config) *string { return &c.ListenHost }, "omitempty,ip")},
		{"MAX_CONNECTIONS", "max-connections", "1024", "an integer from 1 to 65536",
			"HTTP connections open at once; at the cap a new one closes an idle keep-alive connection",
			integer(func(c *Config) *int { return &c.MaxConnections }, "min=1,max=65536")},
		{"POLL_INTERVAL", "poll-interval", "5m", "a Go duration from 1s to 24h, such as 30s or 5m", "time between two reads of vnstat's database",
			func(c *Config, v string, in input) bool {
				d, err := time.ParseDuration(v)
				c.PollInterval = d
				return err == nil && in.check(d, "min=1s,max=24h")
			}},
		{"INTERFACES", "interfaces", "", "comma-separated interface names (1 to 15 bytes, not . or .., no whitespace, / or :), each once; empty for the automatic choice",
			"interfaces to report instead of the automatic choice",
			func(c *Config, v string, _ input) bool {
				c.Interfaces = nil
				if strings.TrimSpace(v) == "" {
					return true
				}
				for _, name := range strings.Split(v, ",") {
					name = strings.TrimSpace(name)
					if !validIfname(name) || slices.Contains(c.Interfaces, name) {
						return false
					}
					c.Interfaces = append(c.Interfaces, name)
				}
				return true
			}},
		{"VNSTAT_DBDIR", "vnstat-dbdir", "", "an existing directory, or empty for vnstat's DatabaseDir", "directory of vnstat's database, vnstat.db",
			str(func(c *Config) *string { return &c.VnstatDBDir }, "omitempty,dir")},
		{"VNSTAT_CONFIG", "vnstat-config", "", "an existing file, or empty for /etc/vnstat.conf when it exists",
			"vnstat's config file, read for DatabaseDir, SaveInterval, DailyDays, TrafficlessEntries, UseUTC and BootVariation",
			str(func(c *Config) *string { return &c.VnstatConfig }, "omitempty,file")},
		{"LIVE", "live", "true", "true or false",
			"add to vnstat's sums what the kernel counted since vnstat's last save",
			func(c *Config, v string, _ input) bool {
				b, err := strconv.ParseBool(v)
				c.Live = b
				return err == nil
			}},
		{"VNSTAT_STALE_AFTER", "vnstat-stale-after", "auto", "auto (max(15m, 3 x vnstat's SaveInterval)), 0 (off), or a Go duration of at least 1s",
			"how old vnstat's newest save may be while the kernel counts traffic",
			func(c *Config, v string, in input) bool {
				if v == "auto" {
					c.VnstatStaleAfter = AutoStaleAfter
					return true
				}
				// AutoStaleAfter is negative: a negative value given is
				// refused, never taken for auto.
				d, err := time.ParseDuration(v)
				c.VnstatStaleAfter = d
				return err == nil && in.check(d, "eq=0|min=1s")
			}},
		{"NETNS_PATH", "netns-path", "", "an existing network namespace file such as /proc/1/ns/net, or empty for the process's own namespace",
			"network namespace whose links are listed (bridge-network containers)",
			str(func(c *Config) *string { return &c.NetnsPath }, "omitempty,file")},
		{"QUOTA", "quota", "", "a size above 0: bytes, or a number with a unit: B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), in any case, such as 500GB or 1.5TiB, up to 1 PiB; empty for none",
			"the cycle's traffic allowance",
			size(func(c *Config) *uint64 { return &c.Quota }, true)},
		{"BILLING_MODE", "billing-mode", "sum", "sum (in + out), max (the larger direction), in or out",
			"how usage is counted against the quota",
			func(c *Config, v string, _ input) bool {
				c.BillingMode = v
				return slices.Contains(billing.Modes, v)
			}},
		{"USED_OFFSET", "used-offset", "", "a size as for QUOTA, 0 or more; needs USED_OFFSET_CYCLE",
			"traffic the provider counted before vnstat did, added to the usage of one cycle",
			size(func(c *Config) *uint64 { return &c.UsedOffset }, false)},
		{"USED_OFFSET_CYCLE", "used-offset-cycle", "", "the start date, YYYY-MM-DD, of the cycle USED_OFFSET belongs to: a reset day for START_DAY; set exactly when USED_OFFSET is",
			"the cycle USED_OFFSET counts in; it expires at the next reset",
			func(c *Config, v string, in input) bool {
				if v == "" && in.raw("USED_OFFSET") == "" {
					return true
				}
				d, err := time.Parse(time.DateOnly, v)
				c.UsedOffsetCycle = d
				// A START_DAY that is refused itself is reported, not this.
				validDay := c.StartDay >= 1 && c.StartDay <= 31
				return err == nil && in.raw("USED_OFFSET") != "" && (!validDay || isResetDay(d, c.StartDay))
			}},
		{"METRICS_PATH", "metrics-path", "", "empty (no metrics), or a path with the rules of WEBHOOK_PATH other than WEBHOOK_PATH itself, WEBHOOK_PATH/health, /calibrate, /dashboard and /history, such as /metrics or WEBHOOK_PATH/metrics",
			"path of the Prometheus metrics",
			str(func(c *Config) *string { return &c.MetricsPath }, "omitempty,webhookpath")},
		{"LOG_LEVEL", "log-level", "info", "debug, info, warn or error", "lowest level logged",
			func(c *Config, v string, _ input) bool {
				l, err := parseLevel(v)
				c.LogLevel = l
				return err == nil
			}},
		{"LOG_FORMAT", "log-format", "text", "text or json", "log format",
			str(func(c *Config) *string { return &c.LogFormat }, "oneof=text json")},
		{"STATE_DIR", "state-dir", "/var/lib/vnstat-exporter", "an absolute path; it must be writable when notifications, ALERT_COMMAND or ROOT_ACTIONS are set",
			"directory of the alerts' state and the calibration",
			func(c *Config, v string, _ input) bool {
				c.StateDir = v
				return strings.HasPrefix(v, "/")
			}},
		{"NOTIFY_URLS", "notify-urls", "", "notification URLs in shoutrrr's syntax (telegram://, ntfy://, generic+https://, ...), separated by spaces or newlines; empty for none",
			"where alerts are sent",
			func(c *Config, v string, _ input) bool {
				c.NotifyURLs = nil
				if fields := strings.Fields(v); len(fields) > 0 {
					c.NotifyURLs = fields
				}
				return !slices.ContainsFunc(c.NotifyURLs, func(u string) bool { return !IsURL(u) })
			}},
		{"NOTIFY_URLS_FILE", "notify-urls-file", "", "an existing file with one URL per line (# starts a comment), such as a Docker secret or systemd credential; not with NOTIFY_URLS",
			"file the notification URLs are read from",
			func(c *Config, v string, in input) bool {
				c.NotifyURLsFile = v
				return v == "" || (in.raw("NOTIFY_URLS") == "" && in.check(v, "file"))
			}},
		{"NOTIFY_LANG", "notify-lang", "en", strings.Join(Langs, " or "), "language of the messages",
			func(c *Config, v string, _ input) bool {
				c.NotifyLang = v
				return slices.Contains(Langs, v)
			}},
		{"ALERT_AT", "alert-at", "80,90,100", "comma-separated whole percentages of QUOTA from 1 to 1000, ascending, each once; empty for none",
			"usage thresholds that send an alert, once each per cycle",
			func(c *Config, v string, _ input) bool {
				c.AlertAt = nil
				if strings.TrimSpace(v) == "" {
					return true
				}
				for _, f := range strings.Split(v, ",") {
					n, err := strconv.Atoi(strings.TrimSpace(f))
					if err != nil || n < 1 || n > 1000 || (len(c.AlertAt) > 0 && n <= c.AlertAt[len(c.AlertAt)-1]) {
						return false
					}
					c.AlertAt = append(c.AlertAt, n)
				}
				return true
			}},
		{"REPORT_AT", "report-at", "", "a local time HH:MM (00:00 to 23:59), or empty for no daily report",
			"time of the daily report",
			func(c *Config, v string, _ input) bool {
				c.ReportAt = -1
				if v == "" {
					return true
				}
				t, err := time.Parse("15:04", v)
				c.ReportAt = t.Hour()*60 + t.Minute()
				return err == nil && len(v) == 5
			}},
		{"PROBLEM_GRACE", "problem-grace", "10m", "a Go duration from 0s to 24h",
			"how long a counting problem lasts before it is reported",
			func(c *Config, v string, in input) bool {
				d, err := time.ParseDuration(v)
				c.ProblemGrace = d
				return err == nil && in.check(d, "min=0s,max=24h")
			}},
		{"SUMMARY_AFTER", "summary-after", "10m", "a Go duration from 0s to 24h",
			"how long the clock must stay in a new cycle before the one that ended is summed up (new_cycle): a clock set ahead for a moment ends no cycle",
			func(c *Config, v string, in input) bool {
				d, err := time.ParseDuration(v)
				c.SummaryAfter = d
				return err == nil && in.check(d, "min=0s,max=24h")
			}},
		{"ALERT_COMMAND", "alert-command", "", "an absolute path to an executable file, or empty for none",
			"program run on each event, with the event in VNSTAT_EXPORTER_* variables",
			func(c *Config, v string, in input) bool {
				c.AlertCommand = v
				return v == "" || (strings.HasPrefix(v, "/") && in.check(v, "file"))
			}},
		{"ALERT_COMMAND_TIMEOUT", "alert-command-timeout", "60s", "a Go duration from 1s to 1h",
			"time ALERT_COMMAND may run before it is killed",
			func(c *Config, v string, in input) bool {
				d, err := time.ParseDuration(v)
				c.AlertCommandTimeout = d
				return err == nil && in.check(d, "min=1s,max=1h")
			}},
		{"ROOT_ACTIONS", "root-actions", "false", "true or false",
			"write each event into STATE_DIR/actions for the root path unit vnstat-exporter-actions.path",
			func(c *Config, v string, _ input) bool {
				b, err := strconv.ParseBool(v)
				c.RootActions = b
				return err == nil
			}},
	}
}

// Langs are the languages of the messages (package alert has a phrase
// table for each; a test there holds the two together).
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

// Load reads the settings through getenv (os.Getenv, or a lookup that puts
// flags first) and validates them. The error, if any, is an *Error for the
// first refused variable in the order of Vars.
func Load(getenv func(string) string) (Config, error) {
	vars := Vars()
	raw := make(map[string]string, len(vars))
	for _, v := range vars {
		if raw[v.Name] = getenv(v.Name); raw[v.Name] == "" {
			raw[v.Name] = v.Default
		}
	}
	val := newValidator()
	in := input{
		check: func(value any, tag string) bool { return val.Var(value, tag) == nil },
		raw:   func(name string) string { return raw[name] },
	}
	var c Config
	for _, v := range vars {
		if !v.set(&c, raw[v.Name], in) {
			return Config{}, Disallow(v.Name, raw[v.Name], v.Allowed)
		}
	}
	gone := removed()
	for _, name := range slices.Sorted(maps.Keys(gone)) {
		if getenv(name) != "" {
			c.Warnings = append(c.Warnings, Warning{"obsolete setting", name + " is set but no longer used: " + gone[name] + "; remove it"})
		}
	}
	if c.DefaultWebhook() {
		c.Warnings = append(c.Warnings, Warning{Msg: "WEBHOOK_PATH is the default published in the original README, so anyone can guess it; set a secret one"})
	}
	if c.Alerts() && c.Quota == 0 && len(c.AlertAt) > 0 {
		c.Warnings = append(c.Warnings, Warning{Msg: "ALERT_AT needs QUOTA: no threshold or projection alerts; cycle summaries, problems and reports are sent"})
	}
	return c, nil
}

// Warning is a warning about the settings, logged at the start.
type Warning struct {
	// Msg is the log message; Problem, when set, the detail.
	Msg, Problem string
}

// newValidator returns a validator that knows the checks specific to this
// program.
func newValidator() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	// Registration fails only for an empty tag or a nil function.
	_ = v.RegisterValidation("webhookpath", func(fl validator.FieldLevel) bool {
		return validWebhookPath(fl.Field().String())
	})
	return v
}

// validWebhookPath reports whether p can be matched exactly against the
// path of a request: only characters that need no percent-encoding, and no
// segments a client or proxy would rewrite. Whether it clashes with a
// route of the server is the server's to say (api.CheckPaths).
func validWebhookPath(p string) bool {
	if !strings.HasPrefix(p, "/") || p == "/" {
		return false
	}
	for _, r := range p {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case strings.ContainsRune("-._~!$&'()*+,;=:@/", r):
		default:
			return false
		}
	}
	for _, seg := range strings.Split(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// validIfname reports whether name can be a Linux interface name: 1 to
// 15 bytes, not "." or "..", without whitespace, '/' or ':' (the kernel's
// dev_valid_name).
func validIfname(name string) bool {
	if name == "" || len(name) > 15 || name == "." || name == ".." {
		return false
	}
	for _, r := range name {
		if unicode.IsSpace(r) || r == '/' || r == ':' || !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func parseLevel(s string) (slog.Level, error) {
	switch s {
	case "debug":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("unknown level %q", s)
}

func staleString(d time.Duration) string {
	if d == AutoStaleAfter {
		return "auto"
	}
	return d.String()
}

// sizeUnits are the units a size may carry, lower-cased: the README's
// list, in any case.
var sizeUnits = map[string]bool{"b": true, "kb": true, "mb": true, "gb": true, "tb": true, "kib": true, "mib": true, "gib": true, "tib": true}

// ParseSize parses a byte size: plain bytes exactly, or a number with one
// of the units B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB
// (powers of 1024), in any case, through go-humanize. Other units that
// go-humanize knows (K, G, PB, EB, ...) are refused: the README does not
// list them. Empty is 0. A size above MaxSize is refused: sums and
// offsets of sizes stay far from the 64-bit limits.
func ParseSize(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	tooLarge := fmt.Errorf("larger than %d bytes (1 PiB)", uint64(MaxSize))
	n, err := strconv.ParseUint(s, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		return 0, tooLarge
	}
	if err != nil {
		unit := strings.TrimLeft(s, "0123456789. ")
		if !sizeUnits[strings.ToLower(unit)] {
			return 0, fmt.Errorf("unknown unit %q", unit)
		}
		// Parsed without a 64-bit bound, so that too large is told by
		// value, not by the wording of go-humanize's error.
		big, err := humanize.ParseBigBytes(s)
		if err != nil {
			return 0, err
		}
		if !big.IsUint64() {
			return 0, tooLarge
		}
		n = big.Uint64()
	}
	if n > MaxSize {
		return 0, tooLarge
	}
	return n, nil
}

// MaxSize is the largest size a setting or a calibration may give: 1 PiB,
// a thousand times the largest monthly allowance sold.
const MaxSize = 1 << 50

// isResetDay reports whether the civil date d is the day a cycle that
// resets on startDay begins: startDay, or the last day of a month without it.
func isResetDay(d time.Time, startDay int) bool {
	last := time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return d.Day() == min(startDay, last)
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

// Alerts reports whether alerts go anywhere: to a notification service,
// ALERT_COMMAND or the root actions' spool.
func (c Config) Alerts() bool {
	return len(c.NotifyURLs) > 0 || c.NotifyURLsFile != "" || c.AlertCommand != "" || c.RootActions
}

// clock formats minutes after midnight as HH:MM; negative is "".
func clock(mins int) string {
	if mins < 0 {
		return ""
	}
	return fmt.Sprintf("%02d:%02d", mins/60, mins%60)
}
