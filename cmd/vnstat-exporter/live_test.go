package main

import (
	"encoding/json"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// savedCounters reads what vnstatd saved for iface, with the sqlite3
// command, independently of the daemon's own reader.
func savedCounters(t *testing.T, dbdir, iface string) (rx, tx uint64, updated string) {
	t.Helper()
	out, err := exec.Command("sqlite3", dbdir+"/vnstat.db",
		"SELECT rxcounter, txcounter, updated FROM interface WHERE name = '"+iface+"'").Output()
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(strings.TrimSpace(string(out)), "|")
	if len(f) != 3 {
		t.Fatalf("saved counters of %s: %q", iface, out)
	}
	rx, _ = strconv.ParseUint(f[0], 10, 64)
	tx, _ = strconv.ParseUint(f[1], 10, 64)
	return rx, tx, f[2]
}

// vethWithVnstatd prepares a real-traffic test: a namespace with a veth
// pair and a listener inside it, a vnstatd tracking the host end that saves
// every saveMinutes, and the built daemon.
func vethWithVnstatd(t *testing.T, saveMinutes int) (*testNet, net.Listener, *vnstatd, string) {
	t.Helper()
	return vethWithVnstatdConf(t, saveMinutes, "")
}

// vethWithVnstatdConf is vethWithVnstatd with extra lines in vnstatd's
// config.
func vethWithVnstatdConf(t *testing.T, saveMinutes int, extra string) (*testNet, net.Listener, *vnstatd, string) {
	t.Helper()
	testrig.Vnstat(t)
	n := newTestNet(t)
	ln := n.listen(t)
	go sink(ln)
	bin := buildBinary(t)
	vd := startVnstatdWith(t, saveMinutes, extra)
	vd.waitTracks(t, n.Host)
	return n, ln, vd, bin
}

type liveResponse struct {
	webhookResponse
	LiveInBytes  uint64 `json:"live_in_bytes"`
	LiveOutBytes uint64 `json:"live_out_bytes"`
	LiveAsOf     string `json:"live_as_of"`
}

// TestLiveTopUpRealVnstatd: with vnstatd saving only hourly, traffic shows
// in the webhook at the next sample, as vnstat's rows plus the kernel's
// count since vnstatd's save, to the byte.
func TestLiveTopUpRealVnstatd(t *testing.T) {
	testrig.Long(t)
	n, ln, vd, bin := vethWithVnstatd(t, 60)
	// One poll at start; from then on only the live samples move numbers.
	d := startDaemon(t, bin, "VNSTAT_DBDIR="+vd.dbdir, "INTERFACES="+n.Host, "POLL_INTERVAL=1h")
	d.waitFor(t, e2eSecret, http.StatusOK)

	_, today := localToday()
	begin := cycleStart(cycleStart(today, 1).AddDate(0, 0, -1), 1)
	rowsRX, rowsTX, _ := rows(vd.report(t, begin), n.Host)
	savedRX, savedTX, updated := savedCounters(t, vd.dbdir, n.Host)

	const up, down = 4 << 20, 2 << 20
	transfer(t, ln.Addr().String(), up, down)
	sent := time.Now()
	kRX, kTX := n.settled(t)
	wantIn, wantOut := rowsRX+kRX-savedRX, rowsTX+kTX-savedTX

	var got liveResponse
	deadline := sent.Add(10 * time.Second)
	for {
		_, body := d.get(t, e2eSecret)
		_ = json.Unmarshal(body, &got)
		if got.InBytes == wantIn && got.OutBytes == wantOut {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook in/out %d/%d never reached vnstat's rows + kernel delta %d/%d", got.InBytes, got.OutBytes, wantIn, wantOut)
		}
		time.Sleep(20 * time.Millisecond)
	}
	took := time.Since(sent)
	t.Logf("traffic showed %v after the transfer (samples every 1 s); rows %d/%d + kernel delta %d/%d", took.Round(time.Millisecond),
		rowsRX, rowsTX, kRX-savedRX, kTX-savedTX)
	if took > 2*time.Second {
		t.Logf("slower than the 2 s goal on this (shared) machine")
	}
	if got.LiveInBytes != kRX-savedRX || got.LiveOutBytes != kTX-savedTX || got.LiveAsOf == "" {
		t.Errorf("live %d/%d as of %q, want the kernel delta %d/%d", got.LiveInBytes, got.LiveOutBytes, got.LiveAsOf, kRX-savedRX, kTX-savedTX)
	}
	if got.OutBytes < up || got.InBytes < down {
		t.Errorf("webhook %d/%d below the traffic sent %d/%d", got.InBytes, got.OutBytes, down, up)
	}
	// vnstat's own database has not saved the transfer yet.
	nowRX, nowTX, _ := rows(vd.report(t, begin), n.Host)
	_, _, nowUpdated := savedCounters(t, vd.dbdir, n.Host)
	if nowRX != rowsRX || nowTX != rowsTX || nowUpdated != updated {
		t.Errorf("vnstatd saved during the test (rows %d/%d -> %d/%d, updated %s -> %s): the live path was not what showed the traffic",
			rowsRX, rowsTX, nowRX, nowTX, updated, nowUpdated)
	}
	d.stop(t)
}

// TestLinkEventsTriggerPoll creates and deletes a veth named in INTERFACES
// while the daemon runs with an hour between polls: /health and the log
// must follow each change at once.
func TestLinkEventsTriggerPoll(t *testing.T) {
	testrig.Vnstat(t)
	n := newTestNet(t) // for the root and ip checks, and a unique name
	name := "vnxe" + strings.TrimPrefix(n.Host, "vnxh")
	bin := inProcess
	now, today := localToday()
	dir := buildDB(t, []vnstattest.Iface{
		{Name: "lo", Created: today.AddDate(0, 0, -5), Updated: now, Days: vnstattest.Series(today, 5, 1, false)},
	})
	mustRun(t, "vnstat", "--dbdir", dir, "--add", "-i", name, "--force")
	d := startDaemon(t, bin, "VNSTAT_DBDIR="+dir, "INTERFACES=lo,"+name, "POLL_INTERVAL=1h", "LIVE=false")
	// Added to vnstat but not on the host: reported from vnstat's rows,
	// /health degraded with the reason.
	d.waitFor(t, detailsPath, http.StatusOK, `"status":"degraded"`, name+": not on this host now")

	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", name).Run() })
	mustRun(t, "ip", "link", "add", name, "type", "veth", "peer", "name", name+"p")
	start := time.Now()
	d.waitFor(t, detailsPath, http.StatusOK, `"status":"ok"`)
	t.Logf("/health turned ok %v after the link was created", time.Since(start).Round(time.Millisecond))
	// The log is copied from the daemon's pipe by a goroutine: the line
	// may arrive after the answer.
	d.waitLogged(t, name+" added", 1)

	mustRun(t, "ip", "link", "del", name)
	start = time.Now()
	d.waitFor(t, detailsPath, http.StatusOK, `"status":"degraded"`, name+": not on this host now")
	t.Logf("/health turned degraded %v after the link was deleted", time.Since(start).Round(time.Millisecond))
	d.waitLogged(t, name+" removed", 1)
	d.waitLogged(t, "link changed", 2)
	d.stop(t)
}

// TestStalledVnstatdRealTraffic kills vnstatd while traffic flows: /health
// must turn 503 once its last save is older than VNSTAT_STALE_AFTER.
func TestStalledVnstatdRealTraffic(t *testing.T) {
	testrig.Long(t)
	n, ln, vd, bin := vethWithVnstatd(t, 1)
	const staleAfter = 4 * time.Second
	d := startDaemon(t, bin, "VNSTAT_DBDIR="+vd.dbdir, "INTERFACES="+n.Host, "POLL_INTERVAL=1s", "VNSTAT_STALE_AFTER="+staleAfter.String())
	d.waitFor(t, detailsPath, http.StatusOK)

	// While vnstatd saves (SIGHUP each second) traffic flows and /health
	// stays 200.
	for range 6 {
		_ = vd.cmd.Process.Signal(syscall.SIGHUP)
		transfer(t, ln.Addr().String(), 64<<10, 64<<10)
		time.Sleep(time.Second)
		if code, body := d.get(t, detailsPath); code != http.StatusOK {
			t.Fatalf("/health %d while vnstatd saves: %s", code, body)
		}
	}
	_ = vd.cmd.Process.Kill()
	killed := time.Now()
	deadline := killed.Add(30 * time.Second)
	for {
		transfer(t, ln.Addr().String(), 64<<10, 64<<10)
		code, body := d.get(t, detailsPath)
		if code == http.StatusServiceUnavailable && strings.Contains(string(body), "vnstatd is not saving: last write") {
			seen := time.Now()
			var h healthResponse
			_ = json.Unmarshal(body, &h)
			t.Logf("/health 503 %v after vnstatd was killed: %s", seen.Sub(killed).Round(time.Millisecond), h.Error)
			// Reported only once the last save is older than the threshold
			// (times in the message are whole seconds).
			m := regexp.MustCompile(`last write (\S+),`).FindStringSubmatch(h.Error)
			if m == nil {
				t.Fatalf("no last write time in %q", h.Error)
			}
			last, err := time.Parse(time.RFC3339, m[1])
			if err != nil {
				t.Fatal(err)
			}
			if age := seen.Sub(last); age < staleAfter-time.Second {
				t.Errorf("reported stalled when the last save was %v old, below the %v threshold", age, staleAfter)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/health still %d %s long after vnstatd was killed", code, body)
		}
		time.Sleep(250 * time.Millisecond)
	}
	// The webhook keeps serving, vnstat's rows plus the kernel's count.
	var got liveResponse
	_, body := d.get(t, e2eSecret)
	if err := json.Unmarshal(body, &got); err != nil || got.LiveInBytes == 0 {
		t.Errorf("webhook after the stall: %s", body)
	}
	d.stop(t)
}
