package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/config"
	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// dashboardState is a cycle from 2026-11-15 through 2026-11-30 (UTC+8)
// with idle days, a live part on its last day, a quota of 500 GiB, two
// interfaces over 62 days, a previous cycle and an earlier one that
// vnstat lacks days of.
func dashboardState(ifaces int) *traffic.State {
	zone := time.FixedZone("CST", 8*3600)
	polled := time.Date(2026, time.November, 30, 12, 0, 0, 0, zone)
	cycle := billing.CycleAt(polled, 15)
	mk := func(c billing.Cycle, seed uint64, incomplete bool) *traffic.Totals {
		r := &traffic.Totals{Cycle: c}
		for d := c.Start; !d.After(c.Today); d = d.AddDate(0, 0, 1) {
			day := traffic.DayTotal{Date: d}
			if n := uint64(d.Day()); n%5 != 0 { // every fifth day idle
				day.InBytes, day.OutBytes = (n*seed)<<27, (n+seed)<<24
			}
			r.Days = append(r.Days, day)
			r.InBytes += day.InBytes
			r.OutBytes += day.OutBytes
		}
		for i := range ifaces {
			r.Interfaces = append(r.Interfaces, traffic.IfaceTotal{Name: fmt.Sprintf("eth%d", i), InBytes: r.InBytes / uint64(ifaces),
				OutBytes: r.OutBytes / uint64(ifaces), LifetimeInBytes: 1 << 40, LifetimeOutBytes: 1 << 39})
		}
		if incomplete {
			r.Problems = append(r.Problems, traffic.Problem{Kind: traffic.Incomplete, Interface: "eth0", Detail: "eth0: vnstat keeps 62 days of daily rows"})
		}
		return r
	}
	res := &traffic.Result{Totals: *mk(cycle, 7, false), PolledAt: polled, UpdatedAt: polled.Add(-3 * time.Minute)}
	res.LiveInBytes, res.LiveOutBytes, res.LiveAsOf = 5<<20, 1<<20, polled
	res.InBytes += res.LiveInBytes
	res.OutBytes += res.LiveOutBytes
	used := res.InBytes + res.OutBytes
	res.Usage = billing.Usage{Mode: billing.ModeSum, LimitBytes: 500 << 30, UsedBytes: used, CountedBytes: used,
		RemainingBytes: 500<<30 - used, ProjectedBytes: used * 2, ResetsOn: cycle.Next}
	prev := cycle.Previous(15)
	prev.Today = prev.Last()
	res.Previous = mk(prev, 9, false)
	res.Previous.Usage = billing.Usage{Mode: billing.ModeSum, LimitBytes: 500 << 30, UsedBytes: res.Previous.InBytes + res.Previous.OutBytes}
	earlier := prev.Previous(15)
	earlier.Today = earlier.Last()
	e := mk(earlier, 3, true)
	e.Usage = billing.Usage{Mode: billing.ModeSum, LimitBytes: 500 << 30, UsedBytes: e.InBytes + e.OutBytes}
	res.Earlier = []*traffic.Totals{e}
	return &traffic.State{Result: res, LastPoll: polled}
}

var dataValue = regexp.MustCompile(`<data id="([a-z]+)" value="([0-9]+)">`)

