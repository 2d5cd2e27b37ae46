package api

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// DashboardPath and HistoryPath, under WEBHOOK_PATH, serve the dashboard
// page and the JSON it is drawn from.
const (
	DashboardPath = "/dashboard"
	HistoryPath   = "/history"
)

// dashboardRefresh is how often the page reloads itself (a meta refresh:
// no script).
const dashboardRefresh = 60

//go:embed dashboard.html dashboard.css waiting.html head.html
var dashboardFiles embed.FS

// waitingRefresh is how often the page that waits for vnstat's first good
// read reloads itself.
const waitingRefresh = 10

var (
	dashboardCSS  = mustRead("dashboard.css")
	dashboardPage = pageTemplate("dashboard.html")
	waitingPage   = pageTemplate("waiting.html")
	// dashboardCSP allows the page nothing from anywhere: no script, no
	// fetch, no image, no font; its one style block by its hash.
	dashboardCSP = fmt.Sprintf("default-src 'none'; style-src 'sha256-%s'; img-src 'none'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
		base64.StdEncoding.EncodeToString(sha256Sum(dashboardCSS)))
)

// pageTemplate is the page name with the head all pages share
// (head.html: the language, the title, the refresh and the style).
func pageTemplate(name string) *template.Template {
	return template.Must(template.New(name).Funcs(template.FuncMap{
		"css": func() template.CSS { return template.CSS(dashboardCSS) },
	}).ParseFS(dashboardFiles, name, "head.html"))
}

