package vnstatsrc_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// buildDB builds a real vnstat database of ifaces in a new directory and
// returns the directory.
var buildDB = vnstattest.DB

// TestRead reads a database made by vnstatd --initdb, in a directory and
// file without write bits (scripts/container-test.sh reads through a real
// read-only mount), checks the picked interface's rows against what the
// real vnstat prints for them, and that reading leaves no file behind.
func TestRead(t *testing.T) {
	today := vnstattest.Date(2026, time.November, 30)
	updated := time.Date(2026, time.November, 30, 9, 15, 42, 0, time.UTC)
	ifaces := []vnstattest.Iface{
		{Name: "wlo1", Created: updated.AddDate(0, -1, 0), Updated: updated.Add(-time.Hour), RXCounter: 0, TXCounter: 1,
			Days: vnstattest.Series(today, 20, 2, false)},
		{Name: "eth0", Created: updated.AddDate(0, -3, 0), Updated: updated, RXCounter: 1 << 40, TXCounter: 123456789,
			Days: vnstattest.Series(today, 70, 1, true)},
	}
	dir := buildDB(t, ifaces)
	db := filepath.Join(dir, "vnstat.db")
	if err := os.Chmod(db, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	fi, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}

	from := vnstattest.Date(2026, time.October, 1)
	var offered []string
	snap, err := vnstatsrc.NewDatabase(db).Read(context.Background(), from, func(is []vnstatsrc.Interface) []string {
		for _, i := range is {
			offered = append(offered, i.Name)
		}
		return []string{"eth0", "not-there"}
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"eth0", "wlo1"}, offered); diff != "" {
		t.Errorf("interfaces offered to pick (-want +got):\n%s", diff)
	}
	boot, err := vnstatsrc.BootTime()
	if err != nil {
		t.Fatal(err)
	}
	if snap.VnstatVersion != "2.10" || !snap.BootTime.Equal(boot) || !snap.ModTime.Equal(fi.ModTime()) {
		t.Errorf("snapshot vnstat %q btime %v mtime %v; want 2.10, %v, %v",
			snap.VnstatVersion, snap.BootTime, snap.ModTime, boot, fi.ModTime())
	}
	if len(snap.Interfaces) != 2 {
		t.Fatalf("%d interfaces, want 2", len(snap.Interfaces))
	}
	eth0, wlo1 := snap.Interfaces[0], snap.Interfaces[1]
	if eth0.RXCounter != 1<<40 || eth0.TXCounter != 123456789 || eth0.Updated.String() != "2026-11-30 09:15:42" ||
		eth0.Created.String() != "2026-08-30 09:15:42" || wlo1.TXCounter != 1 || wlo1.Updated.String() != "2026-11-30 08:15:42" {
		t.Errorf("interfaces read as %+v / %+v", eth0, wlo1)
	}
	if wlo1.Days != nil {
		t.Errorf("rows read for wlo1, which was not picked: %d", len(wlo1.Days))
	}
	if got := eth0.Updated.In(time.FixedZone("UTC+8", 8*3600)); !got.Equal(updated.Add(-8 * time.Hour)) {
		t.Errorf("updated in UTC+8 = %v", got)
	}

	// The oracle: what vnstat itself prints for the same rows.
	cli, err := vnstattest.CLIDaily(context.Background(), dir, "UTC", from, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var got []vnstattest.CLIDay
	for _, d := range eth0.Days {
		got = append(got, vnstattest.CLIDay{Date: d.Date.Format(time.DateOnly), RX: d.RX, TX: d.TX})
	}
	if diff := cmp.Diff(cli["eth0"], got); diff != "" {
		t.Errorf("eth0's rows (-vnstat +read):\n%s", diff)
	}
	totals, err := vnstattest.CLITotals(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range snap.Interfaces {
		if want := totals[i.Name]; [2]uint64{i.RXTotal, i.TXTotal} != want || want[0] == 0 {
			t.Errorf("%s's lifetime totals read as %d/%d, vnstat prints %d/%d", i.Name, i.RXTotal, i.TXTotal, want[0], want[1])
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("reading left files behind: %v", entries)
	}
}

// TestReadRefuses lists databases that cannot be read, or hold what
// vnstatd cannot have written: each is an error naming the file and what
// is wrong, never a snapshot.
func TestReadRefuses(t *testing.T) {
	now := time.Date(2026, time.November, 30, 10, 0, 0, 0, time.UTC)
	good := []vnstattest.Iface{{Name: "eth0", Created: now.AddDate(0, 0, -5), Updated: now, Days: vnstattest.Series(now, 5, 1, false)}}
	tests := []struct {
		name string
		path func(t *testing.T) string
		want string
	}{
		{"missing", func(t *testing.T) string { return filepath.Join(t.TempDir(), "vnstat.db") }, "no such file or directory: vnstatd creates it when it starts; is vnstatd running? Start it with systemctl enable --now vnstat, or, where no init system runs, vnstatd --daemon"},
		{"a directory", func(t *testing.T) string { return t.TempDir() }, "not a regular file"},
		{"empty file", func(t *testing.T) string { return writeFile(t, "") }, "no such table: info"},
		{"not a database", func(t *testing.T) string { return writeFile(t, strings.Repeat("this is not sqlite\n", 300)) }, "file is not a database"},
		{"newer schema", func(t *testing.T) string {
			return filepath.Join(buildDB(t, good, "UPDATE info SET value='2' WHERE name='dbversion'"), "vnstat.db")
		}, `unsupported vnstat database version: dbversion "2" (written by vnstat "2.10"); supported: dbversion 1`},
		{"no version", func(t *testing.T) string {
			return filepath.Join(buildDB(t, good, "DELETE FROM info WHERE name='dbversion'"), "vnstat.db")
		}, "dbversion none"},
		{"negative counter", func(t *testing.T) string {
			return filepath.Join(buildDB(t, good, "UPDATE interface SET rxcounter=-5"), "vnstat.db")
		}, "interface eth0: negative counters"},
		{"bad updated", func(t *testing.T) string {
			return filepath.Join(buildDB(t, good, "UPDATE interface SET updated='yesterday'"), "vnstat.db")
		}, `interface eth0: updated: "yesterday" is not a date and time`},
		{"impossible date", func(t *testing.T) string {
			return filepath.Join(buildDB(t, good, "UPDATE day SET date='2026-11-31' WHERE date='2026-11-30'"), "vnstat.db")
		}, `daily rows of eth0: row dated "2026-11-31": not a date`},
		{"negative row", func(t *testing.T) string {
			return filepath.Join(buildDB(t, good, "UPDATE day SET tx=-1 WHERE date='2026-11-29'"), "vnstat.db")
		}, "row 2026-11-29: negative bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path(t)
			snap, err := vnstatsrc.NewDatabase(path).Read(context.Background(), now.AddDate(0, -1, 0),
				func([]vnstatsrc.Interface) []string { return []string{"eth0"} })
			if err == nil {
				t.Fatalf("read without error: %+v", snap)
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q; want the path and %q", err, tt.want)
			}
			if tt.name == "newer schema" && !errors.Is(err, vnstatsrc.ErrDBVersion) {
				t.Errorf("error %v is not ErrDBVersion", err)
			}
		})
	}
}

func writeFile(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "vnstat.db")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReadNoBootTime: a database vnstatd never ran on has no boot time.
func TestReadNoBootTime(t *testing.T) {
	dir := buildDB(t, nil, "UPDATE info SET value='4294967295' WHERE name='btime'")
	snap, err := vnstatsrc.NewDatabase(filepath.Join(dir, "vnstat.db")).Read(context.Background(), time.Now(),
		func([]vnstatsrc.Interface) []string { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if !snap.BootTime.IsZero() || len(snap.Interfaces) != 0 {
		t.Errorf("btime %v, %d interfaces; want zero and none", snap.BootTime, len(snap.Interfaces))
	}
}

func TestParseConfig(t *testing.T) {
	def := vnstatsrc.DefaultConfig()
	with := func(f func(*vnstatsrc.Config)) vnstatsrc.Config {
		c := def
		f(&c)
		return c
	}
	tests := []struct {
		name, text string
		want       vnstatsrc.Config
	}{
		{"empty", "", def},
		{"Debian's shipped file: all commented", ";DatabaseDir \"/var/lib/vnstat\"\n;SaveInterval 5\n;UseUTC 0\n# comment\n", def},
		{"set", "DatabaseDir \"/srv/vnstat\"\nSaveInterval 15\nDailyDays -1\nTrafficlessEntries 0\nUseUTC 1\nBootVariation 30\n",
			with(func(c *vnstatsrc.Config) {
				c.DatabaseDir, c.SaveInterval, c.DailyDays, c.TrafficlessEntries, c.UseUTC, c.BootVariation = "/srv/vnstat", 15*time.Minute, -1, false, true, 30*time.Second
			})},
		{"bandwidth", "UpdateInterval 2\nPollInterval 3\nMaxBandwidth 1\nBandwidthDetection 0\nMaxBWeth0 100\nMaxBWWlan0 0\nMaxBW 5\nMaxBWx y\n",
			with(func(c *vnstatsrc.Config) {
				c.UpdateInterval, c.PollInterval, c.MaxBandwidth, c.BandwidthDetection, c.MaxBW = 2*time.Second, 3*time.Second, 1, false, map[string]uint32{"eth0": 100, "wlan0": 0}
			})},
		{"bandwidth out of range", "UpdateInterval 1\nUpdateInterval 301\nPollInterval 1\nPollInterval 61\nMaxBandwidth 50001\nMaxBandwidth -1\nBandwidthDetection 2\nMaxBWeth0 -5\n", def},
		{"tabs and spaces", "  DatabaseDir\t/data/db  \nSaveInterval\t2\n",
			with(func(c *vnstatsrc.Config) { c.DatabaseDir, c.SaveInterval = "/data/db", 2*time.Minute })},
		{"out of range keeps the default", "SaveInterval 0\nSaveInterval 61\nSaveInterval x\nDailyDays -2\nUseUTC 2\nTrafficlessEntries yes\n", def},
		{"no daily rows", "DailyDays 0\n", with(func(c *vnstatsrc.Config) { c.DailyDays = 0 })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, vnstatsrc.ParseConfig([]byte(tt.text))); diff != "" {
				t.Errorf("ParseConfig (-want +got):\n%s", diff)
			}
		})
	}
	// The real file vnstat installs, when it is here: every setting in it
	// is commented out, so it reads as vnstat's defaults.
	if b, err := os.ReadFile("/etc/vnstat.conf"); err == nil {
		if diff := cmp.Diff(def, vnstatsrc.ParseConfig(b)); diff != "" {
			t.Errorf("/etc/vnstat.conf (-defaults +parsed):\n%s", diff)
		}
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "vnstat.conf")
	if err := os.WriteFile(conf, []byte("DatabaseDir \"/srv/vnstat\"\nSaveInterval 10\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		opts       vnstatsrc.Options
		path       string
		staleAfter time.Duration
	}{
		{"the config's DatabaseDir and SaveInterval", vnstatsrc.Options{ConfigPath: conf}, "/srv/vnstat/vnstat.db", 30 * time.Minute},
		{"DBDir wins", vnstatsrc.Options{ConfigPath: conf, DBDir: "/data"}, "/data/vnstat.db", 30 * time.Minute},
		{"an unreadable file: vnstat's defaults", vnstatsrc.Options{ConfigPath: filepath.Join(dir, "none")}, "/var/lib/vnstat/vnstat.db", 15 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, c := vnstatsrc.Open(tt.opts)
			if db.Path() != tt.path || c.StaleAfter() != tt.staleAfter {
				t.Errorf("Open = %s, stale after %v; want %s, %v", db.Path(), c.StaleAfter(), tt.path, tt.staleAfter)
			}
		})
	}
}

// TestBandwidthLimit: vnstat 2.x's choice of the rate above which vnstatd
// drops what it read (ibwget): MaxBW<iface> first, then the detected
// speed, then MaxBandwidth; MaxBW<iface> 0 turns it off.
func TestBandwidthLimit(t *testing.T) {
	c := vnstatsrc.ParseConfig([]byte("MaxBandwidth 500\nMaxBWeth1 100\nMaxBWeth2 0\n"))
	for _, tt := range []struct {
		iface string
		speed uint32
		want  uint32
	}{
		{"eth0", 0, 500},       // speed unknown (virtio): MaxBandwidth
		{"eth0", 10000, 10000}, // detected
		{"ETH1", 10000, 100},   // MaxBW, any case, before the speed
		{"eth2", 0, 0},         // MaxBW 0: off
		{"eth2", 1000, 1000},   // MaxBW 0, then detection
		{"tun0", 10, 500},      // no detection on tun
	} {
		if got := c.BandwidthLimit(tt.iface, tt.speed); got != tt.want {
			t.Errorf("BandwidthLimit(%s, %d) = %d, want %d", tt.iface, tt.speed, got, tt.want)
		}
	}
	c.BandwidthDetection = false
	if got := c.BandwidthLimit("eth0", 10000); got != 500 {
		t.Errorf("without detection: %d, want MaxBandwidth", got)
	}
}

// TestStamp: a read leaves the database's stamp as it was; a write by
// another process changes it, in rollback-journal mode (vnstat's default)
// and in write-ahead-log mode (DatabaseWriteAheadLogging 1), where the
// writer's log stays while it holds the database open.
func TestStamp(t *testing.T) {
	dir := buildDB(t, []vnstattest.Iface{{Name: "eth0", Created: time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC),
		Updated: time.Date(2026, time.November, 30, 9, 0, 0, 0, time.UTC)}})
	path := filepath.Join(dir, "vnstat.db")
	db := vnstatsrc.NewDatabase(path)
	stamp := func() string {
		t.Helper()
		s, err := db.Stamp()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	sqlite := func(sql string) {
		t.Helper()
		if out, err := exec.Command("sqlite3", path, sql).CombinedOutput(); err != nil {
			t.Fatalf("sqlite3 %q: %v: %s", sql, err, out)
		}
	}
	before := stamp()
	if _, err := db.Read(context.Background(), time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC),
		func(ifaces []vnstatsrc.Interface) []string { return []string{"eth0"} }); err != nil {
		t.Fatal(err)
	}
	if after := stamp(); after != before {
		t.Errorf("a read changed the stamp: %s, then %s", before, after)
	}
	sqlite("UPDATE interface SET rxcounter = rxcounter + 1")
	written := stamp()
	if written == before {
		t.Errorf("a write left the stamp %s", written)
	}

	// WAL: a writer that keeps the database open (as vnstatd does) leaves
	// its log behind until it closes; the log's change is the write.
	sqlite("PRAGMA journal_mode=WAL")
	cmd := exec.Command("sqlite3", path)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = in.Close(); _ = cmd.Wait() }()
	walBefore := stamp()
	if _, err := in.Write([]byte("UPDATE interface SET rxcounter = rxcounter + 1;\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for stamp() == walBefore && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Fatalf("no write-ahead log while the writer holds the database: %v", err)
	}
	if s := stamp(); s == walBefore {
		t.Errorf("a write in WAL mode left the stamp %s", s)
	}
}
