package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
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

// chromium is Debian's headless browser, or "" when it is not installed.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestDashboardInBrowser: a real Chromium (headless) loads the dashboard
// from the running daemon at 360x800 and 1280x800, in English and
// Chinese, light and dark. The daemon sees no request but the page's own
// (Chromium may ask for /favicon.ico, which gets a 404), and each
// screenshot is a picture, not a blank page. With DASHBOARD_SCREENSHOTS
// set to a directory, the screenshots are kept there (docs/ holds the
// README's).
func TestDashboardInBrowser(t *testing.T) {
	testrig.Long(t)
	browser := chromium()
	if browser == "" {
		t.Skip("needs chromium (apt-get install chromium)")
	}
	testrig.Vnstat(t)
	now, today := localToday()
	startDay := today.AddDate(0, 0, -11).Day()
	if startDay > 28 {
		startDay = 1
	}
	start := cycleStart(today, startDay)
	ifaces := []vnstattest.Iface{
		{Name: "eth0", Created: today.AddDate(0, 0, -70), Updated: now, Days: vnstattest.Series(today, 62, 21, true)},
		{Name: "wg0", Created: today.AddDate(0, 0, -70), Updated: now, Days: vnstattest.Series(today, 62, 5, false)},
	}
	var used uint64
	for _, i := range ifaces {
		rx, tx := i.Sum(start, today)
		used += rx + tx
	}
	// About 72 % of the quota used, in whole GB.
	quota := max(used*100/72/1e9, 1) * 1e9
	dbdir := buildDB(t, ifaces)
	d := startDaemon(t, inProcess, "VNSTAT_DBDIR="+dbdir, "INTERFACES=eth0,wg0", "LIVE=false", "POLL_INTERVAL=1m",
		"START_DAY="+strconv.Itoa(startDay), "QUOTA="+strconv.FormatUint(quota, 10), "ALERT_AT=80,90,100")
	d.waitFor(t, e2eSecret, http.StatusOK)
	keep := os.Getenv("DASHBOARD_SCREENSHOTS")
	for _, c := range []struct {
		w, h       int
		lang, mode string
	}{
		{360, 800, "en", "light"}, {360, 800, "zh-CN", "light"}, {360, 800, "en", "dark"}, {360, 800, "zh-CN", "dark"},
		{1280, 800, "en", "light"}, {1280, 800, "zh-CN", "dark"},
	} {
		name := "dashboard-" + c.lang + "-" + c.mode + "-" + strconv.Itoa(c.w) + ".png"
		out := filepath.Join(t.TempDir(), name)
		before := strings.Count(d.logs.String(), "DBG request")
		args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
			"--window-size=" + strconv.Itoa(c.w) + "," + strconv.Itoa(c.h), "--lang=" + c.lang,
			// Nothing outside the test resolves.
			"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
			"--user-data-dir=" + t.TempDir(), "--screenshot=" + out}
		if c.mode == "dark" {
			args = append(args, "--force-dark-mode", "--blink-settings=preferredColorScheme=0")
		} else {
			args = append(args, "--blink-settings=preferredColorScheme=1")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd := exec.CommandContext(ctx, browser, append(args, d.url+e2eSecret+"/dashboard?lang="+c.lang)...)
		msg, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("%s: chromium: %v\n%s", name, err, msg)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, msg)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if n := colours(img); n < 8 || img.Bounds().Dx() != c.w {
			t.Errorf("%s: %dx%d with %d colours: a blank page", name, img.Bounds().Dx(), img.Bounds().Dy(), n)
		}
		// The page's requests: itself, and perhaps /favicon.ico.
		var reqs []string
		for _, l := range strings.Split(d.logs.String(), "\n") {
			if strings.Contains(l, "DBG request") {
				reqs = append(reqs, l)
			}
		}
		reqs = reqs[before:]
		var page, other int
		for _, r := range reqs {
			switch {
			case strings.Contains(r, "route=dashboard") && strings.Contains(r, "status=200"):
				page++
			case strings.Contains(r, "route=unknown") && strings.Contains(r, "status=404"):
			default:
				other++
			}
		}
		if page != 1 || other != 0 || len(reqs) > 2 {
			t.Errorf("%s: the daemon saw %q, want the page once (and perhaps /favicon.ico)", name, reqs)
		}
		if keep != "" {
			if err := os.WriteFile(filepath.Join(keep, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// colours counts the distinct colours of img, up to 1000.
func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y += 3 {
		for x := r.Min.X; x < r.Max.X; x += 3 {
			c0, c1, c2, c3 := img.At(x, y).RGBA()
			seen[[4]uint32{c0, c1, c2, c3}] = true
			if len(seen) >= 1000 {
				return len(seen)
			}
		}
	}
	return len(seen)
}