// TestDashboardFiguresAreTheWebhooks: every figure the page shows (read
// out of its HTML) and every day of the history add up to the webhook's
// JSON for the same result, in both languages.
func TestDashboardFiguresAreTheWebhooks(t *testing.T) {
	st := dashboardState(2)
	h := NewHandler(testrig.NewState(st), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute, Thresholds: []int{80, 90, 100}, Host: "vps1"},
		at(st.LastPoll.Add(2*time.Second)), nil)
	var hook struct {
		InBytes   uint64 `json:"in_bytes"`
		OutBytes  uint64 `json:"out_bytes"`
		UsedBytes uint64 `json:"used_bytes"`
		Quota     struct {
			LimitBytes     uint64 `json:"limit_bytes"`
			RemainingBytes uint64 `json:"remaining_bytes"`
			ProjectedBytes uint64 `json:"projected_bytes"`
		} `json:"quota"`
		LiveInBytes  uint64 `json:"live_in_bytes"`
		LiveOutBytes uint64 `json:"live_out_bytes"`
	}
	decode(t, do(t, h, http.MethodGet, secret).Body.Bytes(), &hook)
	want := map[string]uint64{"in": hook.InBytes, "out": hook.OutBytes, "used": hook.UsedBytes, "limit": hook.Quota.LimitBytes,
		"remaining": hook.Quota.RemainingBytes, "projected": hook.Quota.ProjectedBytes, "live": hook.LiveInBytes + hook.LiveOutBytes}
	for _, lang := range []string{"en", "zh-CN"} {
		w := getPage(t, h, secret+DashboardPath+"?lang="+lang)
		html := w.Body.String()
		if w.Code != http.StatusOK || !strings.Contains(html, `<html lang="`+lang+`">`) {
			t.Fatalf("%s: %d %.200s", lang, w.Code, html)
		}
		got := map[string]uint64{}
		for _, m := range dataValue.FindAllStringSubmatch(html, -1) {
			got[m[1]], _ = strconv.ParseUint(m[2], 10, 64)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: the page's %s is %d, the webhook's %d", lang, k, got[k], v)
			}
		}
		if !strings.Contains(html, `id="percent">`+string(ratio2(hook.UsedBytes, 100, hook.Quota.LimitBytes))+`<`) {
			t.Errorf("%s: the percentage is not the webhook's", lang)
		}
		if n := strings.Count(html, `<rect class="bi"`); n != len(st.Result.Days) {
			t.Errorf("%s: %d bars, want one per day (%d)", lang, n, len(st.Result.Days))
		}
		if !strings.Contains(html, `class="bl"`) || strings.Count(html, `class="mk"`) != 3 {
			t.Errorf("%s: no live part marked, or not the three thresholds", lang)
		}
	}

	var hist historyBody
	decode(t, do(t, h, http.MethodGet, secret+HistoryPath).Body.Bytes(), &hist)
	var in, out uint64
	for _, d := range hist.Cycle.Days {
		in += d.InBytes
		out += d.OutBytes
	}
	last := hist.Cycle.Days[len(hist.Cycle.Days)-1]
	if in != hook.InBytes || out != hook.OutBytes || hist.Cycle.InBytes != hook.InBytes || hist.Cycle.UsedBytes != hook.UsedBytes {
		t.Errorf("history's days add up to %d/%d, the webhook says %d/%d", in, out, hook.InBytes, hook.OutBytes)
	}
	if last.LiveInBytes != hook.LiveInBytes || last.Complete || !hist.Cycle.Days[0].Complete || hist.LiveAsOf == "" {
		t.Errorf("the day being counted: %+v; the first day complete %v", last, hist.Cycle.Days[0].Complete)
	}
	if len(hist.Previous) != 2 || !hist.Previous[0].Complete || hist.Previous[1].Complete || len(hist.Previous[1].Incomplete) != 1 {
		t.Errorf("previous cycles %+v", hist.Previous)
	}
}

// TestDashboardHeaders: the page fetches nothing from anywhere (its CSP),
// follows Accept-Language, answers only on the secret path, GET and HEAD.
func TestDashboardHeaders(t *testing.T) {
	st := dashboardState(1)
	h := NewHandler(testrig.NewState(st), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute}, at(st.LastPoll), nil)
	w := getPage(t, h, secret+DashboardPath)
	csp := w.Header().Get("Content-Security-Policy")
	if !strings.HasPrefix(csp, "default-src 'none'; style-src 'sha256-") || strings.Contains(csp, "http") {
		t.Errorf("CSP %q", csp)
	}
	if strings.Contains(w.Body.String(), "<script") || strings.Contains(w.Body.String(), "http://") || strings.Contains(w.Body.String(), "https://") {
		t.Error("the page has a script or an outside URL")
	}
	r := httptest.NewRequest(http.MethodGet, secret+DashboardPath, nil)
	r.Header.Set("Accept-Language", "zh-TW,zh;q=0.9,en;q=0.8")
	zh := httptest.NewRecorder()
	h.ServeHTTP(zh, r)
	if !strings.Contains(zh.Body.String(), `lang="zh-CN"`) {
		t.Error("Accept-Language zh gave no Chinese page")
	}
	for _, c := range []struct{ method, path string }{{http.MethodPost, secret + DashboardPath}, {http.MethodGet, "/dashboard"}, {http.MethodGet, secret + "/dashboard/"}} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(c.method, c.path, nil))
		if w.Code == http.StatusOK {
			t.Errorf("%s %s: %d", c.method, c.path, w.Code)
		}
	}
	if w := do(t, h, http.MethodHead, secret+HistoryPath); w.Code != http.StatusOK {
		t.Errorf("HEAD history: %d", w.Code)
	}
}

