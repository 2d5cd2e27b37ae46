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

	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// faultScript is a VNSTAT_BIN that behaves as the mode file says: the real
// vnstat, or one of the ways vnstat or its output can go wrong.
const faultScript = `#!/bin/sh
mode=$(cat "$0.mode")
case $mode in
good) exec vnstat "$@" ;;
exit1) echo "Error: simulated failure on stderr" >&2; exit 1 ;;
hang) sleep 3599 & sleep 3598 ;;
garbage) echo "this is not json at all" ;;
truncated) vnstat "$@" | head -c 300 ;;
shape) echo '{"vnstatversion":"2.10","jsonversion":"2","interfaces":{"name":"lo"}}' ;;
v1) vnstat "$@" | sed 's/"jsonversion":"2"/"jsonversion":"1"/' ;;
negative) vnstat "$@" | sed 's/"rx":\([0-9]\)/"rx":-\1/g' ;;
huge) vnstat "$@" | sed 's/"tx":[0-9]*/"tx":9300000000000000000/g' ;;
fraction) vnstat "$@" | sed 's/"tx":\([0-9]*\)/"tx":\1.5/g' ;;
baddate) vnstat "$@" | sed 's/"month":\([0-9]*\),"day":\([0-9]*\)}/"month":2,"day":30}/g' ;;
big) head -c 100000000 /dev/zero | tr '\000' 'x' ;;
twice) vnstat "$@" | sed 's/"interfaces":\[\(.*\)\]}$/"interfaces":[\1,\1]}/' ;;
esac
`

// TestFaultsFromVnstat drives the daemon through every way vnstat can fail
// or lie: each must leave the daemon up, keep the last good answer (or 503
// before any), turn /health 503 with a reason that names the fault, and
// recover at the next good poll.
func TestFaultsFromVnstat(t *testing.T) {
	if why := vnstattest.Tools(); why != "" {
		t.Skip(why)
	}
	bin := buildBinary(t)
	now, today := localToday()
	dir := buildDB(t, []vnstattest.Iface{
		{Name: "lo", Created: today.AddDate(0, 0, -40), Updated: now, Days: vnstattest.Series(today, 40, 9, true)},
	})
	script := filepath.Join(t.TempDir(), "vnstat")
	setMode := func(mode string) {
		t.Helper()
		if err := os.WriteFile(script+".mode", []byte(mode+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(script, []byte(faultScript), 0o755); err != nil {
		t.Fatal(err)
	}

	// Broken from the start: 503 everywhere, never zeros.
	setMode("exit1")
	d := startDaemon(t, bin, "VNSTAT_BIN="+script, "VNSTAT_DBDIR="+dir, "INTERFACES=lo", "POLL_INTERVAL=1s",
		"VNSTAT_TIMEOUT=2s", "LIVE=false")
	d.waitFor(t, "/health", http.StatusServiceUnavailable, "simulated failure on stderr")
	if code, body := d.get(t, e2eSecret); code != http.StatusServiceUnavailable || strings.Contains(string(body), `"in"`) {
		t.Fatalf("webhook before any good poll: %d %s", code, body)
	}

	setMode("good")
	good := d.waitFor(t, e2eSecret, http.StatusOK)
	var goodResp webhookResponse
	if err := json.Unmarshal(good, &goodResp); err != nil || goodResp.InBytes == 0 {
		t.Fatalf("good answer %s", good)
	}
	d.waitFor(t, "/health", http.StatusOK)

	faults := []struct {
		mode, reason string
	}{
		{"exit1", "exit status 1: Error: simulated failure on stderr"},
		{"hang", "timed out after 2s"},
		{"garbage", "invalid character"},
		{"truncated", "unexpected EOF"},
		{"shape", "cannot unmarshal object"},
		{"v1", "unsupported vnstat JSON version: found jsonversion"},
		{"negative", "cannot unmarshal number -"},
		{"huge", "beyond 2^63-1"},
		{"fraction", "cannot unmarshal number"},
		{"baddate", "does not exist"},
		{"big", "output exceeds 4194304 bytes"},
		{"twice", "listed twice"},
		{"missing", "no such file or directory"},
	}
	for _, f := range faults {
		t.Run(f.mode, func(t *testing.T) {
			if f.mode == "missing" {
				if err := os.Rename(script, script+".away"); err != nil {
					t.Fatal(err)
				}
			} else {
				setMode(f.mode)
			}
			start := time.Now()
			d.waitFor(t, "/health", http.StatusServiceUnavailable, f.reason)
			took := time.Since(start)
			code, body := d.get(t, e2eSecret)
			var kept webhookResponse
			if err := json.Unmarshal(body, &kept); err != nil || code != http.StatusOK || kept.InBytes != goodResp.InBytes || kept.OutBytes != goodResp.OutBytes {
				t.Errorf("webhook during the fault: %d %s, want the last good %d/%d", code, body, goodResp.InBytes, goodResp.OutBytes)
			}
			if f.mode == "missing" {
				if err := os.Rename(script+".away", script); err != nil {
					t.Fatal(err)
				}
			}
			setMode("good")
			d.waitFor(t, "/health", http.StatusOK)
			t.Logf("%s: /health 503 after %v; recovered", f.mode, took.Round(time.Millisecond))
		})
	}

	// The hung vnstat and the children it started were killed; the daemon
	// reaped its own child.
	for _, marker := range []string{"3599", "3598"} {
		if pids := liveProcesses(t, "sleep", marker); len(pids) > 0 {
			t.Errorf("sleep %s still running after the timeout: %v", marker, pids)
		}
	}
	if kids := childrenOf(t, d.cmd.Process.Pid); len(kids) > 0 {
		t.Errorf("the daemon has children left: %v", kids)
	}
	// 100 MB of output was cut at the bound: memory stayed bounded.
	hwm := statusKB(t, d.cmd.Process.Pid, "VmHWM")
	t.Logf("daemon peak RSS (VmHWM) %d KiB after all faults, 100 MB output among them", hwm)
	if hwm > 80<<10 {
		t.Errorf("peak RSS %d KiB: the 100 MB output was not bounded", hwm)
	}
	if code := d.stop(t); code != 0 {
		t.Errorf("exit code %d", code)
	}
}

// liveProcesses lists the pids of processes, not zombies, whose command
// line is name followed by arg.
func liveProcesses(t *testing.T, name, arg string) []int {
	t.Helper()
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		cmdline, err := os.ReadFile(dir + "/cmdline")
		if err != nil || string(cmdline) != name+"\x00"+arg+"\x00" {
			continue
		}
		stat, err := os.ReadFile(dir + "/stat")
		if err != nil || strings.Contains(string(stat), ") Z ") {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(dir))
		pids = append(pids, pid)
	}
	return pids
}

// childrenOf lists the pids whose parent is pid, zombies included.
func childrenOf(t *testing.T, pid int) []int {
	t.Helper()
	var kids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		stat, err := os.ReadFile(dir + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			k, _ := strconv.Atoi(filepath.Base(dir))
			kids = append(kids, k)
		}
	}
	return kids
}

// statusKB reads a "Name: N kB" line of /proc/pid/status.
func statusKB(t *testing.T, pid int, name string) int {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, name+":"); ok {
			n, _ := strconv.Atoi(strings.Fields(rest)[0])
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", name, pid)
	return 0
}
