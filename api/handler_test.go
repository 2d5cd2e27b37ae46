package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/config"
	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

const secret = "/webhook/s3cret-path-for-tests"

var _ StateSource = (*testrig.State)(nil)

// at is a clock stopped at t. Every Handler in these tests gets one, so
// that a fixture polled at a fixed date is judged at that date, whatever
// day the tests run on.
func at(t time.Time) func() time.Time { return func() time.Time { return t } }

var (
	polled     = time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	goodResult = &traffic.Result{
		Totals: traffic.Totals{
			Cycle: billing.Cycle{
				Start: time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC),
				Today: time.Date(2026, time.November, 30, 0, 0, 0, 0, time.UTC),
				Next:  time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC),
			},
			InBytes:  1074266112, // 1024.50 MiB
			OutBytes: 2148270080, // 2048.75 MiB
			Interfaces: []traffic.IfaceTotal{
				{Name: "eth0", InBytes: 1073741824, OutBytes: 2147483648},
				{Name: "wlo1", InBytes: 524288, OutBytes: 786432},
			},
			Usage: billing.Usage{Mode: billing.ModeSum, UsedBytes: 1074266112 + 2148270080,
				ResetsOn: time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC)},
		},
		UpdatedAt: polled.Add(-5 * time.Minute),
		PolledAt:  polled,
	}
)

func do(t *testing.T, h http.Handler, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, target, nil))
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s %s: Cache-Control = %q", method, target, cc)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type = %q", method, target, ct)
	}
	return w
}

func TestWebhook(t *testing.T) {
	h := NewHandler(testrig.NewState(&traffic.State{Result: goodResult, LastPoll: polled}), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: 5 * time.Minute}, at(polled), nil)
	w := do(t, h, http.MethodGet, secret)
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	want := `{"start_date":"2026-11-01","in":1024.50,"out":2048.75,"end_date":"2026-11-30",` +
		`"in_bytes":1074266112,"out_bytes":2148270080,"used_bytes":3222536192,"billing_mode":"sum",` +
		`"interfaces":[{"name":"eth0","in_bytes":1073741824,"out_bytes":2147483648},{"name":"wlo1","in_bytes":524288,"out_bytes":786432}],` +
		`"updated_at":"2026-11-30T11:55:00Z","polled_at":"2026-11-30T12:00:00Z"}` + "\n"
	if got := w.Body.String(); got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}

	head := do(t, h, http.MethodHead, secret)
	if head.Code != http.StatusOK || head.Header().Get("Content-Length") != w.Header().Get("Content-Length") {
		t.Errorf("HEAD: status %d, Content-Length %q, want 200 and %q", head.Code, head.Header().Get("Content-Length"), w.Header().Get("Content-Length"))
	}
}

func TestWebhookIncompleteAndMissing(t *testing.T) {
	res := *goodResult
	res.Problems = []traffic.Problem{
		{Kind: traffic.Incomplete, Interface: "eth0", Detail: "eth0: daily rows start on 2026-11-10"},
		{Kind: traffic.InterfaceMissing, Interface: "eth9", Detail: "eth9: no such interface on this host"},
		{Kind: traffic.InterfaceAbsent, Interface: "ppp0", Detail: "ppp0: not on this host now"},
	}
	h := NewHandler(testrig.NewState(&traffic.State{Result: &res}), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute}, at(polled), nil)
	var body map[string]any
	if err := json.Unmarshal(do(t, h, http.MethodGet, secret).Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if inc, _ := body["incomplete"].([]any); len(inc) != 1 {
		t.Errorf("incomplete = %v", body["incomplete"])
	}
	if m, _ := body["missing"].([]any); len(m) != 1 {
		t.Errorf("missing = %v", body["missing"])
	}
	if w, _ := body["warnings"].([]any); len(w) != 1 || w[0] != "ppp0: not on this host now" {
		t.Errorf("warnings = %v", body["warnings"])
	}
}

