package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// The cases of issue 11, each through the built daemon against real vnstat
// databases: every one failed on the daemon that ran the vnstat command.

// TestVnstatAddGivesNoLiveSpike: `vnstat --add -i lo` saves lo with
// counters 0/0. Until vnstatd saves it, lo's whole since-boot counter must
// not show as traffic since the save.
func TestVnstatAddGivesNoLiveSpike(t *testing.T) {
	testrig.Vnstat(t)
	bin := inProcess
	dir := buildDB(t, nil)
	mustRun(t, "vnstat", "--dbdir", dir, "--add", "-i", "lo", "--force")
	rx, tx := sysCounters(t, "lo")
	if rx+tx == 0 {
		t.Skip("lo has counted nothing since boot: the test would prove nothing")
	}
	d := startDaemon(t, bin, "VNSTAT_DBDIR="+dir, "INTERFACES=lo", "POLL_INTERVAL=1s", "LIVE=true", "QUOTA=1MB")
	var got liveResponse
	if err := json.Unmarshal(d.waitFor(t, e2eSecret, http.StatusOK), &got); err != nil {
		t.Fatal(err)
	}
	if got.InBytes != 0 || got.OutBytes != 0 || got.LiveInBytes != 0 {
		t.Errorf("after vnstat --add: %d/%d bytes (live %d); want 0: lo's kernel counters (%d/%d) count from boot, not from a save",
			got.InBytes, got.OutBytes, got.LiveInBytes, rx, tx)
	}
	d.waitFor(t, detailsPath, http.StatusOK)
	d.waitLogged(t, "added with vnstat --add, not yet saved by vnstatd", 1)
	d.stop(t)
}

