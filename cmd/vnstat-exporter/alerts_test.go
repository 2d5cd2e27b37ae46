package main

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
)

// linesOf reads a file's lines; none if it does not exist.
func linesOf(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

// TestAlertsEndToEnd runs the built daemon on a real vnstat database at
// 95 % of its quota with a generic webhook and an ntfy receiver and an
// ALERT_COMMAND: 90 % is told once to each; restarts tell nothing again;
// 100 % is told once, and its command, killed with the daemon while it
// runs (a shutdown), is not run again after the restart; a calibration
// through `vnstat-exporter calibrate` is served and survives a restart.
func TestAlertsEndToEnd(t *testing.T) {
	testrig.Long(t)
	testrig.Vnstat(t)
	bin := buildBinary(t)
	_, today := localToday()
	lo, dbdir := oneIfaceDB(t, "lo", 13, true)
	// The cycle begins today, so that no projected overrun is told on any
	// day (it waits for a fifth of the cycle).
	startDay := today.Day()
	start := cycleStart(today, startDay)
	rx, tx := lo.Sum(start, today)
	used := rx + tx
	if used == 0 {
		t.Fatal("fixture has no traffic in the cycle")
	}
	hook, ntfy := testrig.NewReceiver(t, false), testrig.NewReceiver(t, true)
	work := t.TempDir()
	state := filepath.Join(work, "state")
	runs := filepath.Join(work, "runs")
	script := filepath.Join(work, "alert.sh")
	// The command records its event, and for 100 % stays running, as a
	// delayed shutdown would, until the test kills it.
	if err := os.WriteFile(script, []byte(`#!/bin/sh
echo "$VNSTAT_EXPORTER_KEY" >> `+runs+`
case "$VNSTAT_EXPORTER_THRESHOLD" in 100) echo $$ > `+runs+`.pid; sleep 60;; esac
`), 0o755); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	cycle := start.Format(time.DateOnly)
	env := func(quota uint64) []string {
		return []string{"VNSTAT_DBDIR=" + dbdir, "INTERFACES=lo", "POLL_INTERVAL=1s", "LIVE=false", "STATE_DIR=" + state,
			"START_DAY=" + strconv.Itoa(startDay), "QUOTA=" + strconv.FormatUint(quota, 10), "NOTIFY_URLS=" + hook.URL() + " " + ntfy.URL(), "ALERT_COMMAND=" + script}
	}
	// 95 % of the quota: over 80 and 90.
	quota := used * 100 / 95
	d := startDaemon(t, bin, env(quota)...)
	testrig.WaitMessages(t, 1, hook, ntfy)
	for _, b := range []*testrig.Receiver{hook, ntfy} {
		msg := b.Messages()[0]
		if !strings.HasPrefix(msg, host+": traffic has reached 90% of the quota\nUsed ") || !strings.Contains(msg, "resets on "+nextReset(today, startDay).Format(time.DateOnly)) {
			t.Errorf("message %q", msg)
		}
	}
	d.waitFor(t, detailsPath, http.StatusOK, `"alerts":{"pending":0}`)
	if got := linesOf(t, runs); strings.Join(got, " ") != "threshold-90@"+cycle {
		t.Errorf("ALERT_COMMAND ran for %q", got)
	}
	if code := d.stop(t); code != 0 {
		t.Fatalf("exit %d", code)
	}

	// A restart tells nothing again: wait for two of the engine's rounds
	// after the numbers are there.
	d = startDaemon(t, bin, env(quota)...)
	d.waitFor(t, e2eSecret, http.StatusOK)
	d.waitLogged(t, "alerts judged", strings.Count(d.logs.String(), "alerts judged")+2)
	if n, m := len(hook.Messages()), len(ntfy.Messages()); n != 1 || m != 1 {
		t.Errorf("after a restart: %d and %d messages, want 1 each", n, m)
	}
	d.stop(t)

	// At exactly 100 %: told once; the command is killed with the daemon.
	d = startDaemon(t, bin, env(used)...)
	testrig.WaitMessages(t, 2, hook, ntfy)
	if msg := hook.Messages()[1]; !strings.HasPrefix(msg, host+": traffic has reached 100% of the quota") {
		t.Errorf("message %q", msg)
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(linesOf(t, runs+".pid")) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if pid := linesOf(t, runs+".pid"); len(pid) == 1 {
		n, _ := strconv.Atoi(pid[0])
		t.Cleanup(func() { _ = syscall.Kill(n, syscall.SIGKILL) })
	}
	_ = d.cmd.Process.Kill()
	d = startDaemon(t, bin, env(used)...)
	d.waitFor(t, e2eSecret, http.StatusOK)
	d.waitLogged(t, "alerts judged", strings.Count(d.logs.String(), "alerts judged")+2)
	if got := linesOf(t, runs); strings.Join(got, " ") != "threshold-90@"+cycle+" threshold-100@"+cycle {
		t.Errorf("ALERT_COMMAND runs %q: the 100%% command must run once", got)
	}
	if n := len(hook.Messages()); n != 2 {
		t.Errorf("webhook got %d messages, want 2: %q", n, hook.Messages())
	}

	// Calibration: the provider's panel shows used + 1 GB.
	port := strings.TrimPrefix(d.url, "http://127.0.0.1:")
	cal := exec.Command(bin, "calibrate", strconv.FormatUint(used+1e9, 10))
	cal.Env = append(os.Environ(), "PORT="+port, "LISTEN_HOST=127.0.0.1", "WEBHOOK_PATH="+e2eSecret)
	out, err := cal.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "200 ") || !strings.Contains(string(out), `"offset_bytes":1000000000`) {
		t.Fatalf("calibrate: %v\n%s", err, out)
	}
	wantUsed := `"used_bytes":` + strconv.FormatUint(used+1e9, 10)
	d.waitFor(t, e2eSecret, http.StatusOK, wantUsed, `"offset_bytes":1000000000`, `"source":"command"`)
	d.stop(t)
	d = startDaemon(t, bin, env(used)...)
	d.waitFor(t, e2eSecret, http.StatusOK, wantUsed, `"calibration":{"provider_bytes":`)
}

// TestNotifyTest sends the test message: per service sent or why not, the
// exit code 0 only if all were sent, and no URL in the output.
func TestNotifyTest(t *testing.T) {
	bin := buildBinary(t)
	hook, ntfy := testrig.NewReceiver(t, false), testrig.NewReceiver(t, true)
	closed := "generic+http://127.0.0.1:" + strconv.Itoa(freePort(t)) + "/s3cret-hook"
	tests := []struct {
		name  string
		env   []string
		code  int
		lines []string
	}{
		{"all sent", []string{"NOTIFY_URLS=" + hook.URL() + "\n" + ntfy.URL(), "NOTIFY_LANG=zh-CN"}, 0, []string{"generic #1: sent", "ntfy #2: sent"}},
		{"one fails", []string{"NOTIFY_URLS=" + ntfy.URL() + " " + closed}, 1, []string{"ntfy #1: sent", "failed: generic #2: "}},
		{"none", nil, 2, []string{"vnstat-exporter: no notification URLs: set NOTIFY_URLS or NOTIFY_URLS_FILE"}},
		{"unknown service", []string{"NOTIFY_URLS=pigeon://t0ken@coop"}, 2, []string{"vnstat-exporter: invalid NOTIFY_URLS (value hidden: URL 1 (pigeon): "}},
		{"tokens of every kind", []string{"NOTIFY_URLS=" + strings.Join([]string{
			"ntfy://u:S3CR3Tpw@" + closedAddr(t) + "/S3CR3Ttopic?scheme=http",
			"gotify://" + closedAddr(t) + "/AS3CR3Tgotify01?disabletls=yes",
			"bark://:S3CR3Tkey@" + closedAddr(t) + "/?scheme=http",
			"matrix://u:S3CR3Tpw@" + closedAddr(t) + "?disableTLS=yes",
			"smtp://u:S3CR3Tpw@" + closedAddr(t) + "/?fromaddress=a@example.com&toaddresses=b@example.com&encryption=None&auth=None",
			"generic+http://S3CR3Tuser:S3CR3Tpw@" + closedAddr(t) + "/hook/S3CR3Tpath?token=S3CR3Tq#S3CR3Tf",
		}, " ")}, 1, []string{"failed: ntfy #1: ", "failed: gotify #2: ", "failed: bark #3: ", "failed: matrix #4: ", "failed: smtp #5: ", "failed: generic #6: "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, "notify-test")
			cmd.Env = append(os.Environ(), tt.env...)
			out, _ := cmd.CombinedOutput()
			if code := cmd.ProcessState.ExitCode(); code != tt.code {
				t.Errorf("exit %d, want %d: %s", code, tt.code, out)
			}
			got := strings.Split(strings.TrimSpace(string(out)), "\n")
			if len(got) != len(tt.lines) {
				t.Fatalf("output %q, want lines like %q", got, tt.lines)
			}
			for i, want := range tt.lines {
				if !strings.HasPrefix(got[i], want) {
					t.Errorf("line %q, want %q...", got[i], want)
				}
			}
			for _, secret := range []string{"s3cret-hook", "t0ken", "S3CR3T", hook.Addr()} {
				if strings.Contains(string(out), secret) {
					t.Errorf("output shows %q: %s", secret, out)
				}
			}
		})
	}
	host, _ := os.Hostname()
	if got := hook.Messages(); len(got) != 1 || got[0] != host+"：vnstat-exporter 测试消息，通知工作正常" {
		t.Errorf("webhook got %q", got)
	}
	if n := len(ntfy.Messages()); n != 2 {
		t.Errorf("ntfy got %d messages, want 2", n)
	}
}

