package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
)

// lifetimeIn scrapes vnstat_exporter_interface_bytes_total for iface's
// received bytes.
func lifetimeIn(t *testing.T, d *daemon, iface string) float64 {
	t.Helper()
	fams := scrapeFamilies(t, d)
	for _, m := range fams["vnstat_exporter_interface_bytes_total"].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["interface"] == iface && labels["direction"] == "in" {
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("no vnstat_exporter_interface_bytes_total for %s", iface)
	return 0
}

// vnstatTotalIn reads vnstat's lifetime total of received bytes for iface
// with the sqlite3 command, independently of the daemon's reader.
func vnstatTotalIn(t *testing.T, dbdir, iface string) uint64 {
	t.Helper()
	out, err := exec.Command("sqlite3", dbdir+"/vnstat.db", "SELECT rxtotal FROM interface WHERE name = '"+iface+"'").Output()
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		t.Fatalf("rxtotal of %s: %q", iface, out)
	}
	return n
}

// TestCounterHoldsAcrossRecreatedLink: 4 MiB received on a veth that
// vnstatd (saving hourly) has not saved, then the veth deleted and made
// again: the kernel's counters restart, the live part is gone, and the
// lifetime counter, scraped every second, never goes down. After vnstatd's
// save it is vnstat's figure plus what the kernel counted since, or the
// figure held if that is higher (vnstatd lost traffic).
func TestCounterHoldsAcrossRecreatedLink(t *testing.T) {
	testrig.Long(t)
	n, ln, vd, bin := vethWithVnstatd(t, 60)
	d := startDaemon(t, bin, "VNSTAT_DBDIR="+vd.dbdir, "INTERFACES="+n.Host, "POLL_INTERVAL=2s", "METRICS_PATH=/metrics")
	d.waitFor(t, e2eSecret, http.StatusOK)
	var seen []float64
	scrape := func() float64 {
		v := lifetimeIn(t, d, n.Host)
		seen = append(seen, v)
		return v
	}
	base := scrape()
	transfer(t, ln.Addr().String(), 1<<10, 4<<20)
	n.settled(t)
	for deadline := time.Now().Add(30 * time.Second); scrape() < base+4<<20; {
		if time.Now().After(deadline) {
			t.Fatalf("the live part never showed: %v", seen)
		}
		time.Sleep(time.Second)
	}
	_, _, updated := savedCounters(t, vd.dbdir, n.Host)
	changes := strings.Count(d.logs.String(), "link changed")
	mustRun(t, "ip", "link", "del", n.Host)
	mustRun(t, "ip", "link", "add", n.Host, "type", "veth", "peer", "name", n.Peer)
	mustRun(t, "sysctl", "-q", "-w", "net.ipv6.conf."+n.Host+".disable_ipv6=1")
	mustRun(t, "sysctl", "-q", "-w", "net.ipv6.conf."+n.Peer+".disable_ipv6=1")
	d.waitLogged(t, "link changed", changes+2)
	// Samples of the new link, before vnstatd saves it.
	for range 3 {
		scrape()
		time.Sleep(time.Second)
	}
	held := seen[len(seen)-1]
	// vnstatd saves (SIGHUP), then the daemon polls what it saved.
	vd.hupUntil(t, "save "+n.Host, func() bool {
		_, _, u := savedCounters(t, vd.dbdir, n.Host)
		return u != updated
	})
	polls := strings.Count(d.logs.String(), "polled vnstat")
	d.waitLogged(t, "polled vnstat", polls+1)
	kRX, _ := n.counters(t)
	savedRX, _, _ := savedCounters(t, vd.dbdir, n.Host)
	total := vnstatTotalIn(t, vd.dbdir, n.Host)
	final := scrape()
	for i := 1; i < len(seen); i++ {
		if seen[i] < seen[i-1] {
			t.Errorf("the counter went down: %v", seen)
			break
		}
	}
	if want := max(held, float64(total+kRX-savedRX)); final != want {
		t.Errorf("after vnstatd's save: %v, want %v (held %v; vnstat %d + kernel since its save %d)", final, want, held, total, kRX-savedRX)
	}
	t.Logf("scraped every second: %v; vnstat's total after the save %d", seen, total)
}