func mustRead(name string) string {
	b, err := dashboardFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func sha256Sum(s string) []byte {
	d := sha256.Sum256([]byte(s))
	return d[:]
}

// page is what the template draws: every figure already formatted.
type page struct {
	Lang, Title string
	T           words
	Refresh     int

	Start, ResetsOn, End string
	DaysLeft             int
	Mode                 string
	In, Out, Used        figure
	// Counted is the traffic by the billing mode; Offset, when there is
	// one, what USED_OFFSET or the calibration adds: Used is their sum.
	Counted figure
	Offset  *offsetView
	// Partial says, when vnstat began counting after the cycle began,
	// since when, and whether the usage includes what came before.
	Partial             string
	Quota               *quotaView
	Days                daysView
	Pace                paceView
	Previous            []cycleView
	Interfaces          []ifaceView
	Status, StatusClass string
	Problems            []string
	ReadAt, LiveAsOf    string
	LiveAge             string
}

// figure is a byte count as shown (Text) and exactly (Bytes, for the
// tests and the text alternatives).
type figure struct {
	Text  string
	Bytes uint64
}

// offsetView is a signed byte count added to the usage, and where it
// comes from.
type offsetView struct {
	Label string
	Text  string
	Bytes int64
}

type quotaView struct {
	Limit, Remaining, Projected figure
	Percent, ProjectedPercent   string
	// UsedW, ProjectedW and the marks' X are in the bar's 0..300 units.
	UsedW, ProjectedW float64
	Marks             []mark
	// Height is the chart's, with its rows of labels.
	Height float64
	Over   bool
}

type mark struct {
	X     float64
	Label string
	// LabelX is where the label starts and LabelY its baseline: labels
	// that would overlap go to a row below, and those that fit in no row
	// are left out (the chart's title lists every threshold).
	LabelX, LabelY float64
	Shown          bool
}

// Threshold labels: their font size in the chart's units, how many rows
// they may take, and the gap between two on a row.
const (
	labelSize = 9.0
	labelRows = 3
	labelGap  = 3.0
)

// labelWidth is how wide a label is drawn, generously: 0.62 em a
// character, a whole em for a wide one (CJK).
func labelWidth(label string) float64 {
	var em float64
	for _, r := range label {
		if r >= 0x1100 {
			em++
		} else {
			em += 0.62
		}
	}
	return labelSize * em
}

// layoutLabels places the marks' labels in width from row y0 down: each
// centred on its mark, kept inside the chart, on the first row where it
// overlaps no other. It returns the rows used.
func layoutLabels(marks []mark, width, y0 float64) int {
	var ends []float64 // the right end of each row's last label
	for i := range marks {
		m := &marks[i]
		w := labelWidth(m.Label)
		x := min(max(m.X-w/2, 0), width-w-0.5)
		for r := range labelRows {
			if r == len(ends) {
				ends = append(ends, -labelGap)
			}
			if x >= ends[r]+labelGap {
				m.LabelX, m.LabelY, m.Shown = x, y0+float64(r)*(labelSize+1), true
				ends[r] = x + w
				break
			}
		}
	}
	return len(ends)
}

type daysView struct {
	Bars  []bar
	Max   figure
	Ticks []tick
}

type bar struct {
	Date                   string
	X, W, InH, OutH, LiveH float64
	InY, OutY, LiveY       float64
	In, Out, Live          figure
	Today, HasLive         bool
}

type cycleView struct {
	Start, End     string
	Total          figure
	Percent        string
	W              float64
	Over, Complete bool
}

type ifaceView struct {
	Name              string
	In, Out, Lifetime figure
}

// renderDashboard draws the page for st in lang ("en" or "zh-CN").
func renderDashboard(st *traffic.State, health traffic.Health, thresholds []int, host, lang string, now time.Time) ([]byte, error) {
	res := st.Result
	t := languages[lang]
	u := res.Usage
	size := traffic.SizeFor(u.LimitBytes)
	// A number and its unit stay on one line.
	fig := func(n uint64) figure { return figure{strings.Replace(size(n), " ", "\u00a0", 1), n} }
	p := page{Lang: lang, T: t, Refresh: dashboardRefresh,
		Start: res.Cycle.Start.Format(billing.DateFormat), End: res.Cycle.Today.Format(billing.DateFormat),
		ResetsOn: u.ResetsOn.Format(billing.DateFormat), DaysLeft: int(u.ResetsOn.Sub(res.Cycle.Today) / (24 * time.Hour)),
		Mode: t.ModeName(u.Mode), In: fig(res.InBytes), Out: fig(res.OutBytes), Used: fig(u.UsedBytes),
		Status: t.StatusName(health.Status), StatusClass: string(health.Status), ReadAt: res.PolledAt.Format("2006-01-02 15:04:05")}
	p.Counted = fig(u.CountedBytes)
	if u.OffsetBytes != 0 {
		sign, n := "+", uint64(u.OffsetBytes)
		if u.OffsetBytes < 0 {
			sign, n = "−", uint64(-u.OffsetBytes)
		}
		p.Offset = &offsetView{Label: t.Offset(), Text: sign + "\u00a0" + fig(n).Text, Bytes: u.OffsetBytes}
		if c := u.Calibration; c != nil {
			p.Offset.Label = t.Calibration(c.SetAt.In(res.Location()).Format("2006-01-02 15:04"))
		}
	}
	if since, names := res.CountingSince(); len(names) > 0 {
		p.Partial = t.Partial(strings.Join(names, ", "), since.In(res.Location()).Format("2006-01-02 15:04"), p.Start, u.Calibration != nil, u.OffsetBytes != 0)
	}
	p.Title = t.Title()
	if host != "" {
		p.Title = host + " · " + p.Title
	}
	if u.LimitBytes > 0 {
		q := &quotaView{Limit: fig(u.LimitBytes), Remaining: fig(u.RemainingBytes), Projected: fig(u.ProjectedBytes),
			Percent: string(ratio2(u.UsedBytes, 100, u.LimitBytes)), ProjectedPercent: string(ratio2(u.ProjectedBytes, 100, u.LimitBytes)),
			Over: u.UsedBytes >= u.LimitBytes}
		q.UsedW, q.ProjectedW = barWidth(u.UsedBytes, u.LimitBytes), barWidth(u.ProjectedBytes, u.LimitBytes)
		for _, th := range thresholds {
			if th <= 120 {
				q.Marks = append(q.Marks, mark{X: barWidth(uint64(th), 100), Label: fmt.Sprintf("%d%%", th)})
			}
		}
		q.Height = 28 + float64(layoutLabels(q.Marks, 300, 34))*(labelSize+1)
		p.Quota = q
	}
	p.Days = dayBars(res, t, fig)
	p.Pace = paceChart(res, thresholds, t, fig)
	for _, c := range append([]*traffic.Totals{res.Previous}, res.Earlier...) {
		if c == nil {
			continue
		}
		v := cycleView{Start: c.Cycle.Start.Format(billing.DateFormat), End: c.Cycle.Today.Format(billing.DateFormat),
			Total: fig(c.Usage.UsedBytes), Complete: len(c.Details(traffic.Incomplete)) == 0}
		if c.Usage.LimitBytes > 0 {
			v.Percent = string(ratio2(c.Usage.UsedBytes, 100, c.Usage.LimitBytes))
			v.W = barWidth(c.Usage.UsedBytes, c.Usage.LimitBytes)
			v.Over = c.Usage.UsedBytes >= c.Usage.LimitBytes
		}
		p.Previous = append(p.Previous, v)
	}
	for _, i := range res.Interfaces {
		p.Interfaces = append(p.Interfaces, ifaceView{Name: i.Name, In: fig(i.InBytes), Out: fig(i.OutBytes),
			Lifetime: fig(i.LifetimeInBytes + i.LifetimeOutBytes)})
	}
	for _, pr := range health.Problems {
		s := string(pr.Kind)
		if pr.Detail != "" {
			s += ": " + pr.Detail
		}
		p.Problems = append(p.Problems, s)
	}
	if !res.LiveAsOf.IsZero() {
		p.LiveAsOf = res.LiveAsOf.Format("15:04:05")
		p.LiveAge = t.Age(max(now.Sub(res.LiveAsOf), 0).Round(time.Second))
	}
	var b bytes.Buffer
	if err := dashboardPage.Execute(&b, p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// barWidth is used bytes of a limit as a usage bar's width in its 0..300
// units: the bar reaches 120 % of the limit, so that an overrun shows.
func barWidth(used, limit uint64) float64 {
	return math.Min(300, 300*float64(used)/(1.2*float64(limit)))
}

// dayBars lays out the cycle's days as stacked bars (in below, out above),
// the live part of the last day on top, scaled to the largest day at the
// top of the plot, with their dates under them.
func dayBars(res *traffic.Result, t words, fig func(uint64) figure) daysView {
	const height = plotBottom - plotTop
	n := len(res.Days)
	var v daysView
	var peak uint64
	for i, d := range res.Days {
		total := d.InBytes + d.OutBytes
		if i == n-1 {
			total += res.LiveInBytes + res.LiveOutBytes
		}
		peak = max(peak, total)
	}
	v.Max = fig(peak)
	slot := chartWidth / float64(max(n, 1))
	scale := func(b uint64) float64 {
		if peak == 0 {
			return 0
		}
		return height * float64(b) / float64(peak)
	}
	var days []time.Time
	var xs []float64
	for i, d := range res.Days {
		b := bar{Date: d.Date.Format(billing.DateFormat), X: float64(i)*slot + slot*0.1, W: slot * 0.8,
			In: fig(d.InBytes), Out: fig(d.OutBytes), Today: i == n-1}
		b.InH, b.OutH = scale(d.InBytes), scale(d.OutBytes)
		b.InY = plotBottom - b.InH
		b.OutY = b.InY - b.OutH
		if b.Today {
			live := res.LiveInBytes + res.LiveOutBytes
			b.Live, b.HasLive, b.LiveH = fig(live), live > 0, scale(live)
			b.LiveY = b.OutY - b.LiveH
		}
		v.Bars = append(v.Bars, b)
		days, xs = append(days, d.Date), append(xs, float64(i)*slot+slot/2)
	}
	v.Ticks = dateTicks(days, xs, slot, t)
	return v
}

// langOf is the page's language: ?lang= when it names one of the page's,
// else the most preferred of Accept-Language's that the page has, else
// English. Tags match as RFC 4647 says: without regard to case, a range
// matching the tags it is a prefix of, q-values ordering them and q=0
// refusing one. The page has one language per primary subtag, so any zh
// (zh-TW, zh-Hant) is its Chinese.
func langOf(query, accept string) string {
	if lang, ok := pageLang(query); ok {
		return lang
	}
	type choice struct {
		lang string
		q    float64
	}
	var choices []choice
	for _, part := range strings.Split(accept, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if name, value, ok := strings.Cut(strings.TrimSpace(params), "="); ok && strings.EqualFold(strings.TrimSpace(name), "q") {
			var err error
			if q, err = strconv.ParseFloat(strings.TrimSpace(value), 64); err != nil || q < 0 || q > 1 {
				q = 0
			}
		}
		lang, ok := pageLang(strings.TrimSpace(tag))
		if strings.TrimSpace(tag) == "*" {
			lang, ok = "en", true
		}
		if ok && q > 0 {
			choices = append(choices, choice{lang, q})
		}
	}
	slices.SortStableFunc(choices, func(a, b choice) int { return cmp.Compare(b.q, a.q) })
	if len(choices) > 0 {
		return choices[0].lang
	}
	return "en"
}

// pageLang is the page's language that tag (a language tag or range, in
// any case) asks for.
func pageLang(tag string) (string, bool) {
	primary, _, _ := strings.Cut(strings.ToLower(tag), "-")
	switch primary {
	case "en":
		return "en", true
	case "zh":
		return "zh-CN", true
	}
	return "", false
}

// pages are the dashboard (in each language) and the history for one
// published state, built at the first request for it.
type pages struct {
	state      *traffic.State
	health     traffic.Health // the verdict they show
	html       map[string][]byte
	history    []byte
	historyLen []string
}

// servePage writes the dashboard or the history for the latest state.
func (h *Handler) servePage(w http.ResponseWriter, r *http.Request, route string) int {
	st := h.state.State()
	if st.Result == nil && route == "dashboard" {
		return h.serveWaiting(w, r, st)
	}
	if st.Result == nil {
		return h.noData(w, route, st)
	}
	// The verdict is the request's, as /health's is: a poll that hangs
	// turns the page's status too, though the state stays the same.
	now := h.now()
	health := traffic.Judge(st, now, h.pollInterval)
	pg := h.pages.Load()
	if pg == nil || pg.state != st || !sameHealth(pg.health, health) {
		var err error
		if pg, err = h.buildPages(st, health, now); err != nil {
			return h.fail(w, route, http.StatusInternalServerError, "rendering "+route, err)
		}
		h.pages.Store(pg)
	}
	if route == "history" {
		writeBody(w, http.StatusOK, pg.history, pg.historyLen)
		return http.StatusOK
	}
	return writePage(w, http.StatusOK, pg.html[langOf(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"))])
}

// writePage writes an HTML page of the dashboard's, with its policy and
// headers.
func writePage(w http.ResponseWriter, status int, body []byte) int {
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", dashboardCSP)
	hd.Set("Cache-Control", "no-store")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Vary", "Accept-Language")
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return status
}

// serveWaiting answers the dashboard before vnstat's first good read: a
// small page in the reader's language that says so, with why the last
// read failed, and reloads itself (503, so that a monitor sees it).
func (h *Handler) serveWaiting(w http.ResponseWriter, r *http.Request, st *traffic.State) int {
	lang := langOf(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"))
	t := languages[lang]
	v := struct {
		Lang, Title, Message, Reason, Retry string
		Refresh                             int
	}{Lang: lang, Title: t.Title(), Message: t.Waiting(), Retry: t.Retry(waitingRefresh), Refresh: waitingRefresh}
	if h.host != "" {
		v.Title = h.host + " · " + v.Title
	}
	if st.Err != nil {
		v.Reason = st.Err.Error()
	}
	var b bytes.Buffer
	if err := waitingPage.Execute(&b, v); err != nil {
		return h.fail(w, "dashboard", http.StatusInternalServerError, "rendering dashboard", err)
	}
	return writePage(w, http.StatusServiceUnavailable, b.Bytes())
}

// sameHealth reports whether a and b are the same verdict.
func sameHealth(a, b traffic.Health) bool {
	return a.Status == b.Status && slices.Equal(a.Problems, b.Problems)
}

// buildPages renders st's dashboard in every language and its history.
func (h *Handler) buildPages(st *traffic.State, health traffic.Health, now time.Time) (*pages, error) {
	pg := &pages{state: st, health: health, html: map[string][]byte{}}
	for lang := range languages {
		b, err := renderDashboard(st, health, h.thresholds, h.host, lang, now)
		if err != nil {
			return nil, err
		}
		pg.html[lang] = b
	}
	var err error
	res := st.Result
	if pg.history, err = json.Marshal(newHistoryBody(res, res.Location())); err != nil {
		return nil, err
	}
	pg.history, pg.historyLen = withNewline(pg.history)
	return pg, nil
}
