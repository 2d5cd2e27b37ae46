package testrig

import (
	"os"
	"os/exec"
	"testing"

	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// Long skips a long test in -short mode (CI and scripts/e2e.sh run them).
func Long(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("long end-to-end test: runs without -short (scripts/e2e.sh, CI)")
	}
}

// Vnstat skips a test where vnstat's tools (vnstat, vnstatd, sqlite3)
// are missing.
func Vnstat(t testing.TB) {
	t.Helper()
	if why := vnstattest.Tools(); why != "" {
		t.Skip(why)
	}
}

// Root skips a test unless it runs as root; why says what root is for.
func Root(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root, " + why)
	}
}

// Tools skips a test where one of the commands is missing; pkg says
// which Debian packages have them.
func Tools(t testing.TB, pkg string, commands ...string) {
	t.Helper()
	for _, c := range commands {
		if _, err := exec.LookPath(c); err != nil {
			t.Skipf("needs %s (apt-get install %s)", c, pkg)
		}
	}
}
