package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netns"

	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// testNet is a network namespace with a veth pair: Host is the end on the
// host, Peer the end inside the namespace at PeerAddr.
type testNet struct {
	NS, Host, Peer string
	HostAddr       string
	PeerAddr       string
}

// run runs a setup command and fails the test if it fails.
func mustRun(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}

// newTestNet makes the namespace and the veth pair, with IPv6 off on both
// ends so that no neighbour discovery adds traffic the test did not send,
// and removes them when the test ends, failed or not. It skips the test
// when it cannot run: not root, or no ip command, or no namespaces.
func newTestNet(t *testing.T) *testNet {
	t.Helper()
	testrig.Root(t, "to create a network namespace and a veth pair")
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs the ip command (apt-get install iproute2)")
	}
	id := strconv.Itoa(os.Getpid() % 100000)
	// 198.18.0.0/15 is reserved for benchmarking, not routed anywhere. Each
	// test process takes a /30 of its own, by its process ID, so that two
	// at once (two packages, or a developer's run beside CI's) do not
	// route each other's traffic.
	subnet := 0xc6120000 + uint32(os.Getpid()%32768)*4
	addr := func(host uint32) string {
		a := subnet + host
		return fmt.Sprintf("%d.%d.%d.%d", a>>24, a>>16&0xff, a>>8&0xff, a&0xff)
	}
	n := &testNet{NS: "vnx-e2e-" + id, Host: "vnxh" + id, Peer: "vnxp" + id, HostAddr: addr(1), PeerAddr: addr(2)}
	if out, err := exec.Command("ip", "netns", "add", n.NS).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace here: %v: %s", err, out)
	}
	t.Cleanup(func() {
		_ = exec.Command("ip", "link", "del", n.Host).Run()
		_ = exec.Command("ip", "netns", "del", n.NS).Run()
	})
	mustRun(t, "ip", "link", "add", n.Host, "type", "veth", "peer", "name", n.Peer)
	mustRun(t, "ip", "link", "set", n.Peer, "netns", n.NS)
	mustRun(t, "sysctl", "-q", "-w", "net.ipv6.conf."+n.Host+".disable_ipv6=1")
	mustRun(t, "ip", "netns", "exec", n.NS, "sysctl", "-q", "-w", "net.ipv6.conf."+n.Peer+".disable_ipv6=1")
	mustRun(t, "ip", "addr", "add", n.HostAddr+"/30", "dev", n.Host)
	mustRun(t, "ip", "-n", n.NS, "addr", "add", n.PeerAddr+"/30", "dev", n.Peer)
	mustRun(t, "ip", "-n", n.NS, "link", "set", "lo", "up")
	mustRun(t, "ip", "-n", n.NS, "link", "set", n.Peer, "up")
	mustRun(t, "ip", "link", "set", n.Host, "up")
	return n
}

// listen opens a TCP listener inside the namespace. The socket stays in
// the namespace it was made in, so the rest of the test can use it from
// any thread.
func (n *testNet) listen(t *testing.T) net.Listener {
	t.Helper()
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	defer orig.Close()
	target, err := netns.GetFromName(n.NS)
	if err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	defer target.Close()
	if err := netns.Set(target); err != nil {
		runtime.UnlockOSThread()
		t.Fatal(err)
	}
	ln, lerr := net.Listen("tcp", net.JoinHostPort(n.PeerAddr, "0"))
	if err := netns.Set(orig); err != nil {
		// The thread is in the wrong namespace: leave it locked so the
		// runtime discards it with this goroutine.
		t.Fatalf("restoring the network namespace: %v", err)
	}
	runtime.UnlockOSThread()
	if lerr != nil {
		t.Fatal(lerr)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

// counters reads the kernel's byte counters of the host end.
func (n *testNet) counters(t *testing.T) (rx, tx uint64) {
	t.Helper()
	return sysCounters(t, n.Host)
}

// settled reads the host end's counters once they stop moving: the last
// packets of a closed connection (FIN and ACK) cross after transfer returns.
func (n *testNet) settled(t *testing.T) (rx, tx uint64) {
	t.Helper()
	rx, tx = n.counters(t)
	for range 50 {
		time.Sleep(200 * time.Millisecond)
		rx2, tx2 := n.counters(t)
		if rx2 == rx && tx2 == tx {
			return rx, tx
		}
		rx, tx = rx2, tx2
	}
	t.Fatalf("counters of %s never settled", n.Host)
	return 0, 0
}

// sink serves the namespace's side of the test traffic: a connection
// sends one line "up N" (then N bytes the server reads) or "down N" (the
// server writes N bytes back).
func sink(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			var dir string
			var n int64
			if _, err := fmt.Fscanf(c, "%s %d\n", &dir, &n); err != nil {
				return
			}
			if dir == "up" {
				_, _ = io.CopyN(io.Discard, c, n)
				_, _ = c.Write([]byte("k"))
			} else {
				_, _ = io.CopyN(c, zeros{}, n)
			}
		}()
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// transfer sends up bytes to the namespace and fetches down bytes from it,
// each over its own TCP connection that the host opens.
func transfer(t *testing.T, addr string, up, down int64) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "up %d\n", up)
	if _, err := io.CopyN(c, zeros{}, up); err != nil {
		t.Fatal(err)
	}
	ack := make([]byte, 1)
	if _, err := io.ReadFull(c, ack); err != nil {
		t.Fatal(err)
	}
	c.Close()

	c, err = net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "down %d\n", down)
	if n, err := io.Copy(io.Discard, c); err != nil || n != down {
		t.Fatalf("downloaded %d of %d bytes: %v", n, down, err)
	}
}