// TestDashboardSize: the page for a 62-day cycle with four interfaces
// stays under 40 KB.
func TestDashboardSize(t *testing.T) {
	st := dashboardState(4)
	res := *st.Result
	// 62 days, as a cycle of vnstat's DailyDays.
	for len(res.Days) < 62 {
		res.Days = append([]traffic.DayTotal{{Date: res.Days[0].Date.AddDate(0, 0, -1), InBytes: 1 << 30, OutBytes: 1 << 28}}, res.Days...)
	}
	res.Cycle.Start = res.Days[0].Date
	h := NewHandler(testrig.NewState(&traffic.State{Result: &res, LastPoll: st.LastPoll}), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute}, at(st.LastPoll), nil)
	for _, lang := range []string{"en", "zh-CN"} {
		n := getPage(t, h, secret+DashboardPath+"?lang="+lang).Body.Len()
		if n > 40_000 || n < 5_000 {
			t.Errorf("%s page: %d bytes, budget 40,000", lang, n)
		}
		t.Logf("%s page: %d bytes", lang, n)
	}
}

// getPage GETs an HTML page from h.
func getPage(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
	if ct, cc := w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"); w.Code == http.StatusOK && (ct != "text/html; charset=utf-8" || cc != "no-store") {
		t.Errorf("GET %s: Content-Type %q, Cache-Control %q", target, ct, cc)
	}
	return w
}

func decode(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}

// TestDashboardExplainsUsed: Used on the page is what is shown under it:
// the counted traffic and the offset (USED_OFFSET, or the calibration and
// when it was given), signed; and a cycle vnstat began counting late says
// since when, and whether the usage includes what came before, in both
// languages (issue 33, point 3: Used 32 GB against Received 20 GB and
// Sent 5 GB, nothing to explain the 7 GB).
func TestDashboardExplainsUsed(t *testing.T) {
	base := dashboardState(1)
	cycleStart := base.Result.Cycle.Start
	loc := base.Result.Location()
	late := billing.Midnight(cycleStart, loc).Add(50 * time.Hour)
	tests := []struct {
		name         string
		offset       int64
		cal          *billing.Calibration
		created      time.Time
		want, wantZH []string
	}{
		{"offset", 7e9, nil, time.Time{}, []string{"Offset (USED_OFFSET)", "+\u00a06.52\u00a0GiB"}, []string{"偏移量（USED_OFFSET）"}},
		{"calibration below", -1310720, &billing.Calibration{OffsetBytes: -1310720, SetAt: base.LastPoll.Add(-time.Hour)}, time.Time{},
			[]string{"Calibration of 2026-11-30 11:00", "−\u00a01.25\u00a0MiB"}, []string{"校准（2026-11-30 11:00）"}},
		{"partial", 0, nil, late, []string{"vnstat began counting eth0 at 2026-11-17 02:00, after this cycle began on 2026-11-15", "set USED_OFFSET or calibrate"},
			[]string{"vnstat 于 2026-11-17 02:00 开始统计 eth0"}},
		{"partial with offset", 7e9, nil, late, []string{"the usage includes USED_OFFSET for it", "+\u00a06.52\u00a0GiB"}, []string{"用量已通过 USED_OFFSET 包含这部分"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := *base.Result
			res.Interfaces = slices.Clone(res.Interfaces)
			res.Interfaces[0].Created = tt.created
			u := res.Usage
			u.CountedBytes = res.InBytes + res.OutBytes
			u.OffsetBytes, u.Calibration = tt.offset, tt.cal
			u.UsedBytes = uint64(int64(u.CountedBytes) + tt.offset)
			res.Usage = u
			st := &traffic.State{Result: &res, LastPoll: base.LastPoll}
			h := NewHandler(testrig.NewState(st), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute}, at(st.LastPoll), nil)
			for lang, want := range map[string][]string{"en": tt.want, "zh-CN": tt.wantZH} {
				page := html.UnescapeString(getPage(t, h, secret+DashboardPath+"?lang="+lang).Body.String())
				for _, s := range want {
					if !strings.Contains(page, s) {
						t.Errorf("%s: the page lacks %q", lang, s)
					}
				}
				if tt.offset != 0 {
					m := regexp.MustCompile(`<data id="(used|counted|offset)" value="(-?[0-9]+)">`).FindAllStringSubmatch(page, -1)
					got := map[string]int64{}
					for _, x := range m {
						got[x[1]], _ = strconv.ParseInt(x[2], 10, 64)
					}
					if len(got) != 3 || got["used"] != got["counted"]+got["offset"] {
						t.Errorf("%s: used %d, counted %d, offset %d: Used is not the parts shown", lang, got["used"], got["counted"], got["offset"])
					}
				}
				if partial := strings.Contains(page, `id="partial"`); partial != !tt.created.IsZero() {
					t.Errorf("%s: partial note %v", lang, partial)
				}
			}
		})
	}
}