// TestStateDirNotWritable: notifications without a usable state directory
// would repeat alerts at every restart, so the daemon does not start.
func TestStateDirNotWritable(t *testing.T) {
	bin := buildBinary(t)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "NOTIFY_URLS=ntfy://127.0.0.1:1/topic?scheme=http", "STATE_DIR="+file+"/state", "PORT="+strconv.Itoa(freePort(t)))
	out, _ := cmd.CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if cmd.ProcessState.ExitCode() != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], `vnstat-exporter: invalid STATE_DIR "`+file+`/state" (`) ||
		!strings.Contains(lines[0], "allowed: an absolute path") {
		t.Errorf("exit %d: %s", cmd.ProcessState.ExitCode(), out)
	}
}

// TestCalibrateWithoutDaemon says what is wrong, without the secret path.
func TestCalibrateWithoutDaemon(t *testing.T) {
	bin := buildBinary(t)
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"calibrate", "412GB"}, 1, "calibrate: is the daemon running?"},
		{[]string{"calibrate", "412G"}, 2, `vnstat-exporter: invalid usage "412G" (unknown unit "G"): allowed: a size as for QUOTA`},
		{[]string{"calibrate", ""}, 2, `vnstat-exporter: invalid usage "" (empty): allowed`},
		{[]string{"calibrate", "9300000000000000000"}, 2, `vnstat-exporter: invalid usage "9300000000000000000" (larger than 1125899906842624 bytes (1 PiB))`},
		{[]string{"calibrate"}, 2, "vnstat-exporter: calibrate needs the usage the provider shows"},
	} {
		cmd := exec.Command(bin, tt.args...)
		cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(freePort(t)), "WEBHOOK_PATH="+e2eSecret)
		out, _ := cmd.CombinedOutput()
		if cmd.ProcessState.ExitCode() != tt.code || !strings.HasPrefix(string(out), tt.want) || strings.Contains(string(out), url.PathEscape(e2eSecret)) ||
			strings.Contains(string(out), e2eSecret) {
			t.Errorf("%v: exit %d: %s", tt.args, cmd.ProcessState.ExitCode(), out)
		}
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	return "127.0.0.1:" + strconv.Itoa(freePort(t))
}