// vnstatd is a real vnstat daemon with its own config, database, log and
// pid file in a temporary directory.
type vnstatd struct {
	cmd    *exec.Cmd
	dbdir  string
	conf   string
	logf   string
	exited chan struct{}
}

func startVnstatd(t *testing.T, saveMinutes int, env ...string) *vnstatd {
	t.Helper()
	return startVnstatdWith(t, saveMinutes, "", env...)
}

// startVnstatdWith starts vnstatd with extra lines in its config.
func startVnstatdWith(t *testing.T, saveMinutes int, extra string, env ...string) *vnstatd {
	t.Helper()
	dir := t.TempDir()
	d := &vnstatd{dbdir: filepath.Join(dir, "db"), conf: filepath.Join(dir, "vnstat.conf"), logf: filepath.Join(dir, "vnstatd.log"), exited: make(chan struct{})}
	if err := os.Mkdir(d.dbdir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The shortest intervals vnstat 2.10 accepts: it refuses an
	// UpdateInterval or PollInterval below 2 s; SaveInterval is in
	// minutes (1 to 60). Tests make vnstatd save at once with SIGHUP.
	conf := fmt.Sprintf("DatabaseDir %q\nUpdateInterval 2\nPollInterval 2\nSaveInterval %d\nOfflineSaveInterval %d\nUseLogging 1\nLogFile %q\nPidFile %q\n",
		d.dbdir, saveMinutes, saveMinutes, d.logf, filepath.Join(dir, "vnstatd.pid"))
	if err := os.WriteFile(d.conf, []byte(conf+extra), 0o644); err != nil {
		t.Fatal(err)
	}
	// Create the database first: a vnstat reading it while vnstatd creates
	// it can catch it without its version, and make vnstatd fail to write it.
	init := exec.Command("vnstatd", "--initdb", "--config", d.conf)
	init.Env = append(os.Environ(), env...)
	if out, err := init.CombinedOutput(); err != nil {
		t.Fatalf("vnstatd --initdb: %v: %s", err, out)
	}
	d.run(t, env...)
	d.waitStarted(t)
	return d
}

// run starts vnstatd on d's config and database (again, once it has
// exited), and stops it when the test ends.
func (d *vnstatd) run(t *testing.T, env ...string) {
	t.Helper()
	d.exited = make(chan struct{})
	d.cmd = exec.Command("vnstatd", "--nodaemon", "--config", d.conf)
	d.cmd.Env = append(os.Environ(), env...)
	// In the foreground vnstatd prints its messages instead of logging
	// them: they go to the same file.
	out, err := os.OpenFile(d.logf, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	d.cmd.Stdout, d.cmd.Stderr = out, out
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cmd, exited := d.cmd, d.exited
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			b, _ := os.ReadFile(d.logf)
			t.Logf("vnstatd log:\n%s", b)
		}
	})
}

// waitStarted waits until vnstatd logs that it has started. Until then
// it has no SIGHUP handler, and a SIGHUP kills it (exit 129): it adds
// the interfaces to its database before that, so seeing them there is
// not enough (CI once lost vnstatd this way, and the test waited two
// minutes for a save).
func (d *vnstatd) waitStarted(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, _ := os.ReadFile(d.logf)
		if bytes.Contains(b, []byte("vnStat daemon")) && bytes.Contains(b, []byte(" started.")) {
			return
		}
		select {
		case <-d.exited:
			t.Fatalf("vnstatd exited while starting: %v", d.cmd.ProcessState)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("vnstatd did not log that it started")
		}
	}
}

