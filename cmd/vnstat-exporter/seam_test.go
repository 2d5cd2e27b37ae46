package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// seamZone compiles a zone, a fixed offset from UTC, whose local midnight
// falls at the instant seam (whole seconds), and returns its TZ value and
// the same zone for the test's own dates.
//
// vnstatd files what it reads under the five-minute slot of Unix time
// that holds its read before: a seam on such a slot is a zone whose
// offset is whole minutes of five, as every zone in use is.
func seamZone(t *testing.T, seam time.Time) (string, *time.Location) {
	t.Helper()
	off := -(seam.Unix() % 86400)
	if off < -12*3600 {
		off += 86400
	}
	sign, abs := "", off
	if abs < 0 {
		sign, abs = "-", -abs
	}
	tz := compileZone(t, "Test/Seam", fmt.Sprintf("Zone\tTest/Seam\t%s%d:%02d:%02d\t-\tSEAM\n", sign, abs/3600, abs/60%60, abs%60))
	return tz, time.FixedZone("SEAM", int(off))
}

// backdate makes vnstat's database say it has tracked iface since before
// from: its creation moved back, and a row (traffic-less, as vnstatd
// writes for an idle day) for each day from from through until.
func backdate(t *testing.T, dbdir, iface string, from, until time.Time) {
	t.Helper()
	sql := fmt.Sprintf("BEGIN; UPDATE interface SET created = '%s 00:00:00' WHERE name = '%s';\n",
		from.AddDate(0, 0, -1).Format(time.DateOnly), iface)
	for d := from; !d.After(until); d = d.AddDate(0, 0, 1) {
		sql += fmt.Sprintf("INSERT OR IGNORE INTO day (interface, date, rx, tx) SELECT id, '%s', 0, 0 FROM interface WHERE name = '%s';\n",
			d.Format(time.DateOnly), iface)
	}
	if out, err := exec.Command("sqlite3", "-cmd", ".timeout 10000", filepath.Join(dbdir, "vnstat.db"), sql+"COMMIT;").CombinedOutput(); err != nil {
		t.Fatalf("backdating %s: %v: %s", iface, err, out)
	}
}

