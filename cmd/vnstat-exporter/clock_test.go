package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
)

// detailedHealth is the detailed /health's fields these tests read.
type detailedHealth struct {
	Status          string `json:"status"`
	VnstatUpdatedAt string `json:"vnstat_updated_at"`
	Problems        []struct {
		Kind      string `json:"kind"`
		Interface string `json:"interface"`
		Detail    string `json:"detail"`
	} `json:"problems"`
}

func (h detailedHealth) has(kind string) bool {
	for _, p := range h.Problems {
		if p.Kind == kind {
			return true
		}
	}
	return false
}

// health reads the detailed /health.
func (d *daemon) health(t *testing.T) (int, detailedHealth) {
	t.Helper()
	code, body := d.get(t, detailsPath)
	var h detailedHealth
	if err := json.Unmarshal(body, &h); err != nil {
		t.Fatalf("/health %d: %v: %s", code, err, body)
	}
	return code, h
}

// TestSaveWatchRealVnstatd: a real vnstatd saving every minute, the
// daemon polling every 20 minutes with VNSTAT_STALE_AFTER=80s, traffic
// every second. The daemon sees each save within a sample (the database's
// stamp), so for 100 s /health never says stalled or withheld (old main
// answered 503 vnstatd_stalled at 79 s). Then vnstatd hangs (SIGSTOP):
// the live part is withheld once its last save is
// overdue (60 + 2 + 2 + 5 s after it, not earlier), vnstatd is reported
// stalled past 80 s, and both end when it runs and saves again.
func TestSaveWatchRealVnstatd(t *testing.T) {
	testrig.Long(t)
	n, ln, vd, bin := vethWithVnstatd(t, 1)
	d := startDaemon(t, bin, "VNSTAT_DBDIR="+vd.dbdir, "VNSTAT_CONFIG="+vd.conf, "INTERFACES="+n.Host, "POLL_INTERVAL=20m", "VNSTAT_STALE_AFTER=80s")
	d.waitFor(t, detailsPath, http.StatusOK)
	const overdue = 69 * time.Second // SaveInterval 1 min + UpdateInterval 2 s + PollInterval 2 s + 5 s

	// seen follows the save /health reports: it returns the save's time
	// and logs how long after it the daemon first reported it.
	var last string
	var lags []time.Duration
	seen := func(h detailedHealth) time.Time {
		at, err := time.Parse(time.RFC3339, h.VnstatUpdatedAt)
		if err != nil {
			t.Fatalf("vnstat_updated_at %q: %v", h.VnstatUpdatedAt, err)
		}
		if h.VnstatUpdatedAt != last {
			if last != "" {
				lags = append(lags, time.Since(at))
			}
			last = h.VnstatUpdatedAt
		}
		return at
	}
	start := time.Now()
	for time.Since(start) < 100*time.Second {
		transfer(t, ln.Addr().String(), 16<<10, 16<<10)
		code, h := d.health(t)
		seen(h)
		if code != http.StatusOK || h.has("vnstatd_stalled") || h.has("live_withheld") {
			t.Fatalf("%v in, vnstatd saving every minute: /health %d %+v", time.Since(start).Round(time.Second), code, h)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if len(lags) < 1 {
		t.Fatalf("the daemon saw none of vnstatd's saves in 100 s")
	}
	t.Logf("%d saves seen in 100 s with POLL_INTERVAL=20m, each %v after its (whole-second) time", len(lags), lags)

	// vnstatd hangs.
	_, h := d.health(t)
	saved := seen(h)
	if err := vd.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	var withheldAt, stalledAt time.Duration
	for withheldAt == 0 || stalledAt == 0 {
		transfer(t, ln.Addr().String(), 16<<10, 16<<10)
		_, h = d.health(t)
		age := time.Since(saved)
		if h.has("live_withheld") && withheldAt == 0 {
			withheldAt = age
		}
		if h.has("vnstatd_stalled") && stalledAt == 0 {
			stalledAt = age
		}
		if age > 3*time.Minute {
			t.Fatalf("vnstatd hung since %v: /health %+v", saved, h)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("vnstatd hung after its save: live part withheld %v after the save, stalled %v after it", withheldAt, stalledAt)
	// Times are whole seconds, so the save was up to a second earlier.
	if withheldAt < overdue-time.Second {
		t.Errorf("withheld %v after the save, before it was overdue (%v)", withheldAt, overdue)
	}
	if stalledAt < 80*time.Second-time.Second {
		t.Errorf("stalled %v after the save, before VNSTAT_STALE_AFTER", stalledAt)
	}
	if err := vd.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	vd.hupUntil(t, "save after SIGCONT", func() bool {
		_, h := d.health(t)
		return !h.has("live_withheld") && !h.has("vnstatd_stalled") && h.Status == "ok"
	})
	d.stop(t)
}

// TestSaveInFutureRealVnstatd: the clock set back an hour leaves
// vnstat's database written, and its last save dated, an hour ahead of the
// clock. The real vnstatd, started on it, waits for the clock
// (TimeSyncWait) and records nothing while traffic flows; the daemon
// answers 503 with save_in_future and adds no live part. (Where vnstatd
// goes on writing the database meanwhile, its saves look an hour ahead of
// its writes: that is judged a zone mismatch once two writes agree, and
// the live part is off too.)
func TestSaveInFutureRealVnstatd(t *testing.T) {
	testrig.Long(t)
	n, ln, vd, bin := vethWithVnstatd(t, 1)
	if err := vd.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	<-vd.exited
	db := filepath.Join(vd.dbdir, "vnstat.db")
	sqlite := func(sql string) string {
		t.Helper()
		out, err := exec.Command("sqlite3", db, sql).CombinedOutput()
		if err != nil {
			t.Fatalf("sqlite3 %q: %v: %s", sql, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	sqlite("UPDATE interface SET updated = datetime(updated, '+1 hour') WHERE name = '" + n.Host + "'")
	ahead := sqlite("SELECT updated FROM interface WHERE name = '" + n.Host + "'")
	if err := os.Chtimes(db, time.Time{}, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	vd.run(t)
	deadline := time.Now().Add(time.Minute)
	for {
		b, _ := os.ReadFile(vd.logf)
		if strings.Contains(string(b), "Latest database update is in the future") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("vnstatd did not wait for the clock:\n%s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}

	d := startDaemon(t, bin, "VNSTAT_DBDIR="+vd.dbdir, "INTERFACES="+n.Host, "POLL_INTERVAL=1s")
	body := d.waitFor(t, detailsPath, http.StatusServiceUnavailable, "save_in_future")
	var h detailedHealth
	if err := json.Unmarshal(body, &h); err != nil {
		t.Fatal(err)
	}
	if len(h.Problems) != 1 || h.Problems[0].Kind != "save_in_future" || !strings.Contains(h.Problems[0].Detail, "ahead of this host's clock (the clock was set back)") {
		t.Errorf("/health problems %+v", h.Problems)
	}
	t.Logf("/health 503: %s", h.Problems[0].Detail)
	for range 5 {
		transfer(t, ln.Addr().String(), 1<<20, 64<<10)
		time.Sleep(time.Second)
	}
	var got liveResponse
	_, body = d.get(t, e2eSecret)
	if err := json.Unmarshal(body, &got); err != nil || got.LiveInBytes != 0 || got.LiveOutBytes != 0 {
		t.Errorf("webhook with the save ahead: %s", body)
	}
	// vnstatd really records nothing for it: the save is still the one
	// dated ahead.
	if now := sqlite("SELECT updated FROM interface WHERE name = '" + n.Host + "'"); now != ahead {
		t.Errorf("vnstatd saved %s over %s", now, ahead)
	}
	d.stop(t)
}
