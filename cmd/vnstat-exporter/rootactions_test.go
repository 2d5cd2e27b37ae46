package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/actions"
	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
)

// privateMounts runs the test again in a mount namespace of its own
// (unshare -m), where it may mount over system paths, and reports whether
// this is that run; the first run then only checks that it passed.
func privateMounts(t *testing.T) bool {
	t.Helper()
	const mark = "VNSTAT_EXPORTER_TEST_MOUNTNS"
	if os.Getenv(mark) == t.Name() {
		return true
	}
	testrig.Root(t, "to mount in a mount namespace of its own")
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("needs unshare (util-linux)")
	}
	args := []string{"-m", "--propagation", "private", os.Args[0], "-test.run", "^" + t.Name() + "$", "-test.v", "-test.count=1"}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	cmd := exec.Command("unshare", args...)
	cmd.Env = append(os.Environ(), mark+"="+t.Name())
	out, err := cmd.CombinedOutput()
	t.Logf("in a mount namespace of its own:\n%s", out)
	if err != nil || !bytes.Contains(out, []byte("--- PASS: "+t.Name())) {
		t.Fatalf("the run in a mount namespace: %v", err)
	}
	return false
}

// fakeShutdown puts a shutdown command that only records its arguments,
// with the uptime it was called at, first on the runner's PATH
// (/usr/local/sbin, a tmpfs of this mount namespace), and makes
// /proc/uptime a file of the test's. It returns the record and a function
// that sets the uptime (a boot).
func fakeShutdown(t *testing.T) (calls string, boot func(seconds int)) {
	t.Helper()
	dir := t.TempDir()
	calls = filepath.Join(dir, "calls")
	uptime := filepath.Join(dir, "uptime")
	mustRun(t, "mount", "-t", "tmpfs", "tmpfs", "/usr/local/sbin")
	fake := "#!/bin/sh\necho \"$(cut -d. -f1 /proc/uptime) $*\" >> " + calls + "\n"
	if err := os.WriteFile("/usr/local/sbin/shutdown", []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	boot = func(seconds int) {
		t.Helper()
		// Written in place: the bind mount holds the file, not its name.
		if err := os.WriteFile(uptime, []byte(strconv.Itoa(seconds)+".00 1.00\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	boot(86400)
	mustRun(t, "mount", "--bind", uptime, "/proc/uptime")
	return calls, boot
}

// shutdownRig is the root runner with scripts/actions/delayed-shutdown.sh
// as its script, a clock of the test's, and a spool the test writes.
type shutdownRig struct {
	t      *testing.T
	runner *actions.Runner
	log    bytes.Buffer
	now    time.Time
	seq    uint64
}

func newShutdownRig(t *testing.T, now time.Time) *shutdownRig {
	t.Helper()
	script, err := filepath.Abs("../../scripts/actions/delayed-shutdown.sh")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	r := &shutdownRig{t: t, now: now, seq: 1795089600000000}
	spool := filepath.Join(work, "state", actions.SpoolDir)
	if err := os.MkdirAll(spool, 0o700); err != nil {
		t.Fatal(err)
	}
	r.runner = &actions.Runner{Spool: spool, Owner: os.Geteuid(), Ledger: filepath.Join(work, "own", "done"), Script: script,
		Settings: &actions.Settings{StartDay: 15, Interfaces: []string{"eth0"},
			Vars: []string{"BOOT_GRACE_MINUTES=30", "DELAY_MINUTES=10", "STAMP_DIR=" + filepath.Join(work, "own")}},
		Timeout: time.Minute, Logger: slog.New(slog.NewTextHandler(&r.log, nil)), Now: func() time.Time { return r.now }}
	return r
}

// event spools the daemon's 100 % event for the cycle that began on
// cycle, and runs the runner.
func (r *shutdownRig) event(cycle string) {
	r.t.Helper()
	r.seq++
	key := "threshold-100@" + cycle
	b, _ := json.Marshal(actions.Record{Env: []string{"VNSTAT_EXPORTER_EVENT=threshold", "VNSTAT_EXPORTER_KEY=" + key,
		"VNSTAT_EXPORTER_THRESHOLD=100", "VNSTAT_EXPORTER_CYCLE_START=" + cycle, "VNSTAT_EXPORTER_INTERFACES=eth0"}})
	if err := os.WriteFile(filepath.Join(r.runner.Spool, actions.Name(r.seq, key)), b, 0o600); err != nil {
		r.t.Fatal(err)
	}
	if err := r.runner.Run(context.Background()); err != nil {
		r.t.Fatal(err)
	}
}

// TestDelayedShutdownOncePerCycle runs delayed-shutdown.sh under the root
// runner with a shutdown that only records, in a mount namespace of the
// test's: an event inside the boot grace shuts down when the grace ends
// (unless the cycle resets first); forged cycles and a late backlog shut
// nothing down; two boots in one cycle shut down once.
func TestDelayedShutdownOncePerCycle(t *testing.T) {
	if !privateMounts(t) {
		return
	}
	calls, boot := fakeShutdown(t)
	shutdowns := func() []string {
		t.Helper()
		b, err := os.ReadFile(calls)
		if os.IsNotExist(err) {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	}
	reset := func() {
		t.Helper()
		if err := os.Remove(calls); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	dec5 := time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC) // in the cycle that began on 2026-11-15

	t.Run("event in the grace", func(t *testing.T) {
		reset()
		r := newShutdownRig(t, dec5)
		boot(5 * 60)
		r.event("2026-11-15")
		// 25 minutes of the 30-minute grace are left, more than the delay.
		if got := shutdowns(); len(got) != 1 || !strings.HasPrefix(got[0], "300 -h +25 vnstat-exporter: traffic quota used up") {
			t.Errorf("shutdowns %q\n%s", got, r.log.String())
		}
	})
	t.Run("grace past the reset", func(t *testing.T) {
		reset()
		r := newShutdownRig(t, time.Date(2026, 12, 14, 23, 50, 0, 0, time.UTC))
		boot(5 * 60)
		r.event("2026-11-15")
		if got := shutdowns(); len(got) != 0 || !strings.Contains(r.log.String(), "the cycle resets on 2026-12-15, before a shutdown in 25 min: not shutting down") {
			t.Errorf("shutdowns %q\n%s", got, r.log.String())
		}
	})
	t.Run("forged cycles", func(t *testing.T) {
		reset()
		r := newShutdownRig(t, dec5)
		forged := []string{"2026-05-15", "2026-06-15", "2026-07-15", "2026-08-15", "2026-10-15", "2026-12-15"}
		for i, cycle := range forged {
			boot(3600 + i) // a boot each, past the grace
			r.event(cycle)
		}
		if got := shutdowns(); len(got) != 0 {
			t.Errorf("%d shutdowns for %d forged cycles: %q\n%s", len(got), len(forged), got, r.log.String())
		}
		if n := strings.Count(r.log.String(), "refused: not run"); n != len(forged) {
			t.Errorf("%d events refused, want %d\n%s", n, len(forged), r.log.String())
		}
		// The real one, then forged copies of it after more boots.
		r.event("2026-11-15")
		for i := range 3 {
			boot(7200 + i)
			r.event("2026-11-15")
		}
		if got := shutdowns(); len(got) != 1 {
			t.Errorf("shutdowns %q, want 1\n%s", got, r.log.String())
		}
	})
	t.Run("late backlog", func(t *testing.T) {
		reset()
		r := newShutdownRig(t, dec5)
		boot(3600)
		r.event("2026-10-15") // October's 100 %, run in December
		if got := shutdowns(); len(got) != 0 || !strings.Contains(r.log.String(), `the current cycle began on 2026-11-15`) {
			t.Errorf("shutdowns %q\n%s", got, r.log.String())
		}
	})
	t.Run("two boots in one cycle", func(t *testing.T) {
		reset()
		r := newShutdownRig(t, dec5)
		boot(3600)
		r.event("2026-11-15")
		// The machine came back in the same cycle, and the daemon, its
		// state lost, reports 100 % again.
		r.now = dec5.Add(2 * time.Hour)
		boot(20 * 60)
		r.event("2026-11-15")
		if got := shutdowns(); len(got) != 1 || !strings.HasPrefix(got[0], "3600 -h +10 ") ||
			!strings.Contains(r.log.String(), "already shut down once in the cycle that began on 2026-11-15") {
			t.Errorf("shutdowns %q\n%s", got, r.log.String())
		}
		// The next cycle shuts down again.
		r.now = time.Date(2026, 12, 16, 12, 0, 0, 0, time.UTC)
		boot(3600)
		r.event("2026-12-15")
		if got := shutdowns(); len(got) != 2 {
			t.Errorf("shutdowns %q, want a second in the next cycle\n%s", got, r.log.String())
		}
	})
}

// tcState is what tc shows of link's shaping: qdiscs and classes.
func tcState(t *testing.T, link string) string {
	t.Helper()
	q, err := exec.Command("tc", "qdisc", "show", "dev", link).CombinedOutput()
	if err != nil {
		t.Fatalf("tc qdisc show: %v: %s", err, q)
	}
	c, err := exec.Command("tc", "-d", "class", "show", "dev", link).CombinedOutput()
	if err != nil {
		t.Fatalf("tc class show: %v: %s", err, c)
	}
	// htb's direct_packets_stat counts packets, it is no shaping.
	return regexp.MustCompile(` direct_packets_stat \d+`).ReplaceAllString(string(q), "") + string(c)
}

// throttleScript runs scripts/actions/tc-throttle.sh with the variables
// the runner gives it for event, root's interfaces ifaces.
func throttleScript(t *testing.T, dir, event, ifaces string) (string, error) {
	t.Helper()
	script, err := filepath.Abs("../../scripts/actions/tc-throttle.sh")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(script)
	cmd.Dir = "/"
	cmd.Env = []string{actions.CommandPath, "VNSTAT_EXPORTER_EVENT=" + event, "VNSTAT_EXPORTER_THRESHOLD=100",
		"VNSTAT_EXPORTER_CYCLE_START=2026-11-15", "VNSTAT_EXPORTER_RESETS_ON=2026-12-15", "VNSTAT_EXPORTER_INTERFACES=" + ifaces,
		"RATE=4mbit", "THROTTLE_DIR=" + dir}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestThrottlePutsBackShaping: with the admin's htb (classes and a leaf
// qdisc) on one interface, a 50 Mbit tbf on another and the kernel's
// default on a third, tc-throttle.sh throttles all three (traffic runs at
// the throttled rate, within 20 %) and the new cycle puts back exactly
// what was there. Names too long or not on the host, and shaping it could
// not put back (tc filters), are refused and left alone.
func TestThrottlePutsBackShaping(t *testing.T) {
	n := newTestNet(t)
	for _, cmd := range []string{"tc", "jq"} {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Skipf("needs %s (apt-get install iproute2 jq)", cmd)
		}
	}
	id := strconv.Itoa(os.Getpid() % 100000)
	tbfLink, defLink := "vnxa"+id, "vnxb"+id
	mustRun(t, "ip", "link", "add", tbfLink, "type", "veth", "peer", "name", defLink)
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", tbfLink).Run() })
	mustRun(t, "ip", "link", "set", tbfLink, "up")
	mustRun(t, "ip", "link", "set", defLink, "up")
	for _, args := range [][]string{
		{"qdisc", "add", "dev", n.Host, "root", "handle", "1:", "htb", "default", "10"},
		{"class", "add", "dev", n.Host, "parent", "1:", "classid", "1:1", "htb", "rate", "200mbit"},
		{"class", "add", "dev", n.Host, "parent", "1:1", "classid", "1:10", "htb", "rate", "50mbit", "ceil", "200mbit", "burst", "15k", "prio", "2"},
		{"qdisc", "add", "dev", n.Host, "parent", "1:10", "handle", "10:", "pfifo", "limit", "500"},
		{"qdisc", "add", "dev", tbfLink, "root", "handle", "5:", "tbf", "rate", "50mbit", "burst", "64kb", "latency", "50ms"},
	} {
		mustRun(t, "tc", args...)
	}
	links := []string{n.Host, tbfLink, defLink}
	before := map[string]string{}
	for _, l := range links {
		before[l] = tcState(t, l)
	}
	dir := filepath.Join(t.TempDir(), "throttle")
	out, err := throttleScript(t, dir, "threshold", strings.Join(links, ","))
	if err != nil {
		t.Fatalf("throttle: %v\n%s", err, out)
	}
	for _, l := range links {
		if q := qdisc(t, l); !strings.Contains(q, "qdisc tbf 1e55: root") || !strings.Contains(q, "rate 4Mbit") {
			t.Errorf("%s throttled: %s", l, q)
		}
	}
	rate := throughput(t, n)
	t.Logf("throttled to 4 Mbit/s: %.2f Mbit/s of TCP payload", rate/1e6)
	if rate < 0.8*4e6 || rate > 1.2*4e6 {
		t.Errorf("throttled to 4 Mbit/s, traffic ran at %.2f Mbit/s", rate/1e6)
	}
	// Throttled again (a second 100 % event): what was saved stays.
	if out, err := throttleScript(t, dir, "threshold", n.Host); err != nil || !strings.Contains(out, "stays throttled") {
		t.Errorf("second throttle: %v\n%s", err, out)
	}
	out, err = throttleScript(t, dir, "new_cycle", strings.Join(links, ","))
	if err != nil {
		t.Fatalf("lift: %v\n%s", err, out)
	}
	for _, l := range links {
		if got := tcState(t, l); got != before[l] {
			t.Errorf("%s after the lift:\n%s\nbefore:\n%s", l, got, before[l])
		}
	}
	if rate := throughput(t, n); rate < 20e6 {
		t.Errorf("lifted, traffic ran at %.2f Mbit/s", rate/1e6)
	}

	// Refused, and nothing touched: a name tc would cut to another
	// interface's, one not on the host, and shaping with filters.
	long := "vnxl" + id + strings.Repeat("x", 15-len("vnxl"+id))
	mustRun(t, "ip", "link", "add", long, "type", "veth", "peer", "name", "vnxm"+id)
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", long).Run() })
	mustRun(t, "tc", "filter", "add", "dev", n.Host, "parent", "1:", "protocol", "ip", "prio", "1", "u32", "match", "ip", "dst", n.PeerAddr+"/32", "flowid", "1:10")
	withFilter := tcState(t, n.Host)
	for ifaces, want := range map[string]string{
		long + "abc": "refusing interface name '" + long + "abc': longer than 15 bytes",
		"vnxz" + id:  "refusing interface 'vnxz" + id + "': not on this host",
		n.Host:       "not throttling " + n.Host + ": it has tc filters (parent 1:)",
	} {
		out, err := throttleScript(t, dir, "threshold", ifaces)
		if exitCode(err) != 1 || !strings.Contains(out, want) {
			t.Errorf("%s: %v\n%s", ifaces, err, out)
		}
	}
	if q := qdisc(t, long); strings.Contains(q, "tbf") {
		t.Errorf("%s throttled for a longer name: %s", long, q)
	}
	if got := tcState(t, n.Host); got != withFilter {
		t.Errorf("shaping with a filter changed:\n%s", got)
	}
}

// throughput sends TCP to the namespace's end for three seconds and
// returns the payload rate in bits per second the receiver saw between
// its first read after half a second and its last.
func throughput(t *testing.T, n *testNet) float64 {
	t.Helper()
	ln := n.listen(t)
	type sample struct {
		at    time.Time
		bytes int64
	}
	got := make(chan []sample, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		var s []sample
		var total int64
		buf := make([]byte, 64<<10)
		for {
			k, err := c.Read(buf)
			total += int64(k)
			s = append(s, sample{time.Now(), total})
			if err != nil {
				got <- s
				return
			}
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 32<<10)
	_ = c.SetWriteDeadline(time.Now().Add(3 * time.Second))
	for {
		if _, err := c.Write(buf); err != nil {
			break
		}
	}
	c.Close()
	s := <-got
	if len(s) < 2 {
		t.Fatal("nothing received")
	}
	start := s[0].at.Add(500 * time.Millisecond)
	var first, last *sample
	for i := range s {
		if s[i].at.Before(start) {
			continue
		}
		if first == nil {
			first = &s[i]
		}
		if s[i].at.Before(s[0].at.Add(3 * time.Second)) {
			last = &s[i]
		}
	}
	if first == nil || last == nil || !last.at.After(first.at) {
		t.Fatalf("too few reads to measure: %d", len(s))
	}
	return float64(last.bytes-first.bytes) * 8 / last.at.Sub(first.at).Seconds()
}