// TestCycleSeamRealVnstatd: a real vnstatd (saving only when told) in a
// zone whose midnight, the start of a billing cycle, comes one to six
// minutes after the test begins. 10 MiB are received before midnight (read by
// vnstatd, not saved), 1 MiB at midnight and 3 MiB ten seconds later.
// Until vnstatd's first save after
// midnight, the new cycle (webhook, cycle_used_bytes) shows none of the
// 10 MiB, `?cycle=previous` shows them, /health says what counts in no
// cycle yet, and no alert fires for the new cycle; after the save every
// figure is vnstat's (`vnstat --json`), no figure published before it was
// above vnstat's for its cycle, the cycle summary given to ALERT_COMMAND
// is vnstat's figure for the closed cycle, and the lifetime counter never
// fell.
func TestCycleSeamRealVnstatd(t *testing.T) {
	testrig.Long(t)
	testrig.Vnstat(t)
	bin := buildBinary(t)
	n := newTestNet(t)
	ln := n.listen(t)
	go sink(ln)
	// Midnight on the first five-minute slot at least 45 s away: time for
	// vnstatd, the daemon, and 10 MiB before it.
	seam := time.Now().Add(45 * time.Second).Truncate(time.Second)
	if r := seam.Unix() % 300; r != 0 {
		seam = seam.Add(time.Duration(300-r) * time.Second)
	}
	tz, loc := seamZone(t, seam)
	date := func(at time.Time) time.Time {
		y, m, d := at.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	newStart := date(seam)
	lastDay := newStart.AddDate(0, 0, -1)
	startDay := newStart.Day()
	prevStart := cycleStart(lastDay, startDay)
	if date(time.Now()) != lastDay {
		t.Fatalf("the zone's date is %s, want %s", date(time.Now()).Format(time.DateOnly), lastDay.Format(time.DateOnly))
	}

	vd := startVnstatdWith(t, 60, "", "TZ="+tz)
	vd.waitTracks(t, n.Host)
	backdate(t, vd.dbdir, n.Host, prevStart, lastDay)
	work := t.TempDir()
	runs := filepath.Join(work, "runs")
	script := filepath.Join(work, "alert.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"$VNSTAT_EXPORTER_KEY=$VNSTAT_EXPORTER_USED_BYTES\" >> "+runs+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	const quota = 8 << 20
	d := startDaemon(t, bin, "TZ="+tz, "VNSTAT_CONFIG="+vd.conf, "INTERFACES="+n.Host, "POLL_INTERVAL=2s", "METRICS_PATH=/metrics",
		"START_DAY="+strconv.Itoa(startDay), "QUOTA="+strconv.Itoa(quota), "STATE_DIR="+filepath.Join(work, "state"), "ALERT_COMMAND="+script,
		// The seam is real here, and the summary is judged at once.
		"SUMMARY_AFTER=0s")
	d.waitFor(t, e2eSecret, http.StatusOK, `"start_date":"`+prevStart.Format(time.DateOnly)+`"`)
	// The alerts know the cycle before the seam.
	d.waitLogged(t, "alerts judged", strings.Count(d.logs.String(), "alerts judged")+1)

	var counters []float64
	get := func(path string) liveResponse {
		t.Helper()
		var r liveResponse
		code, body := d.get(t, path)
		if code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, code, body)
		}
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	_, _, updated := savedCounters(t, vd.dbdir, n.Host)
	transfer(t, ln.Addr().String(), 1<<10, 10<<20)
	n.settled(t)
	for deadline := time.Now().Add(20 * time.Second); get(e2eSecret).LiveInBytes < 10<<20; {
		if time.Now().After(deadline) {
			t.Fatalf("the 10 MiB never showed as live: %+v", get(e2eSecret))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if left := time.Until(seam); left < 3*time.Second {
		t.Fatalf("the 10 MiB showed only %s before midnight: too late to tell them from the new day's", left)
	}
	if _, _, u := savedCounters(t, vd.dbdir, n.Host); u != updated {
		t.Fatalf("vnstatd saved before midnight (%s): the seam is not tested", u)
	}

	// Midnight: the daemon polls at its first sample of the new day.
	for time.Now().Before(seam) {
		time.Sleep(time.Until(seam))
	}
	d.waitFor(t, e2eSecret, http.StatusOK, `"start_date":"`+newStart.Format(time.DateOnly)+`"`)
	// 1 MiB at once, which vnstatd files in the day before if its first
	// read after midnight takes it; 3 MiB once that read is past (vnstatd
	// reads every 2 to 4 s here), which it files in the new day.
	transfer(t, ln.Addr().String(), 1<<10, 1<<20)
	for later := seam.Add(10 * time.Second); time.Now().Before(later); {
		time.Sleep(time.Until(later))
	}
	transfer(t, ln.Addr().String(), 1<<10, 3<<20)
	n.settled(t)
	type seen struct {
		in, prevIn, used uint64
	}
	var before []seen
	observe := func() {
		t.Helper()
		cur, prev := get(e2eSecret), get(e2eSecret+"?cycle=previous")
		before = append(before, seen{cur.InBytes, prev.InBytes, uint64(scrapeGauge(t, d, "vnstat_exporter_cycle_used_bytes"))})
		counters = append(counters, lifetimeIn(t, d, n.Host))
	}
	for range 3 {
		observe()
		time.Sleep(time.Second)
	}
	health := string(d.waitFor(t, detailsPath, http.StatusOK, `"kind":"live_withheld"`, "count in no cycle until vnstatd's first save in the new one"))
	t.Logf("/health before vnstatd's save: %s", health)
	if _, _, u := savedCounters(t, vd.dbdir, n.Host); u != updated {
		t.Fatalf("vnstatd saved on its own (%s) before the test looked", u)
	}
	for _, s := range before {
		if s.prevIn < 10<<20 {
			t.Errorf("before vnstatd's save, ?cycle=previous said %d bytes in, without the 10 MiB received before midnight", s.prevIn)
		}
	}
	if got := strings.Join(linesOf(t, runs), "; "); strings.Contains(got, "@"+newStart.Format(time.DateOnly)) || strings.Contains(got, "new_cycle") {
		t.Errorf("ALERT_COMMAND before vnstatd's save: %q", got)
	}

	// vnstatd saves; the daemon reads that save and the summary follows.
	vd.hupUntil(t, "save after midnight", func() bool {
		_, _, u := savedCounters(t, vd.dbdir, n.Host)
		return u != updated
	})
	summary := "new_cycle@" + prevStart.Format(time.DateOnly)
	for deadline := time.Now().Add(time.Minute); !strings.Contains(strings.Join(linesOf(t, runs), "\n"), summary); {
		if time.Now().After(deadline) {
			t.Fatalf("no %s from ALERT_COMMAND: %q", summary, linesOf(t, runs))
		}
		counters = append(counters, lifetimeIn(t, d, n.Host))
		time.Sleep(200 * time.Millisecond)
	}
	prevRX, prevTX := vnstatRows(t, vd, tz, n.Host, prevStart, lastDay)
	newRX, newTX := vnstatRows(t, vd, tz, n.Host, newStart, time.Time{})
	cur, prev := get(e2eSecret), get(e2eSecret+"?cycle=previous")
	counters = append(counters, lifetimeIn(t, d, n.Host))
	t.Logf("vnstat: previous cycle %d/%d, new cycle %d/%d; seen before the save (in, previous in, used): %v", prevRX, prevTX, newRX, newTX, before)
	// vnstat's own rule: the 1 MiB counts in the day of vnstatd's read
	// before it (either day), the 3 MiB in the new one.
	if prevRX < 10<<20 || newRX < 3<<20 || prevRX+newRX < 14<<20 {
		t.Fatalf("vnstat recorded %d and %d bytes in: not the traffic sent", prevRX, newRX)
	}
	if prev.InBytes != prevRX || prev.OutBytes != prevTX || prev.LiveAsOf != "" {
		t.Errorf("?cycle=previous after the save: %d/%d (live as of %q), want vnstat's %d/%d", prev.InBytes, prev.OutBytes, prev.LiveAsOf, prevRX, prevTX)
	}
	if cur.InBytes != newRX+cur.LiveInBytes || cur.OutBytes != newTX+cur.LiveOutBytes {
		t.Errorf("the new cycle after the save: %d/%d, want vnstat's %d/%d + live %d/%d", cur.InBytes, cur.OutBytes, newRX, newTX, cur.LiveInBytes, cur.LiveOutBytes)
	}
	for _, s := range before {
		if s.in > newRX || s.used > newRX+newTX || s.prevIn > prevRX {
			t.Errorf("before the save: new cycle %d in (used %d), previous %d in; vnstat then recorded %d (%d) and %d",
				s.in, s.used, s.prevIn, newRX, newRX+newTX, prevRX)
		}
	}
	runLines := linesOf(t, runs)
	for _, l := range runLines {
		key, used, _ := strings.Cut(l, "=")
		switch {
		case strings.HasSuffix(key, "@"+newStart.Format(time.DateOnly)):
			t.Errorf("an alert for the new cycle: %q", l)
		case key == summary && used != strconv.FormatUint(prevRX+prevTX, 10):
			t.Errorf("the summary of the closed cycle says %s bytes used, vnstat records %d", used, prevRX+prevTX)
		}
	}
	for i := 1; i < len(counters); i++ {
		if counters[i] < counters[i-1] {
			t.Errorf("the counter went down: %v", counters)
			break
		}
	}
	t.Logf("ALERT_COMMAND: %q", runLines)
}

// vnstatRows sums, with the real vnstat in zone tz, iface's rows from
// begin through end (no end: through today).
func vnstatRows(t *testing.T, vd *vnstatd, tz, iface string, begin, end time.Time) (rx, tx uint64) {
	t.Helper()
	r, err := vnstattest.CLIDaily(t.Context(), vd.dbdir, tz, begin, end)
	if err != nil {
		t.Fatal(err)
	}
	rx, tx, _ = rows(r, iface)
	return rx, tx
}