// TestLangOf: ?lang= and Accept-Language are matched as RFC 4647 says:
// without regard to case, any zh is the page's Chinese, q-values order
// the choices and q=0 refuses one (issue 33, point 6: zh, zh-cn and ZH-CN
// gave English, and "zh;q=0, en;q=0.5" gave Chinese).
func TestLangOf(t *testing.T) {
	tests := []struct {
		query, accept, want string
	}{
		{"zh", "", "zh-CN"},
		{"zh-cn", "", "zh-CN"},
		{"ZH-CN", "", "zh-CN"},
		{"zh-Hant-TW", "en", "zh-CN"},
		{"EN", "zh", "en"},
		{"fr", "zh-TW", "zh-CN"},
		{"", "zh;q=0, en;q=0.5", "en"},
		{"", "fr, zh;q=0.8, en;q=0.7", "zh-CN"},
		{"", "en;q=0.2, zh-TW;q=0.9", "zh-CN"},
		{"", "en-GB,en;q=0.9,zh-CN;q=0.8", "en"},
		{"", "ZH-cn", "zh-CN"},
		{"", "zh;q=0", "en"},
		{"", "*;q=0.5, zh;q=0.4", "en"},
		{"", "zh;q=abc, en;q=0.1", "en"},
		{"", "", "en"},
	}
	for _, tt := range tests {
		if got := langOf(tt.query, tt.accept); got != tt.want {
			t.Errorf("langOf(%q, %q) = %q, want %q", tt.query, tt.accept, got, tt.want)
		}
	}
}

// TestDashboardVerdictPerRequest: the page's health is judged at each
// request, as /health's is: with the same state, a poll that hangs past
// two intervals turns the page's status to error with poller_stuck
// (issue 33, point 8: the page kept the verdict of when it was built).
func TestDashboardVerdictPerRequest(t *testing.T) {
	st := dashboardState(1)
	now := st.LastPoll.Add(time.Second)
	h := NewHandler(testrig.NewState(st), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute},
		func() time.Time { return now }, nil)
	status := regexp.MustCompile(`<span id="status" class="st-([a-z]+)">`)
	get := func() string {
		page := getPage(t, h, secret+DashboardPath).Body.String()
		m := status.FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no status in the page")
		}
		if m[1] == "error" && !strings.Contains(page, string(traffic.PollerStuck)) {
			t.Errorf("error without poller_stuck")
		}
		return m[1]
	}
	if got := get(); got != "ok" {
		t.Fatalf("status %s at first, want ok", got)
	}
	now = st.LastPoll.Add(3 * time.Minute)
	if got := get(); got != "error" {
		t.Errorf("status %s with the poll three intervals old, want error (poller_stuck)", got)
	}
	if code := do(t, h, http.MethodGet, HealthPath).Code; code != http.StatusServiceUnavailable {
		t.Errorf("/health %d", code)
	}
}