// report runs the real vnstat on the daemon's database, as a user would,
// and returns each interface's daily rows from begin on.
func (d *vnstatd) report(t *testing.T, begin time.Time) map[string][]vnstattest.CLIDay {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := vnstattest.CLIDaily(ctx, d.dbdir, "", begin, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// rows sums vnstat's daily rows of iface; ok is false when vnstat does
// not have the interface yet.
func rows(r map[string][]vnstattest.CLIDay, iface string) (rx, tx uint64, ok bool) {
	days, ok := r[iface]
	for _, d := range days {
		rx += d.RX
		tx += d.TX
	}
	return rx, tx, ok
}

// waitSaved makes vnstatd save (SIGHUP writes its cache) until vnstat's
// daily rows for iface reach want, within a bounded time.
func (d *vnstatd) waitSaved(t *testing.T, iface string, begin time.Time, wantRX, wantTX uint64) (rx, tx uint64) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		_ = d.cmd.Process.Signal(syscall.SIGHUP)
		time.Sleep(time.Second)
		var ok bool
		rx, tx, ok = rows(d.report(t, begin), iface)
		if ok && rx >= wantRX && tx >= wantTX {
			return rx, tx
		}
		if time.Now().After(deadline) {
			t.Fatalf("vnstat's rows for %s reached %d/%d bytes, want %d/%d", iface, rx, tx, wantRX, wantTX)
		}
	}
}