// TestBurstAboveMaxBandwidth: vnstatd with MaxBandwidth 1 (Mbit/s) drops
// a 20 MiB burst ("higher than set maximum ... syncing"). The daemon
// withholds the interface's live part from the burst on, says why in
// /health, and after vnstatd's save no figure it published exceeded what
// vnstat records; the lifetime counter, scraped every second, never fell.
func TestBurstAboveMaxBandwidth(t *testing.T) {
	testrig.Long(t)
	n, ln, vd, bin := vethWithVnstatdConf(t, 60, "MaxBandwidth 1\nBandwidthDetection 0\n")
	d := startDaemon(t, bin, "VNSTAT_CONFIG="+vd.conf, "INTERFACES="+n.Host, "POLL_INTERVAL=2s", "METRICS_PATH=/metrics")
	d.waitFor(t, e2eSecret, http.StatusOK)

	var inSeen []uint64
	var counters []float64
	observe := func() {
		t.Helper()
		var got liveResponse
		_, body := d.get(t, e2eSecret)
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		inSeen = append(inSeen, got.InBytes)
		counters = append(counters, lifetimeIn(t, d, n.Host))
	}
	observe()
	_, _, updated := savedCounters(t, vd.dbdir, n.Host)
	transfer(t, ln.Addr().String(), 1<<10, 20<<20)
	n.settled(t)
	// The daemon says why, within a few samples.
	body := d.waitFor(t, detailsPath, http.StatusOK, `"kind":"live_withheld"`, "faster than vnstat's limit of 1 Mbit/s")
	t.Logf("/health: %s", body)
	observe()
	// vnstatd drops the burst at its next read.
	for deadline := time.Now().Add(time.Minute); ; {
		b, _ := os.ReadFile(vd.logf)
		if strings.Contains(string(b), "higher than set maximum") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("vnstatd did not drop the burst:\n%s", b)
		}
		observe()
		time.Sleep(time.Second)
	}
	// Then it saves (SIGHUP), and the daemon polls that save.
	vd.hupUntil(t, "save "+n.Host, func() bool {
		observe()
		_, _, u := savedCounters(t, vd.dbdir, n.Host)
		return u != updated
	})
	polls := strings.Count(d.logs.String(), "polled vnstat")
	d.waitLogged(t, "polled vnstat", polls+1)
	observe()
	_, today := localToday()
	rowsRX, _, _ := rows(vd.report(t, cycleStart(today, 1)), n.Host)
	var final liveResponse
	_, b := d.get(t, e2eSecret)
	if err := json.Unmarshal(b, &final); err != nil {
		t.Fatal(err)
	}
	if rowsRX >= 20<<20 {
		t.Fatalf("vnstat recorded %d bytes: it did not drop the burst", rowsRX)
	}
	if final.InBytes != rowsRX+final.LiveInBytes {
		t.Errorf("after the save: in %d, want vnstat's %d + live %d", final.InBytes, rowsRX, final.LiveInBytes)
	}
	for _, in := range inSeen {
		if in > final.InBytes {
			t.Errorf("published %d bytes in before vnstatd's save, more than vnstat records after it (%d): %v", in, final.InBytes, inSeen)
			break
		}
	}
	for i := 1; i < len(counters); i++ {
		if counters[i] < counters[i-1] {
			t.Errorf("the counter went down: %v", counters)
			break
		}
	}
	t.Logf("in_bytes seen: %v; vnstat's rows after the save: %d", inSeen, rowsRX)
}

// scrapeMonotonic scrapes the received-bytes counter of iface every second
// while cond is false (at most a minute), and fails the test if it ever
// went down; it returns the figures.
func scrapeMonotonic(t *testing.T, d *daemon, iface string, seen []float64, cond func() bool) []float64 {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met in a minute; scraped %v", seen)
		}
		seen = append(seen, lifetimeIn(t, d, iface))
		time.Sleep(time.Second)
	}
	seen = append(seen, lifetimeIn(t, d, iface))
	for i := 1; i < len(seen); i++ {
		if seen[i] < seen[i-1] {
			t.Fatalf("the counter went down: %v", seen)
		}
	}
	return seen
}

// TestCounterHoldsAcrossRenameAndReboot: a live part (4 MiB vnstatd has
// not saved) is lost when the link is renamed away (vnstat keeps the old
// name) and when the database says another boot (btime changed in its
// info table, as after a reboot before vnstatd ran): the counter, scraped
// every second, holds.
func TestCounterHoldsAcrossRenameAndReboot(t *testing.T) {
	testrig.Long(t)
	for _, tc := range []string{"rename", "reboot"} {
		t.Run(tc, func(t *testing.T) {
			n, ln, vd, bin := vethWithVnstatd(t, 60)
			d := startDaemon(t, bin, "VNSTAT_DBDIR="+vd.dbdir, "INTERFACES="+n.Host, "POLL_INTERVAL=2s", "METRICS_PATH=/metrics")
			d.waitFor(t, e2eSecret, http.StatusOK)
			base := lifetimeIn(t, d, n.Host)
			transfer(t, ln.Addr().String(), 1<<10, 4<<20)
			n.settled(t)
			seen := scrapeMonotonic(t, d, n.Host, nil, func() bool { return lifetimeIn(t, d, n.Host) >= base+4<<20 })
			held := seen[len(seen)-1]
			switch tc {
			case "rename":
				renamed := "vnxr" + strings.TrimPrefix(n.Host, "vnxh")
				t.Cleanup(func() { _ = exec.Command("ip", "link", "del", renamed).Run() })
				mustRun(t, "ip", "link", "set", n.Host, "down")
				mustRun(t, "ip", "link", "set", n.Host, "name", renamed)
				seen = scrapeMonotonic(t, d, n.Host, seen, func() bool {
					_, body := d.get(t, detailsPath)
					return strings.Contains(string(body), n.Host+": not on this host now")
				})
			case "reboot":
				mustRun(t, "sqlite3", vd.dbdir+"/vnstat.db", "UPDATE info SET value = CAST(value AS INTEGER) - 86400 WHERE name = 'btime'")
				seen = scrapeMonotonic(t, d, n.Host, seen, func() bool {
					return strings.Contains(d.logs.String(), "vnstatd has not run since the host booted")
				})
			}
			// A few more samples without the live part.
			for range 3 {
				seen = scrapeMonotonic(t, d, n.Host, seen, func() bool { return true })
				time.Sleep(time.Second)
			}
			if got := seen[len(seen)-1]; got < held {
				t.Errorf("after the %s: %v, below the %v published", tc, got, held)
			}
			t.Logf("%s: scraped every second: %v", tc, seen)
		})
	}
}