// TestDashboardBeforeFirstRead: before vnstat's first good read the
// dashboard answers 503 with a small page, in the reader's language, that
// says so, quotes why the read failed as text, and reloads itself; the
// history stays JSON (issue 33, point 5: a phone showed raw JSON and
// never reloaded).
func TestDashboardBeforeFirstRead(t *testing.T) {
	st := &traffic.State{Err: errors.New(`reading vnstat's database /var/lib/vnstat/vnstat.db: <script>alert(1)</script> no such file`)}
	h := NewHandler(testrig.NewState(st), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute, Host: "vps1"}, at(polled), nil)
	for lang, want := range map[string]string{"en": "No traffic figures yet", "zh-CN": "还没有流量数字"} {
		w := getPage(t, h, secret+DashboardPath+"?lang="+lang)
		body := w.Body.String()
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Content-Type") != "text/html; charset=utf-8" ||
			w.Header().Get("Content-Security-Policy") != dashboardCSP {
			t.Errorf("%s: %d %q", lang, w.Code, w.Header())
		}
		for _, s := range []string{want, `<meta http-equiv="refresh" content="10">`, `&lt;script&gt;alert(1)&lt;/script&gt; no such file`, "vps1 · "} {
			if !strings.Contains(body, s) {
				t.Errorf("%s: the page lacks %q:\n%s", lang, s, body)
			}
		}
		if strings.Contains(body, "<script>") {
			t.Errorf("%s: the reason is markup", lang)
		}
	}
	if w := do(t, h, http.MethodGet, secret+HistoryPath); w.Code != http.StatusServiceUnavailable {
		t.Errorf("history %d", w.Code)
	}
}

// TestDashboardKeepsTogether: a number and its unit, the days left and
// their word, and dates do not break across lines, a long host name or
// interface name wraps, and "1 day left" is singular (issue 33, point 7:
// "2.08 / GB", "1 days left").
func TestDashboardKeepsTogether(t *testing.T) {
	st := dashboardState(1)
	res := *st.Result
	res.Usage.ResetsOn = res.Cycle.Today.AddDate(0, 0, 1)
	one := &traffic.State{Result: &res, LastPoll: st.LastPoll}
	h := NewHandler(testrig.NewState(one), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute}, at(st.LastPoll), nil)
	page := getPage(t, h, secret+DashboardPath+"?lang=en").Body.String()
	if !strings.Contains(page, `<span id="days-left">1</span> day left`) {
		t.Errorf("the page does not say 1 day left")
	}
	for _, m := range regexp.MustCompile(`<data[^>]*>([^<]*)</data>`).FindAllStringSubmatch(page, -1) {
		if strings.Contains(m[1], " ") {
			t.Errorf("figure %q can break between number and unit", m[1])
		}
	}
	for _, rule := range []string{"time,data,.nw{white-space:nowrap}", "overflow-wrap:anywhere"} {
		if !strings.Contains(dashboardCSS, rule) {
			t.Errorf("the style lacks %s", rule)
		}
	}
	if !strings.Contains(page, `<span class="nw">`) {
		t.Errorf("the days left can break from their word")
	}
}

