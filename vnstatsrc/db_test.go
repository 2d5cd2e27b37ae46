package vnstatsrc_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// TestReadCounters reads the saved counters from a database made by
// vnstatd --initdb, in a directory and file without write bits (root
// writes through them anyway; scripts/container-test.sh reads through a
// real read-only mount), and checks that reading leaves no file behind.
func TestReadCounters(t *testing.T) {
	if why := vnstattest.Tools(); why != "" {
		t.Skip(why)
	}
	loc := time.FixedZone("UTC+8", 8*3600)
	dir := t.TempDir()
	updated := time.Date(2026, time.November, 30, 9, 15, 42, 0, loc)
	ifaces := []vnstattest.Iface{
		{Name: "eth0", Created: updated, Updated: updated, RXCounter: 1 << 40, TXCounter: 123456789},
		{Name: "wlo1", Created: updated, Updated: updated.Add(-time.Hour), RXCounter: 0, TXCounter: 1},
	}
	if _, err := vnstattest.Build(context.Background(), dir, ifaces); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "vnstat.db"), 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })

	got, err := vnstatsrc.ReadCounters(context.Background(), filepath.Join(dir, "vnstat.db"), loc)
	if err != nil {
		t.Fatal(err)
	}
	want := []vnstatsrc.Counters{
		{Name: "eth0", RX: 1 << 40, TX: 123456789, Updated: updated},
		{Name: "wlo1", RX: 0, TX: 1, Updated: updated.Add(-time.Hour)},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("counters (-want +got):\n%s", diff)
	}
	if _, err := vnstatsrc.ReadCounters(context.Background(), filepath.Join(dir, "missing.db"), loc); err == nil {
		t.Error("a missing database read without error")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("reading left files behind: %v", entries)
	}
}

func TestParseConfig(t *testing.T) {
	def := vnstatsrc.DefaultConfig()
	tests := []struct {
		name, text string
		want       vnstatsrc.Config
	}{
		{"empty", "", def},
		{"Debian's shipped file: all commented", ";DatabaseDir \"/var/lib/vnstat\"\n;SaveInterval 5\n# comment\n", def},
		{"set", "DatabaseDir \"/srv/vnstat\"\nSaveInterval 15\n", vnstatsrc.Config{DatabaseDir: "/srv/vnstat", SaveInterval: 15 * time.Minute}},
		{"tabs and spaces", "  DatabaseDir\t/data/db  \nSaveInterval\t2\n", vnstatsrc.Config{DatabaseDir: "/data/db", SaveInterval: 2 * time.Minute}},
		{"out of range keeps the default", "SaveInterval 0\nSaveInterval 61\nSaveInterval x\n", def},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := vnstatsrc.ParseConfig([]byte(tt.text)); got != tt.want {
				t.Errorf("ParseConfig = %+v, want %+v", got, tt.want)
			}
		})
	}
	// The real file vnstat installs, when it is here.
	if b, err := os.ReadFile("/etc/vnstat.conf"); err == nil {
		if got := vnstatsrc.ParseConfig(b); got.DatabaseDir == "" || got.SaveInterval <= 0 {
			t.Errorf("/etc/vnstat.conf parsed as %+v", got)
		}
	}
}
