package actions

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLoadSettings reads root's settings, and refuses a file that is not
// root's alone, a link, one in a directory others can change, and
// settings missing or wrong, naming the setting.
func TestLoadSettings(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good", "START_DAY=15\nINTERFACES=eth0, wlan0\nRATE=2mbit\nDELAY_MINUTES='5'\n", 0o644)
	s, err := LoadSettings(good)
	if err != nil {
		t.Fatal(err)
	}
	want := &Settings{StartDay: 15, Interfaces: []string{"eth0", "wlan0"}, Vars: []string{"DELAY_MINUTES=5", "RATE=2mbit"}}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if err := os.Symlink(good, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(t.TempDir(), "open")
	if err := os.Chmod(filepath.Dir(open), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(open, []byte("START_DAY=1\nINTERFACES=eth0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		write("writable", "START_DAY=1\nINTERFACES=eth0\n", 0o664):                            "must belong to user ID 0 and be 0644 or stricter (it belongs to 0, mode 0664)",
		write("exec", "START_DAY=1\nINTERFACES=eth0\n", 0o755):                                "be 0644 or stricter",
		filepath.Join(dir, "link"):                                                            "is a symbolic link, which is not followed",
		open:                                                                                  "can be written by group or others (mode 0777)",
		write("no-day", "INTERFACES=eth0\n", 0o600):                                           `START_DAY="": allowed: the daemon's START_DAY, an integer from 1 to 31`,
		write("day-32", "START_DAY=32\nINTERFACES=eth0\n", 0o600):                             `START_DAY="32"`,
		write("no-ifaces", "START_DAY=1\n", 0o600):                                            "INTERFACES is not set",
		write("long-name", "START_DAY=1\nINTERFACES=eth0,abcdefghijklmnop\n", 0o600):          `INTERFACES: "abcdefghijklmnop": allowed: interface names of at most 15`,
		write("glob", "START_DAY=1\nINTERFACES=eth*\n", 0o600):                                `INTERFACES: "eth*"`,
		write("path", "START_DAY=1\nINTERFACES=eth0\nPATH=/tmp\n", 0o600):                     "PATH: allowed: any name but PATH and VNSTAT_EXPORTER_*",
		write("ours", "START_DAY=1\nINTERFACES=eth0\nVNSTAT_EXPORTER_INTERFACES=lo\n", 0o600): "VNSTAT_EXPORTER_INTERFACES: allowed",
		write("syntax", "START_DAY=1\nINTERFACES=eth0\nexport X=1\n", 0o600):                  `line 3: "export X" is not a variable name`,
	} {
		if _, err := LoadSettings(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", filepath.Base(path), err, want)
		}
	}
	if os.Geteuid() == 0 {
		other := write("other", "START_DAY=1\nINTERFACES=eth0\n", 0o644)
		if err := os.Chown(other, 64999, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadSettings(other); err == nil || !strings.Contains(err.Error(), "it belongs to 64999") {
			t.Errorf("another user's file: %v", err)
		}
	}
}
