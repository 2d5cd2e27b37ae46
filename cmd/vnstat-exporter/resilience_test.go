package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// TestPortInUse: a port someone holds ends the program at once, non-zero,
// with a line that says so.
func TestPortInUse(t *testing.T) {
	bin := buildBinary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "LISTEN_HOST=127.0.0.1", "PORT="+port, "VNSTAT_DBDIR="+t.TempDir())
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("still running with its port in use")
	}
	t.Logf("exited %v after start: %s", time.Since(start).Round(time.Millisecond), strings.TrimSpace(out.String()))
	if code := cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(out.String(), "address already in use") {
		t.Errorf("exit code %d, output %q; want 1 and address already in use", code, out.String())
	}
}

// TestSIGTERMDuringPollAndSlowRequest: SIGTERM while a poll waits on a
// locked database and a client holds a request half-sent ends the
// program within the 5 s shutdown bound, with exit code 0.
func TestSIGTERMDuringPollAndSlowRequest(t *testing.T) {
	testrig.Long(t)
	testrig.Vnstat(t)
	bin := buildBinary(t)
	now, today := localToday()
	dir := buildDB(t, []vnstattest.Iface{{Name: "lo", Created: today, Updated: now}})
	lockDB(t, filepath.Join(dir, "vnstat.db"))
	d := startDaemon(t, bin, "VNSTAT_DBDIR="+dir, "INTERFACES=lo", "POLL_INTERVAL=1s")
	// The first poll waits on the lock: no data yet.
	d.waitFor(t, detailsPath, http.StatusServiceUnavailable)
	c, err := net.Dial("tcp", strings.TrimPrefix(d.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("GET /health HTTP/1.1\r\nHost: x\r\n")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	code := d.stop(t)
	took := time.Since(start)
	t.Logf("exit code %d %v after SIGTERM", code, took.Round(time.Millisecond))
	if code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	if took > 8*time.Second {
		t.Errorf("took %v to exit; the shutdown grace is 4 s", took)
	}
}

// scrapeFamilies reads the daemon's metrics (METRICS_PATH=/metrics).
func scrapeFamilies(t *testing.T, d *daemon) map[string]*dto.MetricFamily {
	t.Helper()
	code, text := d.get(t, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// scrapeGauge reads one unlabelled sample from the daemon's metrics.
func scrapeGauge(t *testing.T, d *daemon, name string) float64 {
	t.Helper()
	f, ok := scrapeFamilies(t, d)[name]
	if !ok || len(f.GetMetric()) == 0 {
		t.Fatalf("no %s", name)
	}
	return f.GetMetric()[0].GetGauge().GetValue()
}

func openFiles(t *testing.T, pid int) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestManyClientsAndSoak drives 1,000 concurrent keep-alive clients at the
// webhook for 30 s while the daemon polls every second: no error answers,
// bounded memory, goroutines back to their baseline afterwards; then 20
// more polls with no growth in open files or memory.
func TestManyClientsAndSoak(t *testing.T) {
	testrig.Long(t)
	testrig.Vnstat(t)
	bin := buildBinary(t)
	now, today := localToday()
	dir := buildDB(t, []vnstattest.Iface{
		{Name: "lo", Created: today.AddDate(0, 0, -62), Updated: now, Days: vnstattest.Series(today, 62, 3, true)},
	})
	d := startDaemon(t, bin, "VNSTAT_DBDIR="+dir, "INTERFACES=lo", "POLL_INTERVAL=1s", "METRICS_PATH=/metrics", "LOG_LEVEL=info")
	d.waitFor(t, e2eSecret, http.StatusOK)
	pid := d.cmd.Process.Pid
	baseline := scrapeGauge(t, d, "go_goroutines")
	rssBefore := statusKB(t, pid, "VmRSS")

	const clients = 1000
	duration := 30 * time.Second
	var ok, bad atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	stopAt := time.Now().Add(duration)
	transports := make([]*http.Transport, clients)
	for i := range clients {
		tr := &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1, DisableCompression: true}
		transports[i] = tr
		client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
		wg.Go(func() {
			for time.Now().Before(stopAt) {
				resp, err := client.Get(d.url + e2eSecret)
				if err != nil {
					bad.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					time.Sleep(10 * time.Millisecond)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					ok.Add(1)
				} else {
					bad.Add(1)
					firstErr.CompareAndSwap(nil, resp.Status)
				}
			}
		})
	}
	wg.Wait()
	peak := statusKB(t, pid, "VmHWM")
	t.Logf("%d clients, %v: %d answers 200, %d errors; daemon RSS %d KiB before, peak %d KiB", clients, duration, ok.Load(), bad.Load(), rssBefore, peak)
	if bad.Load() != 0 || ok.Load() == 0 {
		t.Errorf("%d failed requests (first: %v)", bad.Load(), firstErr.Load())
	}
	if peak > 200<<10 {
		t.Errorf("peak RSS %d KiB under load", peak)
	}
	for _, tr := range transports {
		tr.CloseIdleConnections()
	}
	var after float64
	deadline := time.Now().Add(20 * time.Second)
	for {
		after = scrapeGauge(t, d, "go_goroutines")
		if after <= baseline+2 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("goroutines %v after the load, baseline %v", after, baseline)
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("goroutines: baseline %v, after the load %v", baseline, after)

	// Soak: 20 more polls, nothing grows.
	fds0, rss0 := openFiles(t, pid), statusKB(t, pid, "VmRSS")
	d.waitLogged(t, "polled vnstat", strings.Count(d.logs.String(), "polled vnstat")+20)
	fds1, rss1 := openFiles(t, pid), statusKB(t, pid, "VmRSS")
	t.Logf("soak over 20 polls: open files %d -> %d, RSS %d -> %d KiB", fds0, fds1, rss0, rss1)
	if fds1 > fds0 {
		t.Errorf("open files grew from %d to %d", fds0, fds1)
	}
	if rss1 > rss0+4<<10 {
		t.Errorf("RSS grew from %d to %d KiB over 20 polls", rss0, rss1)
	}
	d.waitLogged(t, "polled vnstat", 40)
	if code := d.stop(t); code != 0 {
		t.Errorf("exit code %d", code)
	}
}

// TestLogReaderGone: the process reading the daemon's logs exits (a pipe
// to `logger` or s6-log closed); the daemon keeps serving, although every
// log line it writes then fails.
func TestLogReaderGone(t *testing.T) {
	testrig.Vnstat(t)
	b := buildBinary(t)
	now, today := localToday()
	dir := buildDB(t, []vnstattest.Iface{{Name: "lo", Created: today.AddDate(0, 0, -3), Updated: now, Days: vnstattest.Series(today, 3, 1, false)}})
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(freePort(t))
	cmd := exec.Command(b)
	cmd.Env = append(os.Environ(), "LISTEN_HOST=127.0.0.1", "PORT="+port, "LOG_LEVEL=debug", "VNSTAT_DBDIR="+dir,
		"INTERFACES=lo", "POLL_INTERVAL=1s", "WEBHOOK_PATH="+e2eSecret)
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	url := "http://127.0.0.1:" + port + "/health"
	deadline := time.Now().Add(20 * time.Second)
	for {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the daemon never answered /health 200")
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.Close() // the log reader goes away
	// Every request and poll now writes a debug line into the closed pipe.
	for i := range 30 {
		resp, err := http.Get(url)
		if err != nil {
			select {
			case err := <-done:
				t.Fatalf("the daemon died after its log reader went away: %v", err)
			default:
			}
			t.Fatalf("request %d: %v", i, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
		done <- nil
		if code := cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("exit code %d after SIGTERM, want 0", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
}

// TestSIGHUPReloadsVnstatConfig: SIGHUP reads vnstat's config again and
// polls at once, instead of killing the daemon. The database misses days
// of the cycle: with TrafficlessEntries 1 they are a gap (degraded), after
// the file says 0 and a SIGHUP they are idle days (ok). The cycle starts
// ten days ago, so that it holds the missing days on any date.
func TestSIGHUPReloadsVnstatConfig(t *testing.T) {
	testrig.Vnstat(t)
	now, today := localToday()
	start := today.AddDate(0, 0, -10)
	var days []vnstattest.Day
	for _, d := range vnstattest.Series(today, 40, 2, false) {
		if !d.Date.Equal(today) && !d.Date.Equal(today.AddDate(0, 0, -5)) {
			days = append(days, d)
		}
	}
	dir := t.TempDir()
	conf, err := vnstattest.BuildConf(context.Background(), dir, []vnstattest.Iface{
		{Name: "lo", Created: today.AddDate(0, 0, -50), Updated: now.Add(-time.Minute), Days: days}}, "TrafficlessEntries 1")
	if err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, buildBinary(t), "VNSTAT_CONFIG="+conf, "INTERFACES=lo", "POLL_INTERVAL=1h", "LIVE=false",
		"START_DAY="+strconv.Itoa(start.Day()))
	d.waitFor(t, detailsPath, http.StatusOK, `"status":"degraded"`, "vnstat has no row for")

	if err := os.WriteFile(conf, []byte(fmt.Sprintf("DatabaseDir %q\nTrafficlessEntries 0\n", dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// No poll is due for an hour: only the reload can make it ok.
	d.waitFor(t, detailsPath, http.StatusOK, `"status":"ok"`)
	// The log is copied from the daemon's pipe by a goroutine: the line
	// may arrive after the answer.
	d.waitLogged(t, "reloaded vnstat's config component=poller daily_days=62 trafficless_entries=false", 1)
	if code := d.stop(t); code != 0 {
		t.Errorf("exit code %d after SIGTERM", code)
	}
}