func TestWebhookBeforeFirstGoodPoll(t *testing.T) {
	tests := []struct {
		name string
		st   *traffic.State
		want string
	}{
		{"no poll yet", &traffic.State{}, "no traffic data yet"},
		{"first poll failed", &traffic.State{LastPoll: polled, Err: errors.New("running vnstat: exit status 1")}, "exit status 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHandler(testrig.NewState(tt.st), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute}, at(polled), nil)
			w := do(t, h, http.MethodGet, secret)
			var body map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			msg, _ := body["error"].(string)
			if w.Code != http.StatusServiceUnavailable || !strings.Contains(msg, tt.want) || len(body) != 1 {
				t.Errorf("status %d body %s; want 503 with only an error containing %q", w.Code, w.Body, tt.want)
			}
		})
	}
}

func TestWebhookCachesEncodingPerResult(t *testing.T) {
	f := testrig.NewState(&traffic.State{Result: goodResult})
	h := NewHandler(f, Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute}, at(polled), nil)
	first := do(t, h, http.MethodGet, secret).Body.String()
	cached := h.bodies.Load()
	if again := do(t, h, http.MethodGet, secret).Body.String(); again != first || h.bodies.Load() != cached {
		t.Error("same result encoded twice")
	}
	next := *goodResult
	next.InBytes += 1 << 20
	f.Set(&traffic.State{Result: &next})
	if got := do(t, h, http.MethodGet, secret).Body.String(); got == first || !strings.Contains(got, `"in":1025.50`) {
		t.Errorf("new result served stale body %s", got)
	}
}

// TestHealth checks both health answers for each verdict: /health says
// only the status and the problems' kinds (no paths, names or numbers),
// the secret path's /health says what each problem is.
func TestHealth(t *testing.T) {
	interval := 5 * time.Minute
	incomplete := *goodResult
	incomplete.Problems = []traffic.Problem{{Kind: traffic.Incomplete, Interface: "eth0", Detail: "eth0: daily rows start on 2026-11-10"}}
	missing := *goodResult
	missing.Problems = []traffic.Problem{{Kind: traffic.InterfaceMissing, Interface: "eth9", Detail: "eth9: not in vnstat's database"}}
	tests := []struct {
		name   string
		st     *traffic.State
		now    time.Time
		status int
		kind   traffic.Kind
		want   string // in the details' "error" or "warnings"
	}{
		{"ok", &traffic.State{Result: goodResult, LastPoll: polled}, polled.Add(time.Minute), 200, "", ""},
		{"no poll yet", &traffic.State{}, polled, 503, traffic.NoData, "vnstat has not been read yet"},
		{"first poll failed", &traffic.State{LastPoll: polled, Err: errors.New("reading vnstat's database /db/vnstat.db: no such file")}, polled, 503, traffic.NoData, "no successful poll yet: reading vnstat's database /db/vnstat.db"},
		{"last poll failed", &traffic.State{Result: goodResult, LastPoll: polled.Add(interval), Err: errors.New("database is locked")}, polled.Add(interval), 503, traffic.PollFailed, "last poll failed: database is locked"},
		{"poller stuck", &traffic.State{Result: goodResult, LastPoll: polled}, polled.Add(2*interval + time.Second), 503, traffic.PollerStuck, "older than two poll intervals"},
		{"two intervals is not stuck yet", &traffic.State{Result: goodResult, LastPoll: polled}, polled.Add(2 * interval), 200, "", ""},
		{"named interface missing", &traffic.State{Result: &missing, LastPoll: polled}, polled, 503, traffic.InterfaceMissing, "eth9: not in vnstat's database"},
		{"incomplete history", &traffic.State{Result: &incomplete, LastPoll: polled}, polled, 200, traffic.Incomplete, "daily rows start on 2026-11-10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHandler(testrig.NewState(tt.st), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: interval}, at(tt.now), nil)
			wantStatus := map[int]traffic.Status{200: "ok", 503: "error"}[tt.status]
			if tt.status == 200 && tt.kind != "" {
				wantStatus = "degraded"
			}

			pub := do(t, h, http.MethodGet, HealthPath)
			var body healthBody
			if err := json.Unmarshal(pub.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			var wantKinds []traffic.Kind
			if tt.kind != "" {
				wantKinds = []traffic.Kind{tt.kind}
			}
			if pub.Code != tt.status || body.Status != wantStatus || !slices.Equal(body.Problems, wantKinds) {
				t.Errorf("/health %d %s; want %d, status %s, problems %v", pub.Code, pub.Body, tt.status, wantStatus, wantKinds)
			}
			for _, secretish := range []string{"eth", "/db", "vnstat", "2026-11-10", "database"} {
				if strings.Contains(pub.Body.String(), secretish) {
					t.Errorf("/health shows %q: %s", secretish, pub.Body)
				}
			}
			if _, err := time.Parse(time.RFC3339, body.Timestamp); err != nil {
				t.Errorf("timestamp %q: %v", body.Timestamp, err)
			}

			det := do(t, h, http.MethodGet, secret+HealthPath)
			var d detailsBody
			if err := json.Unmarshal(det.Body.Bytes(), &d); err != nil {
				t.Fatal(err)
			}
			if det.Code != tt.status || d.Status != wantStatus {
				t.Errorf("details %d %s; want %d %s", det.Code, det.Body, tt.status, wantStatus)
			}
			switch {
			case tt.status == 503:
				if !strings.Contains(d.Error, tt.want) || len(d.Problems) != 1 || d.Problems[0].Kind != tt.kind {
					t.Errorf("details %s: want an error with %q", det.Body, tt.want)
				}
			case tt.kind == "":
				if d.Error != "" || d.LastSuccess == "" || d.VnstatUpdatedAt != "2026-11-30T11:55:00Z" || len(d.Interfaces) == 0 {
					t.Errorf("details %s: want ok with the poll and vnstat times and the interfaces", det.Body)
				}
			default:
				if len(d.Warnings) != 1 || !strings.Contains(d.Warnings[0], tt.want) || d.Problems[0].Interface != "eth0" {
					t.Errorf("details %s: want a warning %q", det.Body, tt.want)
				}
			}
		})
	}
}

