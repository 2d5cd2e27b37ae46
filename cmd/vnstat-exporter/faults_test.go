package main

import (
	"bufio"
	"encoding/json"
	"io"
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

// TestFaultsFromDatabase drives the daemon through the ways vnstat's
// database can be unreadable or hold what vnstatd cannot have written:
// each must leave the daemon up, keep the last good answer (or 503 before
// any), turn /health 503 with a reason that names the file and the fault,
// and recover at the next good poll.
func TestFaultsFromDatabase(t *testing.T) {
	testrig.Long(t)
	testrig.Vnstat(t)
	bin := buildBinary(t)
	now, today := localToday()
	good := buildDB(t, []vnstattest.Iface{
		{Name: "lo", Created: today.AddDate(0, 0, -40), Updated: now, Days: vnstattest.Series(today, 40, 9, true)},
	})
	dir := t.TempDir()
	db := filepath.Join(dir, "vnstat.db")
	// put makes the file at db by running make on a copy of the good
	// database in a scratch directory, then renaming it into place.
	put := func(make func(path string)) {
		t.Helper()
		tmp := filepath.Join(t.TempDir(), "vnstat.db")
		copyFile(t, filepath.Join(good, "vnstat.db"), tmp)
		make(tmp)
		if err := os.Rename(tmp, db); err != nil {
			t.Fatal(err)
		}
	}
	restore := func() { put(func(string) {}) }
	sql := func(stmt string) func(string) {
		return func(path string) {
			if out, err := exec.Command("sqlite3", path, stmt).CombinedOutput(); err != nil {
				t.Fatalf("sqlite3 %q: %v: %s", stmt, err, out)
			}
		}
	}
	write := func(text string) func(string) {
		return func(path string) {
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}

	// Broken from the start: 503 everywhere, never zeros.
	put(write("this is not a database\n"))
	d := startDaemon(t, bin, "VNSTAT_DBDIR="+dir, "INTERFACES=lo", "POLL_INTERVAL=1s", "LIVE=false")
	d.waitFor(t, detailsPath, http.StatusServiceUnavailable, "reading vnstat's database "+db)
	if code, body := d.get(t, e2eSecret); code != http.StatusServiceUnavailable || strings.Contains(string(body), `"in"`) {
		t.Fatalf("webhook before any good poll: %d %s", code, body)
	}

	restore()
	body := d.waitFor(t, e2eSecret, http.StatusOK)
	var goodResp webhookResponse
	if err := json.Unmarshal(body, &goodResp); err != nil || goodResp.InBytes == 0 {
		t.Fatalf("good answer %s", body)
	}
	d.waitFor(t, detailsPath, http.StatusOK)

	faults := []struct {
		name   string
		make   func(path string)
		reason string
	}{
		{"missing", nil, "no such file or directory"},
		{"a directory", nil, "not a regular file"},
		{"empty", write(""), "no such table: info"},
		{"not a database", write(strings.Repeat("garbage ", 1000)), "file is not a database"},
		{"truncated", func(path string) {
			if err := os.Truncate(path, 8192); err != nil {
				t.Fatal(err)
			}
		}, "malformed"},
		{"newer schema", sql("UPDATE info SET value='2' WHERE name='dbversion'"), "unsupported vnstat database version: dbversion"},
		{"negative counter", sql("UPDATE interface SET txcounter=-1"), "interface lo: negative counters"},
		{"negative row", sql("UPDATE day SET rx=-5"), "negative bytes"},
		{"impossible date", sql("UPDATE day SET date='" + today.Format("2006-01") + "-32' WHERE id=(SELECT max(id) FROM day)"), "-32\\\": not a date"},
		{"bad updated", sql("UPDATE interface SET updated='soon'"), "is not a date and time"},
	}
	for _, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			if f.make == nil {
				if err := os.Remove(db); err != nil {
					t.Fatal(err)
				}
				if f.name == "a directory" {
					if err := os.Mkdir(db, 0o755); err != nil {
						t.Fatal(err)
					}
				}
			} else {
				put(f.make)
			}
			start := time.Now()
			d.waitFor(t, detailsPath, http.StatusServiceUnavailable, db, f.reason)
			took := time.Since(start)
			code, body := d.get(t, e2eSecret)
			var kept webhookResponse
			if err := json.Unmarshal(body, &kept); err != nil || code != http.StatusOK || kept.InBytes != goodResp.InBytes || kept.OutBytes != goodResp.OutBytes {
				t.Errorf("webhook during the fault: %d %s, want the last good %d/%d", code, body, goodResp.InBytes, goodResp.OutBytes)
			}
			if f.name == "a directory" {
				if err := os.Remove(db); err != nil {
					t.Fatal(err)
				}
			}
			restore()
			d.waitFor(t, detailsPath, http.StatusOK)
			t.Logf("%s: /health 503 after %v; recovered", f.name, took.Round(time.Millisecond))
		})
	}

	// vnstatd holding a write lock longer than the busy timeout (3 s):
	// the poll fails as locked, and succeeds once the lock is gone.
	t.Run("locked", func(t *testing.T) {
		unlock := lockDB(t, db)
		d.waitFor(t, detailsPath, http.StatusServiceUnavailable, "database is locked")
		unlock()
		d.waitFor(t, detailsPath, http.StatusOK)
	})
	if kids := childrenOf(t, d.cmd.Process.Pid); len(kids) > 0 {
		t.Errorf("the daemon has children: %v", kids)
	}
	if code := d.stop(t); code != 0 {
		t.Errorf("exit code %d", code)
	}
}

// lockDB holds an exclusive lock on the database at path, as a writer
// would, until the returned function is called.
func lockDB(t *testing.T, path string) (unlock func()) {
	t.Helper()
	cmd := exec.Command("sqlite3", path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(stdin, "BEGIN EXCLUSIVE;\nSELECT 'locked';\n"); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "locked" {
		t.Fatalf("locking the database: %q %v", line, err)
	}
	done := false
	unlock = func() {
		if done {
			return
		}
		done = true
		_, _ = io.WriteString(stdin, "COMMIT;\n")
		stdin.Close()
		_ = cmd.Wait()
	}
	t.Cleanup(unlock)
	return unlock
}

// copyFile copies the file at from to to.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
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