// sysCounters reads a link's byte counters from sysfs.
func sysCounters(t *testing.T, link string) (rx, tx uint64) {
	t.Helper()
	read := func(name string) uint64 {
		b, err := os.ReadFile(filepath.Join("/sys/class/net", link, "statistics", name))
		if err != nil {
			t.Fatal(err)
		}
		v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	return read("rx_bytes"), read("tx_bytes")
}

// compileZone compiles a zone file with zic and returns its absolute path,
// a TZ value both Go and vnstat accept.
func compileZone(t *testing.T, name, source string) string {
	t.Helper()
	return vnstattest.Zone(t, name, source)
}

// TestDSTAtMidnight: in a zone whose clocks jump from 00:00 to 01:00,
// vnstat 2.10's CLI prints the day's row under the day before; the daemon
// reads the dates vnstatd wrote and answers 200 with the rows' sums.
func TestDSTAtMidnight(t *testing.T) {
	testrig.Vnstat(t)
	// DST began at local midnight three days ago; the cycle starts then.
	utcNow := time.Now().UTC()
	dstDay := time.Date(utcNow.Year(), utcNow.Month(), utcNow.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -3)
	zone := compileZone(t, "Test/Midnight", fmt.Sprintf(
		"Rule\tT\t%d\tonly\t-\t%s\t%d\t0:00\t1:00\tD\nRule\tT\t%d\tonly\t-\tJan\t1\t0:00\t0\tS\nZone\tTest/Midnight\t2:00\tT\tX%%sT\n",
		dstDay.Year(), dstDay.Format("Jan"), dstDay.Day(), dstDay.Year()+2))
	b, err := os.ReadFile(zone)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocationFromTZData("Test/Midnight", b)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if midnight := time.Date(dstDay.Year(), dstDay.Month(), dstDay.Day(), 0, 30, 0, 0, loc); midnight.Hour() != 1 {
		t.Fatalf("the zone has no DST at midnight on %s: 00:30 is %v", dstDay.Format(time.DateOnly), midnight)
	}
	lo := vnstattest.Iface{Name: "lo", Created: today.AddDate(0, 0, -40), Updated: now.Add(-time.Minute), Days: vnstattest.Series(today, 40, 8, true)}
	dir := buildDB(t, []vnstattest.Iface{lo})

	// vnstat itself, in that zone, misdates the row of the DST day.
	cli, err := vnstattest.CLIDaily(context.Background(), dir, zone, dstDay.AddDate(0, 0, -1), today)
	if err != nil {
		t.Fatal(err)
	}
	var printed []string
	for _, d := range cli["lo"] {
		printed = append(printed, d.Date)
	}
	t.Logf("vnstat 2.10 in %s prints the rows from %s as dated %v", zone, dstDay.AddDate(0, 0, -1).Format(time.DateOnly), printed)

	d := startDaemon(t, buildBinary(t), "TZ="+zone, "VNSTAT_DBDIR="+dir, "INTERFACES=lo", "POLL_INTERVAL=1s", "LIVE=false",
		"START_DAY="+strconv.Itoa(dstDay.Day()))
	var got webhookResponse
	if err := json.Unmarshal(d.waitFor(t, e2eSecret, http.StatusOK), &got); err != nil {
		t.Fatal(err)
	}
	rx, tx := lo.Sum(dstDay, today)
	if got.StartDate != dstDay.Format(time.DateOnly) || got.InBytes != rx || got.OutBytes != tx {
		t.Errorf("webhook from %s: %d/%d, want the rows dated %s..%s: %d/%d",
			got.StartDate, got.InBytes, got.OutBytes, dstDay.Format(time.DateOnly), today.Format(time.DateOnly), rx, tx)
	}
	d.waitFor(t, detailsPath, http.StatusOK, `"status":"ok"`)
	d.stop(t)
}

// TestIdleDaysAreNotGaps: with vnstat's TrafficlessEntries 0 an idle day,
// the cycle's first among them, has no row: /health stays ok and the
// previous cycle is served, not refused as incomplete.
func TestIdleDaysAreNotGaps(t *testing.T) {
	testrig.Vnstat(t)
	now, today := localToday()
	start := cycleStart(today, 1)
	var days []vnstattest.Day
	for _, d := range vnstattest.Series(today, 62, 5, false) {
		// Idle on each cycle's first day and on every Sunday.
		if d.Date.Day() != 1 && d.Date.Weekday() != time.Sunday {
			days = append(days, d)
		}
	}
	lo := vnstattest.Iface{Name: "lo", Created: today.AddDate(0, 0, -70), Updated: now.Add(-time.Minute), Days: days}
	dir := t.TempDir()
	conf, err := vnstattest.BuildConf(context.Background(), dir, []vnstattest.Iface{lo}, "TrafficlessEntries 0")
	if err != nil {
		t.Fatal(err)
	}
	b := inProcess
	d := startDaemon(t, b, "VNSTAT_CONFIG="+conf, "INTERFACES=lo", "POLL_INTERVAL=1s", "LIVE=false")
	d.waitFor(t, detailsPath, http.StatusOK, `"status":"ok"`)
	var prev webhookResponse
	if err := json.Unmarshal(d.waitFor(t, e2eSecret+"?cycle=previous", http.StatusOK), &prev); err != nil {
		t.Fatal(err)
	}
	prevStart := cycleStart(start.AddDate(0, 0, -1), 1)
	if rx, tx := lo.Sum(prevStart, start.AddDate(0, 0, -1)); prev.InBytes != rx || prev.OutBytes != tx {
		t.Errorf("previous cycle %d/%d, want %d/%d", prev.InBytes, prev.OutBytes, rx, tx)
	}
	d.stop(t)

	// The same rows with vnstat's default (TrafficlessEntries 1): vnstatd
	// writes a row for every day it runs, so the missing days are a gap.
	conf2, err := vnstattest.BuildConf(context.Background(), t.TempDir(), []vnstattest.Iface{lo}, "")
	if err != nil {
		t.Fatal(err)
	}
	d2 := startDaemon(t, b, "VNSTAT_CONFIG="+conf2, "INTERFACES=lo", "POLL_INTERVAL=1s", "LIVE=false")
	d2.waitFor(t, e2eSecret+"?cycle=previous", http.StatusUnprocessableEntity, "vnstat has no row for")
	d2.stop(t)
}

// TestManyInterfacesOneReported: 2,000 interfaces x 62 days in vnstat's
// database (a container host), one named: the poll works and reports its
// rows.
func TestManyInterfacesOneReported(t *testing.T) {
	testrig.Vnstat(t)
	now, today := localToday()
	var ifaces []vnstattest.Iface
	for i := range 2000 {
		ifaces = append(ifaces, vnstattest.Iface{Name: "veth" + strconv.Itoa(i), Created: today.AddDate(0, 0, -70),
			Updated: now.Add(-time.Minute), Days: vnstattest.Series(today, 62, uint64(i), false)})
	}
	dir := buildDB(t, ifaces)
	d := startDaemon(t, buildBinary(t), "VNSTAT_DBDIR="+dir, "INTERFACES=veth1234", "POLL_INTERVAL=1s", "LIVE=false")
	var got webhookResponse
	if err := json.Unmarshal(d.waitFor(t, e2eSecret, http.StatusOK), &got); err != nil {
		t.Fatal(err)
	}
	rx, tx := ifaces[1234].Sum(cycleStart(today, 1), today)
	if got.InBytes != rx || got.OutBytes != tx || len(got.Interfaces) != 1 {
		t.Errorf("webhook %d/%d over %d interfaces, want veth1234's %d/%d", got.InBytes, got.OutBytes, len(got.Interfaces), rx, tx)
	}
	t.Logf("peak RSS %d KiB with 2,000 interfaces in the database", statusKB(t, d.cmd.Process.Pid, "VmHWM"))
	d.stop(t)
}

// TestZoneMismatchRealVnstatd: vnstatd writes its times in UTC+08:00
// while the daemon runs in UTC. After two saves, /health says so, naming
// both offsets and the fix; in vnstatd's zone it is ok.
func TestZoneMismatchRealVnstatd(t *testing.T) {
	testrig.Long(t)
	n := newTestNet(t)
	testrig.Vnstat(t)
	zone := compileZone(t, "Test/Plus8", "Zone\tTest/Plus8\t8:00\t-\tT8\n")
	vd := startVnstatd(t, 60, "TZ="+zone)
	vd.waitTracks(t, n.Host)
	b := buildBinary(t)
	d := startDaemon(t, b, "TZ=UTC", "VNSTAT_DBDIR="+vd.dbdir, "INTERFACES="+n.Host, "POLL_INTERVAL=1s")
	d.waitFor(t, e2eSecret, http.StatusOK)
	// A second save, a second later or more: the two agree on the
	// offset. (One SIGHUP is not always a save: vnstatd saves what it
	// has read since its last save.)
	_, _, first := savedCounters(t, vd.dbdir, n.Host)
	time.Sleep(1100 * time.Millisecond)
	vd.hupUntil(t, "save again", func() bool {
		_, _, updated := savedCounters(t, vd.dbdir, n.Host)
		return updated != first
	})
	body := d.waitFor(t, detailsPath, http.StatusOK, `"status":"degraded"`,
		"time zone mismatch: vnstatd writes its times at UTC+08:00, this process's zone (UTC) is at UTC+00:00", "TZ=", "/etc/localtime")
	t.Logf("/health: %s", body)
	d.waitLogged(t, "time zone mismatch", 1)
	var got liveResponse
	if err := json.Unmarshal(d.waitFor(t, e2eSecret, http.StatusOK), &got); err != nil || got.LiveAsOf != "" {
		t.Errorf("the live part is on despite the mismatch: %+v %v", got, err)
	}
	d.stop(t)

	same := startDaemon(t, b, "TZ="+zone, "VNSTAT_DBDIR="+vd.dbdir, "INTERFACES="+n.Host, "POLL_INTERVAL=1s")
	same.waitFor(t, detailsPath, http.StatusOK, `"status":"ok"`)
	same.stop(t)
}

// TestBridgeNamespace stands in for a bridge-network container: the daemon
// runs in a network namespace whose only link is a veth carrying the name
// of the host's NIC, with vnstat's database of the host. Without
// NETNS_PATH it reports vnstat's rows, never the veth's counters, and
// /health says why the live part is off; with NETNS_PATH naming the host's
// namespace, the live part comes from the host's NIC.
func TestBridgeNamespace(t *testing.T) {
	n := newTestNet(t)
	testrig.Vnstat(t)
	nics := physicalNICs(t)
	if len(nics) == 0 {
		t.Skip("no physical NIC on this host")
	}
	nic := nics[0]
	// The container's end of the veth takes the host NIC's name.
	mustRun(t, "ip", "-n", n.NS, "link", "set", n.Peer, "down")
	mustRun(t, "ip", "-n", n.NS, "link", "set", n.Peer, "name", nic)
	mustRun(t, "ip", "-n", n.NS, "link", "set", nic, "up")

	now, today := localToday()
	// vnstatd "saved" a MiB ago (or at boot): the live part is not empty.
	saveRX, saveTX := sysCounters(t, nic)
	saveRX, saveTX = saveRX-min(saveRX, 1<<20), saveTX-min(saveTX, 1<<20)
	host := vnstattest.Iface{Name: nic, Created: today.AddDate(0, 0, -70), Updated: now.Add(-time.Minute),
		Days: vnstattest.Series(today, 62, 3, true), RXCounter: saveRX, TXCounter: saveTX}
	dir := buildDB(t, []vnstattest.Iface{host})
	rx, tx := host.Sum(cycleStart(today, 1), today)
	b := buildBinary(t)

	d := startDaemonIn(t, n.NS, n.PeerAddr, b, "VNSTAT_DBDIR="+dir, "INTERFACES="+nic, "POLL_INTERVAL=1s", "LIVE=true")
	d.waitFor(t, detailsPath, http.StatusOK, `"status":"degraded"`, "not in the host's network namespace", nic+" is a veth", "NETNS_PATH")
	// Traffic across the veth (the container's own) must not count.
	ln := n.listen(t)
	go sink(ln)
	transfer(t, ln.Addr().String(), 1<<20, 1<<20)
	time.Sleep(1500 * time.Millisecond)
	var got liveResponse
	if err := json.Unmarshal(d.waitFor(t, e2eSecret, http.StatusOK), &got); err != nil {
		t.Fatal(err)
	}
	if got.InBytes != rx || got.OutBytes != tx || got.LiveAsOf != "" || len(got.Missing) != 0 {
		t.Errorf("in the container's namespace: %d/%d live as of %q missing %v; want vnstat's rows %d/%d only",
			got.InBytes, got.OutBytes, got.LiveAsOf, got.Missing, rx, tx)
	}
	d.stop(t)

	// With the host's namespace: links and counters come from there.
	before1, before2 := sysCounters(t, nic)
	d2 := startDaemonIn(t, n.NS, n.PeerAddr, b, "VNSTAT_DBDIR="+dir, "INTERFACES="+nic, "POLL_INTERVAL=1s", "LIVE=true",
		"NETNS_PATH=/proc/"+strconv.Itoa(os.Getpid())+"/ns/net")
	d2.waitFor(t, detailsPath, http.StatusOK, `"status":"ok"`)
	if err := json.Unmarshal(d2.waitFor(t, e2eSecret, http.StatusOK, "live_as_of"), &got); err != nil {
		t.Fatal(err)
	}
	after1, after2 := sysCounters(t, nic)
	if got.LiveInBytes+got.LiveOutBytes == 0 {
		t.Error("no live part with NETNS_PATH")
	}
	if got.LiveInBytes < before1-saveRX || got.LiveInBytes > after1-saveRX || got.LiveOutBytes < before2-saveTX || got.LiveOutBytes > after2-saveTX ||
		got.InBytes != rx+got.LiveInBytes || got.OutBytes != tx+got.LiveOutBytes {
		t.Errorf("with NETNS_PATH: %d/%d, live %d/%d; want rows %d/%d plus the host NIC's delta, between %d/%d and %d/%d",
			got.InBytes, got.OutBytes, got.LiveInBytes, got.LiveOutBytes, rx, tx, before1-saveRX, before2-saveTX, after1-saveRX, after2-saveTX)
	}
	d2.stop(t)
}