func TestRoutes(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := NewHandler(testrig.NewState(&traffic.State{Result: goodResult, LastPoll: polled}), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute}, at(polled), logger)
	notFound := do(t, h, http.MethodGet, "/nope")
	if notFound.Code != http.StatusNotFound {
		t.Fatalf("unknown path: %d", notFound.Code)
	}
	tests := []struct {
		name, method, target string
		status               int
	}{
		{"webhook", "GET", secret, 200},
		{"webhook with a query", "GET", secret + "?x=1", 200},
		{"health", "GET", "/health", 200},
		{"POST webhook", "POST", secret, 405},
		{"DELETE health", "DELETE", "/health", 405},
		{"root", "GET", "/", 404},
		{"trailing slash", "GET", secret + "/", 404},
		{"prefix", "GET", secret[:len(secret)-1], 404},
		{"longer", "GET", secret + "x", 404},
		{"upper case", "GET", strings.ToUpper(secret), 404},
		{"percent-encoded", "GET", strings.Replace(secret, "s3cret", "%733cret", 1), 404},
		{"double slash", "GET", "/" + secret, 404},
		{"dot-dot", "GET", "/health/.." + secret, 404},
		{"dot", "GET", "/webhook/./s3cret-path-for-tests", 404},
		{"health slash", "GET", "/health/", 404},
		{"parent", "GET", "/webhook/", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(t, h, tt.method, tt.target)
			if w.Code != tt.status {
				t.Errorf("%s %s: status %d, want %d", tt.method, tt.target, w.Code, tt.status)
			}
			if tt.status == 404 && w.Body.String() != notFound.Body.String() {
				t.Errorf("404 body %q differs from an unknown path's %q", w.Body, notFound.Body)
			}
			if tt.status == 405 && w.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("405 without Allow")
			}
			if tt.status != 200 && strings.Contains(w.Body.String(), "s3cret") {
				t.Errorf("response shows the secret: %s", w.Body)
			}
		})
	}
	if strings.Contains(logs.String(), "s3cret") {
		t.Errorf("logs show the secret path:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "route=webhook") {
		t.Errorf("requests not logged by route:\n%s", logs.String())
	}
}