// TestEnvFile runs the binary with -env-file as a user would outside
// systemd, with the shapes of values systemd's EnvironmentFile= allows and
// `env $(grep ...)` broke on: two URLs separated by a space, quoted and
// not, and a quoted value.
func TestEnvFile(t *testing.T) {
	bin := buildBinary(t)
	hook, ntfy := testrig.NewReceiver(t, false), testrig.NewReceiver(t, true)
	for i, urls := range []string{`"` + hook.URL() + " " + ntfy.URL() + `"`, hook.URL() + " " + ntfy.URL()} {
		env := filepath.Join(t.TempDir(), "vnstat-exporter.env")
		file := "# settings\n#NOTIFY_URLS=\nNOTIFY_URLS=" + urls + "\nNOTIFY_LANG='en'\n"
		if err := os.WriteFile(env, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "notify-test", "-env-file", env)
		cmd.Env = append(os.Environ(), "NOTIFY_URLS=pigeon://not-this", "NOTIFY_LANG=zh-CN")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "generic #1: sent") || !strings.Contains(string(out), "ntfy #2: sent") {
			t.Errorf("notify-test -env-file with NOTIFY_URLS=%s: %v: %s", urls, err, out)
		}
		if n := len(hook.Messages()); n != i+1 {
			t.Errorf("the webhook got %d messages, want %d", n, i+1)
		}
	}

	env := filepath.Join(t.TempDir(), "vnstat-exporter.env")
	secret := "/webhook/0123456789abcdef0123456789abcdef"
	if err := os.WriteFile(env, []byte("WEBHOOK_PATH="+secret+"\n PORT = 9123 \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"url", "-env-file", env}, "http://127.0.0.1:9123" + secret + "\n"},
		{[]string{"url", "-env-file", env, "-port", "9124"}, "http://127.0.0.1:9124" + secret + "\n"},
	} {
		cmd := exec.Command(bin, tt.args...)
		cmd.Env = append(os.Environ(), "PORT=1", "WEBHOOK_PATH=/webhook/not-this-one")
		out, err := cmd.Output()
		if err != nil || string(out) != tt.want {
			t.Errorf("%v: %v: %q, want %q", tt.args, err, out, tt.want)
		}
	}

	bad := filepath.Join(t.TempDir(), "bad.env")
	if err := os.WriteFile(bad, []byte("START_DAY=17\nexport QUOTA=1TB\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{bad, filepath.Join(t.TempDir(), "missing.env")} {
		cmd := exec.Command(bin, "url", "-env-file", file)
		out, _ := cmd.CombinedOutput()
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if code := cmd.ProcessState.ExitCode(); code != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], "vnstat-exporter: -env-file "+file+": ") {
			t.Errorf("bad -env-file %s: exit %d, output %q; want exit 2 and one line naming the file", file, code, out)
		}
	}
}
