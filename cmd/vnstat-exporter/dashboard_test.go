package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// browserTest skips a test unless it is a long run with Chromium
// (Debian's headless browser) and vnstat's tools, and gives Chromium's
// path.
func browserTest(t *testing.T) string {
	t.Helper()
	testrig.Long(t)
	var browser string
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Skip("needs chromium (apt-get install chromium)")
	}
	testrig.Vnstat(t)
	return browser
}

// TestDashboardInBrowser: a real Chromium (headless) loads the dashboard
// from the running daemon at 360x1400 and 1280x1200, in English and
// Chinese, light and dark. The daemon sees no request but the page's own
// (Chromium may ask for /favicon.ico, which gets a 404), and each
// screenshot is a picture, not a blank page. With DASHBOARD_SCREENSHOTS
// set to a directory, the screenshots are kept there (docs/ holds the
// README's).
func TestDashboardInBrowser(t *testing.T) {
	browser := browserTest(t)
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
		{360, 1400, "en", "light"}, {360, 1400, "zh-CN", "light"}, {360, 1400, "en", "dark"}, {360, 1400, "zh-CN", "dark"},
		{1280, 1200, "en", "light"}, {1280, 1200, "zh-CN", "dark"},
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

// overflowProbe is a page that frames the dashboard (through the test's
// proxy, same origin) at a phone's width, opens its tables, and writes
// what runs wider than the frame: the document's scroll width against its
// width, and each element whose box leaves it.
const overflowProbe = `<!doctype html><html><head><meta charset="utf-8"><title>probe</title></head><body style="margin:0">
<iframe id="f" src="/dash?lang=LANG" style="width:WIDTHpx;height:9000px;border:0"></iframe><pre id="out">not loaded</pre>
<script>
document.getElementById("f").onload = function () {
  var d = this.contentDocument, W = d.documentElement.clientWidth, wide = [];
  d.querySelectorAll("details").forEach(function (x) { x.open = true; });
  d.querySelectorAll("body *").forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.width > 0 && (r.right > W + 0.5 || r.left < -0.5)) {
      wide.push(e.tagName + (e.id ? "#" + e.id : "") + " " + Math.round(r.left) + ".." + Math.round(r.right) + " " + (e.textContent || "").slice(0, 40));
    }
  });
  document.getElementById("out").textContent = JSON.stringify({client: W, scroll: d.documentElement.scrollWidth, wide: wide.slice(0, 20)});
};
</script></body></html>`

// TestDashboardFitsNarrowScreens: Chromium lays the dashboard out in a
// frame 360 px wide (and 1280 px), in English and Chinese, for a host
// name of 64 bytes (the kernel's longest), 20 interfaces with names of 15
// bytes (the longest) and ALERT_AT 50,80,90,100,110,120; nothing runs
// wider than the frame, the tables opened (issue 33: a 61-byte host name
// ran off a 360 px screen).
func TestDashboardFitsNarrowScreens(t *testing.T) {
	browser := browserTest(t)
	testrig.Root(t, "to give the daemon a host name of its own (unshare --uts)")
	testrig.Tools(t, "util-linux", "unshare")
	now, today := localToday()
	var ifaces []vnstattest.Iface
	var names []string
	for i := range 20 {
		name := fmt.Sprintf("enp%02ds31f6np0v", i)
		ifaces = append(ifaces, vnstattest.Iface{Name: name, Created: today.AddDate(0, 0, -70), Updated: now,
			Days: vnstattest.Series(today, 62, uint64(21+i), true)})
		names = append(names, name)
	}
	host := strings.Repeat("h", 20) + "-" + strings.Repeat("0123456789", 4) + "-en" // 64 bytes, one word
	if len(host) != 64 {
		t.Fatalf("host name of %d bytes", len(host))
	}
	// The daemon in a UTS namespace of its own, named host.
	wrapper := filepath.Join(t.TempDir(), "named")
	script := fmt.Sprintf("#!/bin/sh\nexec unshare --uts sh -c 'printf %%s \"$0\" > /proc/sys/kernel/hostname && exec \"$1\"' %s %s\n", host, buildBinary(t))
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, wrapper, "VNSTAT_DBDIR="+buildDB(t, ifaces), "INTERFACES="+strings.Join(names, ","), "LIVE=false",
		"POLL_INTERVAL=1m", "START_DAY=1", "QUOTA=2TiB", "ALERT_AT=50,80,90,100,110,120")
	page := d.waitFor(t, e2eSecret+"/dashboard", http.StatusOK)
	if !strings.Contains(string(page), "<h1>"+host+" ·") {
		t.Fatalf("the page is not titled with the host name %s", host)
	}

	// The probe's origin: the probe page, and the dashboard without
	// frame-ancestors (the rest of its policy holds).
	target, err := url.Parse(d.url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(r *http.Response) error {
		r.Header.Set("Content-Security-Policy", strings.Replace(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'", "frame-ancestors 'self'", 1))
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/probe/{lang}/{width}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, strings.NewReplacer("LANG", r.PathValue("lang"), "WIDTH", r.PathValue("width")).Replace(overflowProbe))
	})
	mux.HandleFunc("/dash", func(w http.ResponseWriter, r *http.Request) {
		r.URL.Path = e2eSecret + "/dashboard"
		proxy.ServeHTTP(w, r)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	out := regexp.MustCompile(`(?s)<pre id="out">(.*?)</pre>`)
	for _, lang := range []string{"en", "zh-CN"} {
		for _, width := range []int{360, 1280} {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			dom, err := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
				"--window-size="+strconv.Itoa(width+40)+",900", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
				"--user-data-dir="+t.TempDir(), "--virtual-time-budget=10000", "--dump-dom",
				srv.URL+"/probe/"+lang+"/"+strconv.Itoa(width)).Output()
			cancel()
			if err != nil {
				t.Fatalf("%s at %d px: chromium: %v", lang, width, err)
			}
			m := out.FindSubmatch(dom)
			var got struct {
				Client, Scroll int
				Wide           []string
			}
			if m == nil || json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &got) != nil {
				t.Fatalf("%s at %d px: the probe wrote no measure:\n%s", lang, width, dom)
			}
			t.Logf("%s at %d px: document %d px wide, %d px scrolled", lang, width, got.Client, got.Scroll)
			if got.Client != width || got.Scroll > got.Client || len(got.Wide) > 0 {
				t.Errorf("%s at %d px: the page is %d px wide in a frame of %d px; wider than it: %q", lang, width, got.Scroll, got.Client, got.Wide)
			}
		}
	}
}