// TestMiB checks the two-decimal MiB encoding against exact rational
// arithmetic, rounding half up.
func TestMiB(t *testing.T) {
	cases := []uint64{0, 1, 5242, 5243, 1 << 20, 1<<20 + 5242, 1<<20 + 5243, 1074266112, 1<<40 - 1, 1<<63 - 1, 1<<64 - 1}
	for i := uint64(0); i < 2000; i++ {
		cases = append(cases, i*104857+i%7)
	}
	for _, b := range cases {
		// round(b*100/2^20) = floor((b*100 + 2^19) / 2^20)
		q := new(big.Int).SetUint64(b)
		q.Mul(q, big.NewInt(100)).Add(q, big.NewInt(1<<19)).Rsh(q, 20)
		whole, frac := new(big.Int).QuoRem(q, big.NewInt(100), new(big.Int))
		want := whole.String() + "." + strings.Repeat("0", 2-len(frac.String())) + frac.String()
		if got := string(mib(b)); got != want {
			t.Errorf("mib(%d) = %s, want %s", b, got, want)
		}
	}
	for b, want := range map[uint64]string{0: "0.00", 5242: "0.00", 5243: "0.01", 1 << 20: "1.00", 1074266112: "1024.50"} {
		if got := string(mib(b)); got != want {
			t.Errorf("mib(%d) = %s, want %s", b, got, want)
		}
	}
}

func TestWebhookQuota(t *testing.T) {
	res := *goodResult
	res.Usage = billing.Usage{Mode: billing.ModeMax, UsedBytes: 2148270080 + 110e9, OffsetBytes: 110e9, LimitBytes: 500e9,
		RemainingBytes: 500e9 - 2148270080 - 110e9, ProjectedBytes: 116e9 + 1, ResetsOn: time.Date(2026, time.December, 22, 0, 0, 0, 0, time.UTC)}
	h := NewHandler(testrig.NewState(&traffic.State{Result: &res}), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute}, at(polled), nil)
	body := do(t, h, http.MethodGet, secret).Body.String()
	want := `"used_bytes":112148270080,"billing_mode":"max","offset_bytes":110000000000,` +
		`"quota":{"limit_bytes":500000000000,"mode":"max","used_bytes":112148270080,"remaining_bytes":387851729920,` +
		`"used_percent":22.43,"projected_bytes":116000000001,"projected_percent":23.20,"resets_on":"2026-12-22","offset_bytes":110000000000},` +
		`"interfaces":`
	if !strings.Contains(body, want) {
		t.Errorf("body %s\nlacks %s", body, want)
	}
	if !strings.HasPrefix(body, `{"start_date":"2026-11-01","in":1024.50,"out":2048.75,`) {
		t.Errorf("the original's keys do not come first: %s", body)
	}
}