// waitTracks waits until vnstatd has added iface and saved it once (a
// day row: until then vnstat holds no counters of it, as after vnstat
// --add, and there is no live part).
func (d *vnstatd) waitTracks(t *testing.T, iface string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		out, _ := exec.Command("vnstat", "--dbdir", d.dbdir, "--dbiflist", "1").Output()
		if slices.Contains(strings.Fields(string(out)), iface) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("vnstatd did not add %s: %q", iface, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	d.hupUntil(t, "add and save "+iface+" (a day row)", func() bool {
		out, _ := exec.Command("sqlite3", filepath.Join(d.dbdir, "vnstat.db"),
			"SELECT count(*) FROM day JOIN interface ON day.interface = interface.id WHERE interface.name = '"+iface+"'").Output()
		return strings.TrimSpace(string(out)) != "" && strings.TrimSpace(string(out)) != "0"
	})
}

// hupUntil makes vnstatd save (SIGHUP) until saved says it has, checked
// every 200 ms, failing the test after two minutes with what vnstatd did
// not do. vnstatd handles SIGHUP once it has started. A SIGHUP also makes
// it read its config again, and a save needs a read of the counters
// (every UpdateInterval, 2 s) since: SIGHUPs at a fixed cadence can fall
// in step with vnstatd's loop and always come before that read (seen
// twice, "did not add and save" after 60 s of SIGHUPs every 2.5 s). So
// the pause between them grows, 2.5 s more each time, and the deadline
// allows the SaveInterval's own save too.
func (d *vnstatd) hupUntil(t *testing.T, what string, saved func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for pause := 2500 * time.Millisecond; ; pause += 2500 * time.Millisecond {
		_ = d.cmd.Process.Signal(syscall.SIGHUP)
		for wait := time.Now().Add(pause); time.Now().Before(wait); {
			time.Sleep(200 * time.Millisecond)
			if saved() {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("vnstatd did not %s", what)
			}
		}
	}
}

type healthResponse struct {
	Status     string   `json:"status"`
	Error      string   `json:"error"`
	Interfaces []string `json:"interfaces"`
}

// TestRealVnstatd runs a real vnstatd on a veth pair with real traffic and
// holds the daemon's answers against vnstat's own rows and the kernel's
// counters.
func TestRealVnstatd(t *testing.T) {
	testrig.Long(t)
	n, ln, vd, bin := vethWithVnstatd(t, 1)
	// vnstatd counts from its first read of the counters, made when it
	// started; nothing crosses the veth until the test sends.
	rx0, tx0 := n.counters(t)

	d := startDaemon(t, bin, "VNSTAT_DBDIR="+vd.dbdir, "INTERFACES="+n.Host, "POLL_INTERVAL=1s")

	_, today := localToday()
	begin := cycleStart(today, 1)

	const up1, down1 = 6 << 20, 3 << 20
	transfer(t, ln.Addr().String(), up1, down1)
	rx1, tx1 := n.counters(t)
	kRX, kTX := rx1-rx0, tx1-tx0
	vRX, vTX := vd.waitSaved(t, n.Host, begin, kRX, kTX)

	check := func(round string, vRX, vTX, kRX, kTX, upTotal, downTotal uint64) webhookResponse {
		t.Helper()
		var got webhookResponse
		deadline := time.Now().Add(15 * time.Second)
		for {
			_ = json.Unmarshal(d.waitFor(t, e2eSecret, http.StatusOK), &got)
			if got.InBytes == vRX && got.OutBytes == vTX {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: webhook in/out %d/%d never reached vnstat's rows %d/%d", round, got.InBytes, got.OutBytes, vRX, vTX)
			}
			time.Sleep(100 * time.Millisecond)
		}
		// vnstat saw exactly what the kernel counted since vnstatd started
		// (nothing else crosses the veth), and that is what was sent plus
		// TCP/IP headers, handshakes and ARP.
		if vRX != kRX || vTX != kTX {
			t.Errorf("%s: vnstat rows %d/%d differ from the kernel's deltas %d/%d", round, vRX, vTX, kRX, kTX)
		}
		if got.OutBytes < upTotal || got.OutBytes > upTotal+upTotal/10+64<<10 {
			t.Errorf("%s: out_bytes %d not within sent %d plus protocol overhead", round, got.OutBytes, upTotal)
		}
		if got.InBytes < downTotal || got.InBytes > downTotal+downTotal/10+64<<10 {
			t.Errorf("%s: in_bytes %d not within fetched %d plus protocol overhead", round, got.InBytes, downTotal)
		}
		if got.In.String() != mibString(got.InBytes) || got.Out.String() != mibString(got.OutBytes) {
			t.Errorf("%s: in/out %s/%s, want %s/%s MiB", round, got.In, got.Out, mibString(got.InBytes), mibString(got.OutBytes))
		}
		if got.StartDate != begin.Format(time.DateOnly) {
			t.Errorf("%s: start_date %s", round, got.StartDate)
		}
		t.Logf("%s: sent %d up / %d down; kernel %d/%d; vnstat %d/%d; webhook out/in %d/%d (%s/%s MiB)",
			round, upTotal, downTotal, kTX, kRX, vTX, vRX, got.OutBytes, got.InBytes, got.Out, got.In)
		if code, body := d.get(t, detailsPath); code != http.StatusOK {
			t.Errorf("%s: /health %d %s while vnstatd runs", round, code, body)
		}
		return got
	}
	check("first transfer", vRX, vTX, kRX, kTX, up1, down1)

	// More traffic shows up at the poll after vnstat saves it.
	const up2, down2 = 2 << 20, 5 << 20
	transfer(t, ln.Addr().String(), up2, down2)
	rx2, tx2 := n.counters(t)
	kRX, kTX = rx2-rx0, tx2-tx0
	vRX, vTX = vd.waitSaved(t, n.Host, begin, kRX, kTX)
	good := check("second transfer", vRX, vTX, kRX, kTX, up1+up2, down1+down2)

	// Take the database away (vnstatd keeps writing the file it has
	// open): /health turns 503 at the next poll, naming the file and the
	// error, while the webhook keeps the last good numbers.
	db := filepath.Join(vd.dbdir, "vnstat.db")
	if err := os.Rename(db, db+".away"); err != nil {
		t.Fatal(err)
	}
	body := d.waitFor(t, detailsPath, http.StatusServiceUnavailable, "reading vnstat's database "+db, "no such file or directory")
	var h healthResponse
	if err := json.Unmarshal(body, &h); err != nil || h.Status != "error" || !strings.Contains(h.Error, "last poll failed") {
		t.Errorf("/health while the database is gone: %s", body)
	}
	var kept webhookResponse
	code, wb := d.get(t, e2eSecret)
	if err := json.Unmarshal(wb, &kept); err != nil || code != http.StatusOK || kept.InBytes != good.InBytes || kept.OutBytes != good.OutBytes {
		t.Errorf("webhook while the database is gone: %d %s, want the last good %d/%d", code, wb, good.InBytes, good.OutBytes)
	}
	// Repair: the following poll recovers.
	if err := os.Rename(db+".away", db); err != nil {
		t.Fatal(err)
	}
	d.waitFor(t, detailsPath, http.StatusOK)

	// Automatic choice on the real machine: the host's real NICs that
	// vnstat tracks, never the veth.
	auto := startDaemon(t, bin, "VNSTAT_DBDIR="+vd.dbdir, "POLL_INTERVAL=1s")
	var inDB []string
	for name := range vd.report(t, begin) {
		inDB = append(inDB, name)
	}
	var want []string
	for _, nic := range physicalNICs(t) {
		if slices.Contains(inDB, nic) {
			want = append(want, nic)
		}
	}
	if len(want) == 0 {
		auto.waitFor(t, detailsPath, http.StatusServiceUnavailable, "no interface to report")
	} else {
		_ = json.Unmarshal(auto.waitFor(t, detailsPath, http.StatusOK), &h)
		slices.Sort(h.Interfaces)
		slices.Sort(want)
		if !slices.Equal(h.Interfaces, want) {
			t.Errorf("automatic choice %v, want the NICs %v", h.Interfaces, want)
		}
	}
	if !strings.Contains(auto.logs.String(), "interfaces chosen") || strings.Contains(auto.logs.String(), "interfaces=["+n.Host) {
		t.Errorf("automatic choice log:\n%s", auto.logs)
	}
	if slices.Contains(h.Interfaces, n.Host) {
		t.Errorf("the veth %s was chosen automatically", n.Host)
	}
}
