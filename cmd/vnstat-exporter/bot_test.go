package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/bot"
	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// vmRSS is the resident memory of process pid in KiB.
func vmRSS(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// TestTelegramBotEndToEnd drives the daemon's binary against a Bot API
// stand-in: TLS with a certificate of its own (SSL_CERT_FILE), on
// 127.0.0.1:443, which api.telegram.org is in a private /etc/hosts (a
// mount namespace of the test's); nothing else resolves. Each command from
// the allowed chat is answered once, with the webhook's figures at that
// moment (/usage's, /cycles' this cycle) or vnstat's rows (/today, /week);
// a stranger's gets nothing (one log line); the daemon killed after it
// received a command and before its answer went answers it once after
// the restart, and a command sent while it was down too; 1,000 commands
// at once are answered within the rate (bot.Burst, and one every
// bot.Refill) and the daemon's memory does not grow with them; the token
// is in no log line and not in /health.
func TestTelegramBotEndToEnd(t *testing.T) {
	testrig.Long(t)
	testrig.Vnstat(t)
	if !privateMounts(t) {
		return
	}
	hosts := filepath.Join(t.TempDir(), "hosts")
	if err := os.WriteFile(hosts, []byte("127.0.0.1 localhost\n127.0.0.1 api.telegram.org\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "mount", "--bind", hosts, "/etc/hosts")
	api, certPEM := testrig.NewBotAPI(t, "127.0.0.1:443", "api.telegram.org")
	certFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	now, today := localToday()
	ifaces := []vnstattest.Iface{{Name: "eth0", Created: today.AddDate(0, 0, -70), Updated: now, Days: vnstattest.Series(today, 62, 9, true)}}
	env := []string{"VNSTAT_DBDIR=" + buildDB(t, ifaces), "INTERFACES=eth0", "LIVE=false", "START_DAY=1", "QUOTA=100TB",
		"STATE_DIR=" + t.TempDir(), "NOTIFY_URLS=telegram://" + testrig.BotToken + "@telegram?chats=42", "TELEGRAM_BOT=true",
		"SSL_CERT_FILE=" + certFile, "NOTIFY_LANG=en"}
	bin := buildBinary(t)
	d := startDaemon(t, bin, env...)
	d.waitFor(t, e2eSecret, http.StatusOK)
	api.WaitFor(t, "the command menu", func() bool { return len(api.Commands()) == len(bot.Commands) })

	api.Send(7, "/usage")
	for _, c := range bot.Commands {
		api.Send(42, "/"+c)
	}
	api.WaitFor(t, "an answer to each command", func() bool { return len(api.Sent()) >= len(bot.Commands) && api.Unconfirmed() == 0 })
	var hook struct {
		InBytes  uint64 `json:"in_bytes"`
		OutBytes uint64 `json:"out_bytes"`
		Quota    struct {
			LimitBytes     uint64      `json:"limit_bytes"`
			UsedBytes      uint64      `json:"used_bytes"`
			RemainingBytes uint64      `json:"remaining_bytes"`
			UsedPercent    json.Number `json:"used_percent"`
			ProjectedBytes uint64      `json:"projected_bytes"`
			ResetsOn       string      `json:"resets_on"`
		} `json:"quota"`
	}
	_, body := d.get(t, e2eSecret)
	if err := json.Unmarshal(body, &hook); err != nil {
		t.Fatal(err)
	}
	size := traffic.SizeFor(hook.Quota.LimitBytes)
	sent := api.Sent()
	if len(sent) != len(bot.Commands) {
		t.Fatalf("%d answers to %d commands (and a stranger's)", len(sent), len(bot.Commands))
	}
	for i, m := range sent {
		if m.Chat != 42 {
			t.Errorf("an answer to chat %d", m.Chat)
		}
		t.Logf("/%s\n%s", bot.Commands[i], m.Text)
	}
	usage := sent[0].Text
	for _, want := range []string{
		"Used " + size(hook.Quota.UsedBytes) + " of " + size(hook.Quota.LimitBytes) + " (" + hook.Quota.UsedPercent.String() + "%)",
		"Remaining " + size(hook.Quota.RemainingBytes),
		"Projected at the reset " + size(hook.Quota.ProjectedBytes),
		"Received " + size(hook.InBytes) + ", sent " + size(hook.OutBytes),
		"Resets on " + hook.Quota.ResetsOn,
	} {
		if !strings.Contains(usage, want) {
			t.Errorf("/usage lacks %q (the webhook's):\n%s", want, usage)
		}
	}
	rx, tx := ifaces[0].Sum(today, today)
	if !strings.Contains(sent[1].Text, size(rx+tx)+" (received "+size(rx)+", sent "+size(tx)+")") {
		t.Errorf("/today is not vnstat's row for today (%d, %d):\n%s", rx, tx, sent[1].Text)
	}
	wrx, wtx := ifaces[0].Sum(today.AddDate(0, 0, -6), today)
	if !strings.Contains(sent[2].Text, today.Format(time.DateOnly)+": "+size(rx+tx)) || !strings.Contains(sent[2].Text, "Total "+size(wrx+wtx)+" (received "+size(wrx)+", sent "+size(wtx)+")") {
		t.Errorf("/week is not vnstat's rows for the last seven days (%d, %d):\n%s", wrx, wtx, sent[2].Text)
	}
	if !strings.Contains(sent[3].Text, ": "+size(hook.Quota.UsedBytes)+" ("+hook.Quota.UsedPercent.String()+"%), so far") {
		t.Errorf("/cycles does not give this cycle as the webhook does:\n%s", sent[3].Text)
	}
	if !strings.Contains(sent[4].Text, ": status ok") || !strings.Contains(sent[5].Text, "/cycles – ") {
		t.Errorf("/status, /help:\n%s\n%s", sent[4].Text, sent[5].Text)
	}
	d.waitLogged(t, "not allowed", 1)

	// Killed after it received /status and before its answer went.
	api.Hold(true)
	api.Send(42, "/status")
	api.WaitFor(t, "the answer held", func() bool { return api.Held() == 1 })
	if err := d.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-d.exited
	api.Hold(false)
	api.Send(42, "/help") // while the daemon is down
	d2 := startDaemon(t, bin, env...)
	api.WaitFor(t, "the answers after the restart", func() bool { return len(api.Sent()) >= len(bot.Commands)+2 && api.Unconfirmed() == 0 })
	after := api.Sent()[len(bot.Commands):]
	if len(after) != 2 || !strings.Contains(after[0].Text, ": status ") || !strings.Contains(after[1].Text, "/cycles – ") {
		t.Errorf("after the restart: %+v, want /status's answer once, then /help's", after)
	}

	// 1,000 commands at once.
	rss := vmRSS(t, d2.cmd.Process.Pid)
	before := len(api.Sent())
	began := time.Now()
	for range 1000 {
		api.Send(42, "/usage")
	}
	api.WaitFor(t, "the burst passed", func() bool { return api.Unconfirmed() == 0 && strings.Count(d2.logs.String(), "over its rate") >= 1 })
	api.Send(42, "/help") // the last: once it is confirmed, the burst is done
	api.WaitFor(t, "the burst done", func() bool { return api.Unconfirmed() == 0 })
	elapsed := time.Since(began)
	answered := len(api.Sent()) - before
	limit := bot.Burst + 1 + int(elapsed/bot.Refill) + 1
	t.Logf("1,000 commands at once: %d answered in %s; RSS %d KiB -> %d KiB", answered, elapsed.Round(time.Millisecond), rss, vmRSS(t, d2.cmd.Process.Pid))
	// The two answers after the restart took two of the burst.
	if answered < bot.Burst-2 || answered > limit {
		t.Errorf("%d answers to 1,000 commands in %s, want %d to %d", answered, elapsed, bot.Burst-2, limit)
	}
	if grown := vmRSS(t, d2.cmd.Process.Pid) - rss; grown > 16<<10 {
		t.Errorf("the daemon's memory grew %d KiB with 1,000 commands", grown)
	}
	_, health := d2.get(t, e2eSecret+"/health")
	for _, s := range []string{d.logs.String(), d2.logs.String(), string(health)} {
		if strings.Contains(s, testrig.BotToken) || strings.Contains(s, "AAHdq") {
			t.Errorf("the token is shown: %.300s", s)
		}
	}
	if !strings.Contains(string(health), `"telegram_bot":{"polling":true`) {
		t.Errorf("/health's details lack the bot's status: %s", health)
	}
}