func TestWebhookPreviousCycle(t *testing.T) {
	prev := &traffic.Totals{
		Cycle: billing.Cycle{
			Start: time.Date(2026, time.October, 1, 0, 0, 0, 0, time.UTC),
			Today: time.Date(2026, time.October, 31, 0, 0, 0, 0, time.UTC),
			Next:  time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC),
		},
		InBytes: 3 << 30, OutBytes: 1 << 30,
		Interfaces: []traffic.IfaceTotal{{Name: "eth0", InBytes: 3 << 30, OutBytes: 1 << 30}},
		Usage:      billing.Usage{Mode: billing.ModeSum, UsedBytes: 4 << 30, ProjectedBytes: 4 << 30, LimitBytes: 10 << 30, RemainingBytes: 6 << 30, ResetsOn: time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)},
	}
	incomplete := *prev
	incomplete.Problems = []traffic.Problem{{Kind: traffic.Incomplete, Interface: "eth0", Detail: "eth0: vnstat began to track it on 2026-10-12, after the cycle start 2026-10-01"}}
	tests := []struct {
		name   string
		prev   *traffic.Totals
		query  string
		status int
		want   string
	}{
		{"previous", prev, "?cycle=previous", 200, `{"start_date":"2026-10-01","in":3072.00,"out":1024.00,"end_date":"2026-10-31",`},
		{"previous quota", prev, "?cycle=previous", 200, `"used_percent":40.00,"projected_bytes":4294967296,"projected_percent":40.00,"resets_on":"2026-11-01"`},
		{"current", prev, "?cycle=current", 200, `{"start_date":"2026-11-01",`},
		{"incomplete", &incomplete, "?cycle=previous", 422, `{"error":"vnstat does not hold every day of the previous cycle 2026-10-01..2026-10-31: eth0: vnstat began to track it on 2026-10-12`},
		{"unknown cycle", prev, "?cycle=next", 400, `{"error":"cycle must be current or previous"}`},
		{"bad query", prev, "?cycle=%zz", 400, `{"error":"bad query string"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := *goodResult
			res.Previous = tt.prev
			h := NewHandler(testrig.NewState(&traffic.State{Result: &res}), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute}, at(polled), nil)
			w := do(t, h, http.MethodGet, secret+tt.query)
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.want) {
				t.Errorf("status %d body %s; want %d with %s", w.Code, w.Body, tt.status, tt.want)
			}
		})
	}
}

func TestCheckPaths(t *testing.T) {
	tests := []struct {
		webhook, metrics string
		bad              string
	}{
		{"/hook/x", "", ""},
		{"/hook/x", "/metrics", ""},
		{"/hook/x", "/hook/x/metrics", ""},
		{"/health", "", "WEBHOOK_PATH"},
		{"/hook/x", "/health", "METRICS_PATH"},
		{"/hook/x", "/hook/x", "METRICS_PATH"},
		{"/hook/x", "/hook/x/health", "METRICS_PATH"},
	}
	for _, tt := range tests {
		clash := CheckPaths(tt.webhook, tt.metrics)
		var err error
		if clash != nil {
			err = clash
		}
		if (tt.bad == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), "invalid "+tt.bad) {
			t.Errorf("CheckPaths(%q, %q) = %v, want %s refused", tt.webhook, tt.metrics, err, tt.bad)
		}
		if err != nil && tt.webhook != HealthPath && strings.Contains(err.Error(), tt.webhook) {
			t.Errorf("the error shows the secret path: %v", err)
		}
	}
}

// FuzzCheckPaths: whatever pair of paths CheckPaths accepts, each route
// of the server is reached by its own path, so no setting hides another
// route. It asserts what CheckPaths promises, for any strings.
func FuzzCheckPaths(f *testing.F) {
	f.Add("/hook/x", "/metrics")
	f.Add("/ab", "/ab")
	f.Add("/hook/x", "/hook/x/health")
	f.Add("/hook/x", "/hook/x/calibrate")
	f.Add("/hook/x", "/hook/x/dashboard")
	f.Add("/hook/x", "/hook/x/history")
	f.Add("/health", "")
	f.Add("/a", "/health")
	f.Fuzz(func(t *testing.T, webhook, metrics string) {
		if CheckPaths(webhook, metrics) != nil {
			return
		}
		h := NewHandler(testrig.NewState(&traffic.State{}), Config{HTTP: config.HTTP{WebhookPath: webhook, MetricsPath: metrics}, PollInterval: time.Minute}, at(polled), nil)
		want := map[string]string{webhook: "webhook", webhook + HealthPath: "details", webhook + CalibratePath: "calibrate",
			webhook + DashboardPath: "dashboard", webhook + HistoryPath: "history", HealthPath: "health"}
		if metrics != "" {
			want[metrics] = "metrics"
		}
		for path, route := range want {
			if got := h.route(path); got != route {
				t.Fatalf("CheckPaths(%q, %q) accepted, but %q routes to %s, want %s", webhook, metrics, path, got, route)
			}
		}
	})
}

// TestPartialCycleSaid: when vnstat began counting an interface after the
// cycle began, the webhook, the detailed /health and the metrics say since
// when, and /health's status stays as the problems make it.
func TestPartialCycleSaid(t *testing.T) {
	res := *goodResult
	created := time.Date(2026, time.November, 17, 9, 30, 0, 0, time.UTC)
	res.Interfaces = []traffic.IfaceTotal{
		{Name: "eth0", InBytes: 1073741824, OutBytes: 2147483648, Created: created},
		{Name: "wlo1", InBytes: 524288, OutBytes: 786432, Created: time.Date(2026, time.May, 1, 0, 0, 0, 0, time.UTC)},
	}
	st := &traffic.State{Result: &res, LastPoll: polled}
	h := NewHandler(testrig.NewState(st), Config{HTTP: config.HTTP{WebhookPath: secret, MetricsPath: "/metrics"}, PollInterval: 5 * time.Minute}, at(polled), nil)
	note := "vnstat began counting eth0 at 2026-11-17T09:30:00Z, after this cycle began on 2026-11-01: traffic before then is not in these totals; " +
		"to count it against the quota, set USED_OFFSET (with USED_OFFSET_CYCLE=2026-11-01) to what the provider counted before, or run vnstat-exporter calibrate with the provider's usage"

	var hook struct {
		CountingSince string `json:"counting_since"`
		Warnings      []string
		Interfaces    []struct {
			Name          string `json:"name"`
			CountingSince string `json:"counting_since"`
		}
	}
	if err := json.Unmarshal(do(t, h, http.MethodGet, secret).Body.Bytes(), &hook); err != nil {
		t.Fatal(err)
	}
	if hook.CountingSince != "2026-11-17T09:30:00Z" || len(hook.Warnings) != 1 || hook.Warnings[0] != note {
		t.Errorf("webhook: counting_since %q, warnings %q", hook.CountingSince, hook.Warnings)
	}
	if len(hook.Interfaces) != 2 || hook.Interfaces[0].CountingSince != "2026-11-17T09:30:00Z" || hook.Interfaces[1].CountingSince != "" {
		t.Errorf("webhook interfaces: %+v", hook.Interfaces)
	}

	var health struct {
		Status        traffic.Status
		CountingSince string `json:"counting_since"`
		Warnings      []string
	}
	if err := json.Unmarshal(do(t, h, http.MethodGet, secret+"/health").Body.Bytes(), &health); err != nil {
		t.Fatal(err)
	}
	if health.Status != traffic.OK || health.CountingSince != "2026-11-17T09:30:00Z" || len(health.Warnings) != 1 || health.Warnings[0] != note {
		t.Errorf("/health details: %+v", health)
	}

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, want := range []string{
		`vnstat_exporter_interface_counting_since_timestamp_seconds{interface="eth0"} 1.7949078e+09`,
		`vnstat_exporter_interface_counting_since_timestamp_seconds{interface="wlo1"} 1.7775936e+09`,
	} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("metrics lack %s:\n%s", want, w.Body)
		}
	}

	// Counted from the cycle's start: nothing said.
	h = NewHandler(testrig.NewState(&traffic.State{Result: goodResult, LastPoll: polled}), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: 5 * time.Minute}, at(polled), nil)
	if body := do(t, h, http.MethodGet, secret+"/health").Body.String(); strings.Contains(body, "counting_since") || strings.Contains(body, "warnings") {
		t.Errorf("/health details of a whole cycle: %s", body)
	}
}