// TestChartLabels: no label on any of the page's charts (the ALERT_AT
// labels under the usage bar, the pace chart's levels and projection, the
// dates under both charts, their scales) runs into another or is cut at
// the chart's edges, for any thresholds up to 1000 %, with and without a
// quota, a projection far over it, and a cycle on its first day; every
// threshold is in the usage chart's title (issue 33, point 4: 110 % and
// 120 % ran into each other and "120%" was cut).
func TestChartLabels(t *testing.T) {
	svg := regexp.MustCompile(`(?s)<svg viewBox="0 0 300 ([0-9.]+)" role="img" aria-labelledby="([a-z]+)-t".*?</svg>`)
	text := regexp.MustCompile(`<text class="mkt[^"]*" x="([0-9.-]+)" y="([0-9.-]+)">([^<]*)</text>`)
	var every []int
	for n := 1; n <= 1000; n += 7 {
		every = append(every, n)
	}
	type variant struct {
		name   string
		change func(*traffic.Result)
	}
	variants := []variant{
		{"as is", func(*traffic.Result) {}},
		{"no quota", func(r *traffic.Result) { r.Usage.LimitBytes = 0 }},
		{"projected 20x", func(r *traffic.Result) { r.Usage.ProjectedBytes = r.Usage.LimitBytes * 20 }},
		{"over", func(r *traffic.Result) {
			r.Usage.UsedBytes, r.Usage.ProjectedBytes = r.Usage.LimitBytes*3, r.Usage.LimitBytes*3
		}},
		{"first day", func(r *traffic.Result) {
			r.Cycle.Today, r.Days = r.Cycle.Start, r.Days[:1]
			r.PolledAt = r.PolledAt.AddDate(0, 0, -15)
			r.LiveAsOf = r.PolledAt
		}},
	}
	for _, th := range [][]int{{110, 120}, {50, 80, 90, 100, 110, 120}, {80, 90, 100}, {1, 2, 3, 4, 5}, {95, 96, 97, 98, 99, 100}, {100, 1000}, every} {
		for _, v := range variants {
			for lang := range languages {
				st := dashboardState(1)
				v.change(st.Result)
				h := NewHandler(testrig.NewState(st), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute, Thresholds: th}, at(st.LastPoll), nil)
				page := getPage(t, h, secret+DashboardPath+"?lang="+lang).Body.String()
				charts := svg.FindAllStringSubmatch(page, -1)
				var names []string
				for _, c := range charts {
					names = append(names, c[2])
					height, _ := strconv.ParseFloat(c[1], 64)
					type box struct {
						label          string
						x0, x1, y0, y1 float64
					}
					var placed []box
					for _, m := range text.FindAllStringSubmatch(c[0], -1) {
						x, _ := strconv.ParseFloat(m[1], 64)
						y, _ := strconv.ParseFloat(m[2], 64)
						label := html.UnescapeString(m[3])
						b := box{label, x, x + labelWidth(label), y - labelSize*0.8, y + labelSize*0.25}
						if b.x0 < 0 || b.x1 > 300 || b.y0 < 0 || b.y1 > height {
							t.Errorf("%v, %s, %s: %s chart: label %q at %.1f..%.1f, %.1f: cut (chart 300 x %.0f)", th, v.name, lang, c[2], label, b.x0, b.x1, y, height)
						}
						for _, o := range placed {
							if b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1 {
								t.Errorf("%v, %s, %s: %s chart: label %q at %.1f..%.1f, %.1f overlaps %q at %.1f..%.1f, %.1f",
									th, v.name, lang, c[2], label, b.x0, b.x1, y, o.label, o.x0, o.x1, o.y1)
							}
						}
						placed = append(placed, b)
					}
				}
				want := []string{"quota", "pace", "daily"}
				if st.Result.Usage.LimitBytes == 0 {
					want = want[1:]
				}
				if !slices.Equal(names, want) {
					t.Errorf("%v, %s: charts %v, want %v", th, v.name, names, want)
				}
				title := regexp.MustCompile(`<title id="quota-t">([^<]*)</title>`).FindStringSubmatch(page)
				for _, n := range th {
					if st.Result.Usage.LimitBytes > 0 && n <= 120 && (title == nil || !strings.Contains(title[1], " "+strconv.Itoa(n)+"%")) {
						t.Errorf("%v, %s: the usage chart's title lacks %d%%", th, v.name, n)
					}
				}
			}
		}
	}
}
