package main

import (
	"bytes"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// lifetimeIn scrapes vnstat_exporter_interface_bytes_total for iface's
// received bytes.
func lifetimeIn(t *testing.T, d *daemon, iface string) float64 {
	t.Helper()
	code, text := d.get(t, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range fams["vnstat_exporter_interface_bytes_total"].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["interface"] == iface && labels["direction"] == "in" {
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("no vnstat_exporter_interface_bytes_total for %s in:\n%s", iface, text)
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
	long(t)
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
	for deadline, pause := time.Now().Add(2*time.Minute), 2500*time.Millisecond; ; pause += 2500 * time.Millisecond {
		_ = vd.cmd.Process.Signal(syscall.SIGHUP)
		time.Sleep(pause)
		if _, _, u := savedCounters(t, vd.dbdir, n.Host); u != updated {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("vnstatd did not save")
		}
	}
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
