package config

import (
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	got, err := Load(env(nil))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Config{
		HTTP:     HTTP{WebhookPath: DefaultWebhookPath, Port: 50000, MaxConnections: 1024},
		Vnstat:   Vnstat{PollInterval: 5 * time.Minute, Live: true, StaleAfter: AutoStaleAfter},
		Billing:  Billing{StartDay: 1, Mode: "sum"},
		Alerts:   Alerts{Lang: "en", At: []int{80, 90, 100}, ReportAt: -1, ProblemGrace: 10 * time.Minute, SummaryAfter: 10 * time.Minute, CommandTimeout: time.Minute},
		Log:      Log{Level: slog.LevelInfo, Format: "text"},
		StateDir: "/var/lib/vnstat-exporter",
		Warnings: []Warning{{Msg: "WEBHOOK_PATH is the default published in the original README, so anyone can guess it; set a secret one"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if !got.HTTP.DefaultWebhook() {
		t.Error("DefaultWebhook() = false for the default path")
	}
	if got.HTTP.Addr() != ":50000" {
		t.Errorf("Addr() = %q, want :50000", got.HTTP.Addr())
	}
}

func TestLoadValid(t *testing.T) {
	dir := t.TempDir()
	if err := writeFile(dir + "/vnstat.conf"); err != nil {
		t.Fatal(err)
	}
	got, err := Load(env(map[string]string{
		"WEBHOOK_PATH":       "/hook/a-B_c.d~e!$&'()*+,;=:@",
		"START_DAY":          "31",
		"PORT":               "8080",
		"LISTEN_HOST":        "::1",
		"MAX_CONNECTIONS":    "64",
		"POLL_INTERVAL":      "1s",
		"INTERFACES":         " eth0, wlo1 ,enx00e04c680001",
		"VNSTAT_BIN":         "/usr/local/bin/vnstat",
		"VNSTAT_DBDIR":       dir,
		"VNSTAT_TIMEOUT":     "2m",
		"LOG_LEVEL":          "debug",
		"LOG_FORMAT":         "json",
		"QUOTA":              "500GB",
		"LIVE":               "false",
		"VNSTAT_STALE_AFTER": "20m",
		"VNSTAT_CONFIG":      dir + "/vnstat.conf",
		"BILLING_MODE":       "max",
		"USED_OFFSET":        "110GB",
		// START_DAY 31: November's reset day is the 30th.
		"USED_OFFSET_CYCLE":     "2026-11-30",
		"METRICS_PATH":          "/hook/a-B_c.d~e!$&'()*+,;=:@/metrics",
		"STATE_DIR":             dir + "/state",
		"NOTIFY_URLS":           "telegram://123:abc@telegram?chats=42\n  ntfy://ntfy.sh/topic?tags=a,b",
		"NOTIFY_LANG":           "zh-CN",
		"ALERT_AT":              "50, 100,150",
		"REPORT_AT":             "08:05",
		"REPORT_WEEKLY":         "Sunday",
		"REPORT_BEFORE_RESET":   "27",
		"PROBLEM_GRACE":         "0s",
		"SUMMARY_AFTER":         "90s",
		"ALERT_COMMAND":         dir + "/vnstat.conf",
		"ALERT_COMMAND_TIMEOUT": "1h",
		"ROOT_ACTIONS":          "true",
		"TELEGRAM_BOT":          "true",
		"TELEGRAM_ALLOW":        "42, -1001234567890",
	}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := Config{
		HTTP: HTTP{WebhookPath: "/hook/a-B_c.d~e!$&'()*+,;=:@", Port: 8080, ListenHost: "::1", MaxConnections: 64,
			MetricsPath: "/hook/a-B_c.d~e!$&'()*+,;=:@/metrics"},
		Vnstat: Vnstat{PollInterval: time.Second, Interfaces: []string{"eth0", "wlo1", "enx00e04c680001"}, DBDir: dir,
			ConfigFile: dir + "/vnstat.conf", StaleAfter: 20 * time.Minute},
		Billing: Billing{StartDay: 31, Quota: 500e9, Mode: "max", UsedOffset: 110e9,
			UsedOffsetCycle: time.Date(2026, time.November, 30, 0, 0, 0, 0, time.UTC)},
		Alerts: Alerts{NotifyURLs: []string{"telegram://123:abc@telegram?chats=42", "ntfy://ntfy.sh/topic?tags=a,b"}, Lang: "zh-CN",
			At: []int{50, 100, 150}, ReportAt: 8*60 + 5, ReportWeekly: 7, ReportBeforeReset: 27, SummaryAfter: 90 * time.Second,
			Command: dir + "/vnstat.conf", CommandTimeout: time.Hour, RootActions: true, TelegramBot: true, TelegramAllow: []int64{42, -1001234567890}},
		Log:      Log{Level: slog.LevelDebug, Format: "json"},
		StateDir: dir + "/state",
		// An old env file's settings: warned about, not refused.
		Warnings: []Warning{
			{"obsolete setting", "VNSTAT_BIN is set but no longer used: vnstat-exporter reads vnstat's database directly and no longer runs the vnstat command; remove it"},
			{"obsolete setting", "VNSTAT_TIMEOUT is set but no longer used: vnstat-exporter reads vnstat's database directly and no longer runs the vnstat command; remove it"},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("config (-want +got):\n%s", diff)
	}
	if got.HTTP.Addr() != "[::1]:8080" {
		t.Errorf("Addr() = %q, want [::1]:8080", got.HTTP.Addr())
	}
	if got.HTTP.DefaultWebhook() {
		t.Error("DefaultWebhook() = true for a custom path")
	}
}

func TestLoadRefuses(t *testing.T) {
	notDir := t.TempDir() + "/file"
	tests := []struct {
		name, key, value string
	}{
		{"webhook without slash", "WEBHOOK_PATH", "webhook/x"},
		{"webhook root", "WEBHOOK_PATH", "/"},
		{"webhook space", "WEBHOOK_PATH", "/web hook"},
		{"webhook tab", "WEBHOOK_PATH", "/web\thook"},
		{"webhook query", "WEBHOOK_PATH", "/webhook?x=1"},
		{"webhook fragment", "WEBHOOK_PATH", "/webhook#x"},
		{"webhook percent", "WEBHOOK_PATH", "/web%20hook"},
		{"webhook dot-dot", "WEBHOOK_PATH", "/a/../b"},
		{"webhook dot", "WEBHOOK_PATH", "/a/./b"},
		{"webhook double slash", "WEBHOOK_PATH", "/a//b"},
		{"webhook trailing slash", "WEBHOOK_PATH", "/webhook/secret/"},
		{"poll interval so long that twice it overflows", "POLL_INTERVAL", "2562047h"},
		{"poll interval over a day", "POLL_INTERVAL", "25h"},
		{"interfaces dot", "INTERFACES", "."},
		{"interfaces dot-dot", "INTERFACES", "eth0,.."},
		{"interfaces alias colon", "INTERFACES", "eth0:1"},
		{"interfaces 16 bytes", "INTERFACES", "enx00e04c680001a"},
		{"stale after the auto sentinel", "VNSTAT_STALE_AFTER", "-1ns"},
		{"quota unit G", "QUOTA", "500G"},
		{"quota unit PB", "QUOTA", "1PB"},
		{"quota unit word", "QUOTA", "5 gigabytes"},
		{"webhook unicode", "WEBHOOK_PATH", "/wébhook"},
		{"start day zero", "START_DAY", "0"},
		{"start day 32", "START_DAY", "32"},
		{"start day negative", "START_DAY", "-1"},
		{"start day word", "START_DAY", "first"},
		{"start day float", "START_DAY", "1.5"},
		{"port zero", "PORT", "0"},
		{"port too big", "PORT", "65536"},
		{"port word", "PORT", "http"},
		{"max connections zero", "MAX_CONNECTIONS", "0"},
		{"max connections too many", "MAX_CONNECTIONS", "65537"},
		{"max connections word", "MAX_CONNECTIONS", "lots"},
		{"listen host name", "LISTEN_HOST", "localhost"},
		{"listen host cidr", "LISTEN_HOST", "10.0.0.0/8"},
		{"poll interval short", "POLL_INTERVAL", "999ms"},
		{"poll interval negative", "POLL_INTERVAL", "-5m"},
		{"poll interval no unit", "POLL_INTERVAL", "300"},
		{"interfaces empty name", "INTERFACES", "eth0,,wlo1"},
		{"interfaces too long", "INTERFACES", "abcdefghijklmnop"},
		{"interfaces slash", "INTERFACES", "eth0/1"},
		{"interfaces space", "INTERFACES", "eth 0"},
		{"interfaces twice", "INTERFACES", "eth0,eth0"},
		{"dbdir missing", "VNSTAT_DBDIR", "/nonexistent/vnstat"},
		{"dbdir is a file", "VNSTAT_DBDIR", notDir},
		{"netns path missing", "NETNS_PATH", "/nonexistent/ns/net"},
		{"netns path a directory", "NETNS_PATH", "/proc/1/ns"},
		{"log level", "LOG_LEVEL", "verbose"},
		{"log level case", "LOG_LEVEL", "INFO"},
		{"log format", "LOG_FORMAT", "yaml"},
		{"live", "LIVE", "maybe"},
		{"stale after short", "VNSTAT_STALE_AFTER", "500ms"},
		{"stale after negative", "VNSTAT_STALE_AFTER", "-5m"},
		{"stale after word", "VNSTAT_STALE_AFTER", "never"},
		{"vnstat config missing", "VNSTAT_CONFIG", "/nonexistent/vnstat.conf"},
		{"quota word", "QUOTA", "lots"},
		{"quota zero", "QUOTA", "0"},
		{"quota zero with unit", "QUOTA", "0GB"},
		{"quota negative", "QUOTA", "-5GB"},
		{"quota unknown unit", "QUOTA", "5XB"},
		{"quota too large", "QUOTA", "99999999TB"},
		{"quota exponent", "QUOTA", "1e12"},
		{"billing mode", "BILLING_MODE", "total"},
		{"billing mode case", "BILLING_MODE", "SUM"},
		{"offset word", "USED_OFFSET", "some"},
		{"metrics no slash", "METRICS_PATH", "metrics"},
		{"metrics query", "METRICS_PATH", "/metrics?x"},
		{"state dir relative", "STATE_DIR", "state"},
		{"notify URL without scheme", "NOTIFY_URLS", "ntfy.sh/topic"},
		{"notify URLs file missing", "NOTIFY_URLS_FILE", "/nonexistent/urls"},
		{"notify lang", "NOTIFY_LANG", "zh"},
		{"alert at zero", "ALERT_AT", "0,50"},
		{"alert at descending", "ALERT_AT", "90,80"},
		{"alert at twice", "ALERT_AT", "80,80"},
		{"alert at too high", "ALERT_AT", "1001"},
		{"alert at fraction", "ALERT_AT", "80.5"},
		{"alert at empty element", "ALERT_AT", "80,,90"},
		{"report at 24:00", "REPORT_AT", "24:00"},
		{"report at one digit", "REPORT_AT", "8:05"},
		{"report at seconds", "REPORT_AT", "08:05:00"},
		{"weekly two letters", "REPORT_WEEKLY", "mo"},
		{"weekly number", "REPORT_WEEKLY", "1"},
		{"weekly without REPORT_AT", "REPORT_WEEKLY", "mon"},
		{"before reset 28", "REPORT_BEFORE_RESET", "28"},
		{"before reset negative", "REPORT_BEFORE_RESET", "-1"},
		{"before reset without REPORT_AT", "REPORT_BEFORE_RESET", "3"},
		{"problem grace negative", "PROBLEM_GRACE", "-1m"},
		{"problem grace long", "PROBLEM_GRACE", "25h"},
		{"summary after negative", "SUMMARY_AFTER", "-1s"},
		{"summary after long", "SUMMARY_AFTER", "25h"},
		{"alert command relative", "ALERT_COMMAND", "alert.sh"},
		{"alert command missing", "ALERT_COMMAND", "/nonexistent/alert.sh"},
		{"alert command timeout zero", "ALERT_COMMAND_TIMEOUT", "0s"},
		{"alert command timeout long", "ALERT_COMMAND_TIMEOUT", "2h"},
		{"root actions", "ROOT_ACTIONS", "yes please"},
		{"telegram bot", "TELEGRAM_BOT", "on"},
		{"telegram allow name", "TELEGRAM_ALLOW", "@mychannel"},
		{"telegram allow twice", "TELEGRAM_ALLOW", "42,42"},
		{"telegram allow zero", "TELEGRAM_ALLOW", "0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.value == notDir {
				if err := writeFile(notDir); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Load(env(map[string]string{tt.key: tt.value}))
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("Load(%s=%q) error = %v, want *Error", tt.key, tt.value, err)
			}
			msg := err.Error()
			if cerr.Var != tt.key || !strings.Contains(msg, tt.key) {
				t.Errorf("error %q does not name %s", msg, tt.key)
			}
			if !strings.Contains(msg, "allowed: ") || cerr.Allowed == "" {
				t.Errorf("error %q does not say what is allowed", msg)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q is not one line", msg)
			}
			if hidden(tt.key) {
				if !strings.Contains(msg, "value hidden") || len(tt.value) > 8 && strings.Contains(msg, tt.value) {
					t.Errorf("error %q shows the secret value", msg)
				}
			} else if !strings.Contains(msg, `"`+tt.value+`"`) {
				t.Errorf("error %q does not show the value %q", msg, tt.value)
			}
		})
	}
}

// TestNotifyURLsOnce refuses URLs given both ways: which would win is not
// obvious.
func TestNotifyURLsOnce(t *testing.T) {
	file := t.TempDir() + "/urls"
	if err := writeFile(file); err != nil {
		t.Fatal(err)
	}
	_, err := Load(env(map[string]string{"NOTIFY_URLS": "ntfy://ntfy.sh/secret-topic", "NOTIFY_URLS_FILE": file}))
	var cerr *Error
	if !errors.As(err, &cerr) || cerr.Var != "NOTIFY_URLS_FILE" || !strings.Contains(cerr.Allowed, "not with NOTIFY_URLS") {
		t.Fatalf("Load = %v, want NOTIFY_URLS_FILE refused", err)
	}
	if strings.Contains(err.Error(), "secret-topic") {
		t.Errorf("error %q shows a URL", err)
	}
	c, err := Load(env(map[string]string{"NOTIFY_URLS_FILE": file}))
	if err != nil || c.Alerts.NotifyURLsFile != file || !c.Alerts.On() {
		t.Errorf("Load with the file alone = %+v, %v", c, err)
	}
}

func TestLocalURL(t *testing.T) {
	tests := []struct{ host, want string }{
		{"", "http://127.0.0.1:50000/health"},
		{"0.0.0.0", "http://127.0.0.1:50000/health"},
		{"::", "http://[::1]:50000/health"},
		{"192.0.2.7", "http://192.0.2.7:50000/health"},
		{"fe80::1", "http://[fe80::1]:50000/health"},
	}
	for _, tt := range tests {
		c, err := Load(env(map[string]string{"LISTEN_HOST": tt.host}))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.HTTP.LocalURL("/health"); got != tt.want {
			t.Errorf("LISTEN_HOST=%q: LocalURL = %q, want %q", tt.host, got, tt.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"", 0, true},
		{"0", 0, true},
		{"123456789012345", 123456789012345, true}, // exact, not through a float
		{"1125899906842624", 1 << 50, true},        // 1 PiB, the largest
		{"1125899906842625", 0, false},
		{"1024TiB", 1 << 50, true},
		{"1024.001TiB", 0, false},
		{"9300000000000000000", 0, false}, // wrapped to a negative offset before
		{"18446744073709551615", 0, false},
		{"500GB", 500e9, true},
		{"500 GB", 500e9, true},
		{"500gb", 500e9, true},
		{"1.5TB", 1.5e12, true},
		{"500GiB", 500 << 30, true},
		{"1TiB", 1 << 40, true},
		{"1.5TiB", 3 << 39, true},
		{"10MB", 10e6, true},
		{"10MiB", 10 << 20, true},
		{"5kB", 5000, true},
		{"5KiB", 5 << 10, true},
		{"18446744073709551616", 0, false},
		{"-1", 0, false},
		{"GB", 0, false},
		{"5 parsecs", 0, false},
		{"500B", 500, true},
		{"2 tib", 2 << 40, true},
		{"500G", 0, false}, // go-humanize would take it; the README does not list it
		{"1PB", 0, false},
		{"2EiB", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestLoadOffsetCycle(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		bad  string
	}{
		{"offset needs its cycle", map[string]string{"USED_OFFSET": "110GB"}, "USED_OFFSET_CYCLE"},
		{"cycle needs an offset", map[string]string{"USED_OFFSET_CYCLE": "2026-11-01"}, "USED_OFFSET_CYCLE"},
		{"not a date", map[string]string{"USED_OFFSET": "1GB", "USED_OFFSET_CYCLE": "2026-02-30"}, "USED_OFFSET_CYCLE"},
		{"not a reset day", map[string]string{"START_DAY": "22", "USED_OFFSET": "1GB", "USED_OFFSET_CYCLE": "2026-11-21"}, "USED_OFFSET_CYCLE"},
		{"reset day 22", map[string]string{"START_DAY": "22", "USED_OFFSET": "110GB", "USED_OFFSET_CYCLE": "2026-11-22"}, ""},
		{"31 in February is the 28th", map[string]string{"START_DAY": "31", "USED_OFFSET": "1", "USED_OFFSET_CYCLE": "2027-02-28"}, ""},
		{"31 in February is not the 27th", map[string]string{"START_DAY": "31", "USED_OFFSET": "1", "USED_OFFSET_CYCLE": "2027-02-27"}, "USED_OFFSET_CYCLE"},
		{"a bad START_DAY is named, not the cycle", map[string]string{"START_DAY": "0", "USED_OFFSET": "1", "USED_OFFSET_CYCLE": "2027-02-27"}, "START_DAY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(env(tt.env))
			var cerr *Error
			switch {
			case tt.bad == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.bad != "" && (!errors.As(err, &cerr) || cerr.Var != tt.bad):
				t.Errorf("error %v, want %s refused", err, tt.bad)
			}
		})
	}
}

func TestLoadReportsFirstVariable(t *testing.T) {
	_, err := Load(env(map[string]string{"PORT": "0", "START_DAY": "0", "LOG_FORMAT": "xml", "QUOTA": "lots"}))
	var cerr *Error
	if !errors.As(err, &cerr) || cerr.Var != "START_DAY" {
		t.Fatalf("error = %v, want START_DAY refused first", err)
	}
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want int
	}{
		{"default", nil, nil, 50000},
		{"env", nil, map[string]string{"PORT": "8080"}, 8080},
		{"flag", []string{"-port", "9090"}, nil, 9090},
		{"flag over env", []string{"-port=9090"}, map[string]string{"PORT": "8080"}, 9090},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			lookup := Flags(fs, env(tt.env))
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			c, err := Load(lookup)
			if err != nil {
				t.Fatal(err)
			}
			if c.HTTP.Port != tt.want {
				t.Errorf("Port = %d, want %d", c.HTTP.Port, tt.want)
			}
		})
	}
}

func TestFlagsListEverySetting(t *testing.T) {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	Flags(fs, env(nil))
	for _, v := range Vars() {
		f := fs.Lookup(v.Flag)
		if f == nil {
			t.Errorf("no flag for %s", v.Name)
			continue
		}
		if f.DefValue != v.Default || !strings.Contains(f.Usage, "$"+v.Name) {
			t.Errorf("flag -%s: default %q usage %q; want default %q and the variable named", v.Flag, f.DefValue, f.Usage, v.Default)
		}
	}
}

func TestLogValueHidesWebhookPath(t *testing.T) {
	c, err := Load(env(map[string]string{"WEBHOOK_PATH": "/very-secret-path"}))
	if err != nil {
		t.Fatal(err)
	}
	if s := c.LogValue().String(); strings.Contains(s, "very-secret-path") {
		t.Errorf("LogValue shows the webhook path: %s", s)
	}
}

func writeFile(path string) error {
	return os.WriteFile(path, []byte("x"), 0o644)
}

// TestEnvFileListsEveryVariable keeps the systemd env file example in step
// with the settings: every variable, with its default.
func TestEnvFileListsEveryVariable(t *testing.T) {
	b, err := os.ReadFile("../systemd/vnstat-exporter.env")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Vars() {
		if line := "#" + v.Name + "=" + v.Default + "\n"; !strings.Contains(string(b), line) {
			t.Errorf("systemd/vnstat-exporter.env lacks %q", strings.TrimSpace(line))
		}
	}
}

// TestREADMEConfigTables checks that the configuration tables of README.md
// and README.zh-CN.md list exactly the settings of Vars, each with its
// flag and its default (a value in backquotes, or a parenthesised phrase
// where the default is empty).
func TestREADMEConfigTables(t *testing.T) {
	for _, file := range []string{"../README.md", "../README.zh-CN.md"} {
		t.Run(file, func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			rows := map[string][]string{}
			for _, line := range strings.Split(string(b), "\n") {
				cells := strings.Split(line, " | ")
				if !strings.HasPrefix(line, "| `") || len(cells) < 4 || !strings.HasPrefix(cells[1], "`-") {
					continue
				}
				name := strings.Trim(strings.TrimPrefix(cells[0], "| "), "`")
				if _, dup := rows[name]; dup {
					t.Errorf("%s listed twice", name)
				}
				rows[name] = cells
			}
			var want, got []string
			for _, v := range Vars() {
				want = append(want, v.Name)
				cells, ok := rows[v.Name]
				if !ok {
					continue
				}
				if cells[1] != "`-"+v.Flag+"`" {
					t.Errorf("%s: flag %s, want `-%s`", v.Name, cells[1], v.Flag)
				}
				def := cells[2]
				switch {
				case v.Default == "" && !strings.HasPrefix(def, "(") && !strings.HasPrefix(def, "（"):
					t.Errorf("%s: default %q, want a parenthesised phrase (the default is empty)", v.Name, def)
				case v.Default != "" && !strings.Contains(def, "`"+v.Default+"`"):
					t.Errorf("%s: default %q, want `%s`", v.Name, def, v.Default)
				}
			}
			for name := range rows {
				got = append(got, name)
			}
			slices.Sort(want)
			slices.Sort(got)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("settings in the table (-Vars +%s):\n%s", file, diff)
			}
		})
	}
}

// TestVarsAndFields: every variable of Vars sets one field of Config, of
// the type its parser gives, and every field with an env tag has a Var.
func TestVarsAndFields(t *testing.T) {
	var c Config
	fields := fieldsOf(&c)
	for _, v := range Vars() {
		f, ok := fields[v.Name]
		if !ok {
			t.Errorf("%s: no field of Config has env:%q", v.Name, v.Name)
			continue
		}
		delete(fields, v.Name)
		value, err := v.Parse(v.Default)
		if err != nil {
			t.Errorf("%s: default %q refused: %v", v.Name, v.Default, err)
			continue
		}
		if got := reflect.TypeOf(value); got != f.Type() {
			t.Errorf("%s: parser gives %v, field is %v", v.Name, got, f.Type())
		}
		if want := strings.ReplaceAll(strings.ToLower(v.Name), "_", "-"); v.Flag != want {
			t.Errorf("%s: flag %q, want %q", v.Name, v.Flag, want)
		}
	}
	for name := range fields {
		t.Errorf("field env:%q has no Var", name)
	}
}
