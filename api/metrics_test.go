package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/config"
	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

func scrape(t *testing.T, h http.Handler, path string) (string, map[string]*dto.MetricFamily) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	if w.Code != http.StatusOK || w.Header().Get("Cache-Control") != "no-store" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: %d %v %s", path, w.Code, w.Header(), w.Body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(w.Body.String()))
	if err != nil {
		t.Fatalf("parsing the exposition: %v", err)
	}
	return w.Body.String(), fams
}

// value returns the sample of family name whose labels include labels.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
next:
	for _, m := range f.GetMetric() {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("no sample of %s with %v", name, labels)
	return 0
}

// TestMetricsEqualWebhook scrapes the metrics and checks them against the
// webhook's answer for the same state, and with promtool when it is there.
func TestMetricsEqualWebhook(t *testing.T) {
	res := *goodResult
	res.Interfaces = slices.Clone(res.Interfaces)
	res.Interfaces[0].LifetimeInBytes, res.Interfaces[0].LifetimeOutBytes = 9_000_000_000_123, 4_000_000_000_456
	res.Usage = billing.Usage{Mode: billing.ModeSum, UsedBytes: 3222536192 + 110e9, OffsetBytes: 110e9, LimitBytes: 500e9,
		RemainingBytes: 500e9 - 3222536192 - 110e9, ProjectedBytes: 120e9, ResetsOn: time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC)}
	st := &traffic.State{Result: &res, LastPoll: polled, PollDuration: 25 * time.Millisecond, PollErrors: 3}
	h := NewHandler(testrig.NewState(st), Config{HTTP: config.HTTP{WebhookPath: secret, MetricsPath: secret + "/metrics"}, PollInterval: time.Minute, Version: "1.2.3"},
		at(polled), nil)
	text, fams := scrape(t, h, secret+"/metrics")

	var hook struct {
		InBytes    uint64 `json:"in_bytes"`
		OutBytes   uint64 `json:"out_bytes"`
		Interfaces []struct {
			Name     string `json:"name"`
			InBytes  uint64 `json:"in_bytes"`
			OutBytes uint64 `json:"out_bytes"`
		} `json:"interfaces"`
		Quota struct {
			Limit     uint64 `json:"limit_bytes"`
			Used      uint64 `json:"used_bytes"`
			Remaining uint64 `json:"remaining_bytes"`
			Projected uint64 `json:"projected_bytes"`
		} `json:"quota"`
	}
	if err := json.Unmarshal(do(t, h, http.MethodGet, secret).Body.Bytes(), &hook); err != nil {
		t.Fatal(err)
	}
	var sumIn, sumOut float64
	for _, i := range hook.Interfaces {
		in := value(t, fams, "vnstat_exporter_cycle_bytes", "interface", i.Name, "direction", "in")
		out := value(t, fams, "vnstat_exporter_cycle_bytes", "interface", i.Name, "direction", "out")
		if in != float64(i.InBytes) || out != float64(i.OutBytes) {
			t.Errorf("%s: metrics %v/%v, webhook %d/%d", i.Name, in, out, i.InBytes, i.OutBytes)
		}
		if value(t, fams, "vnstat_exporter_interface_info", "interface", i.Name) != 1 {
			t.Errorf("no interface_info for %s", i.Name)
		}
		sumIn += in
		sumOut += out
	}
	if sumIn != float64(hook.InBytes) || sumOut != float64(hook.OutBytes) {
		t.Errorf("metric sums %v/%v, webhook %d/%d", sumIn, sumOut, hook.InBytes, hook.OutBytes)
	}
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"vnstat_exporter_cycle_used_bytes", []string{"mode", "sum"}, float64(hook.Quota.Used)},
		{"vnstat_exporter_quota_limit_bytes", nil, float64(hook.Quota.Limit)},
		{"vnstat_exporter_quota_remaining_bytes", nil, float64(hook.Quota.Remaining)},
		{"vnstat_exporter_quota_projected_bytes", nil, float64(hook.Quota.Projected)},
		{"vnstat_exporter_cycle_start_timestamp_seconds", nil, float64(time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC).Unix())},
		{"vnstat_exporter_cycle_reset_timestamp_seconds", nil, float64(time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC).Unix())},
		{"vnstat_exporter_interface_bytes_total", []string{"interface", "eth0", "direction", "in"}, 9_000_000_000_123},
		{"vnstat_exporter_interface_bytes_total", []string{"interface", "eth0", "direction", "out"}, 4_000_000_000_456},
		{"vnstat_exporter_interface_bytes_total", []string{"interface", "wlo1", "direction", "in"}, 0},
		{"vnstat_exporter_last_success_timestamp_seconds", nil, float64(polled.Unix())},
		{"vnstat_exporter_vnstat_updated_timestamp_seconds", nil, float64(polled.Add(-5 * time.Minute).Unix())},
		{"vnstat_exporter_poll_duration_seconds", nil, 0.025},
		{"vnstat_exporter_poll_errors_total", nil, 3},
		{"vnstat_exporter_last_poll_success", nil, 1},
		{"vnstat_exporter_build_info", []string{"version", "1.2.3"}, 1},
	}
	for _, c := range checks {
		if got := value(t, fams, c.name, c.labels...); got != c.want {
			t.Errorf("%s = %v, want %v", c.name, got, c.want)
		}
	}
	if typ := fams["vnstat_exporter_interface_bytes_total"].GetType().String(); typ != "COUNTER" {
		t.Errorf("vnstat_exporter_interface_bytes_total is a %s, want a counter", typ)
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("no %s: the Go and process collectors are off", name)
		}
	}
	if strings.Contains(text, "s3cret") {
		t.Error("the exposition shows the secret path")
	}
}

// TestMetricsPromtool lints the exposition with Prometheus's own promtool.
func TestMetricsPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not installed (apt-get install prometheus): exposition not linted")
	}
	res := *goodResult
	res.Usage.LimitBytes, res.Usage.RemainingBytes, res.Usage.ProjectedBytes = 500e9, 400e9, 200e9
	res.Problems = []traffic.Problem{{Kind: traffic.VnstatdStalled, Interface: "eth0", Detail: "vnstatd is not saving"}}
	st := &traffic.State{Result: &res, LastPoll: polled, PollDuration: time.Second}
	h := NewHandler(testrig.NewState(st), Config{HTTP: config.HTTP{WebhookPath: secret, MetricsPath: "/metrics"}, PollInterval: time.Minute, Version: "test"}, at(polled), nil)
	text, _ := scrape(t, h, "/metrics")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

func TestMetricsRoute(t *testing.T) {
	st := &traffic.State{}
	off := NewHandler(testrig.NewState(st), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute}, at(polled), nil)
	if w := do(t, off, http.MethodGet, "/metrics"); w.Code != http.StatusNotFound {
		t.Errorf("metrics off: /metrics answered %d", w.Code)
	}
	on := NewHandler(testrig.NewState(st), Config{HTTP: config.HTTP{WebhookPath: secret, MetricsPath: "/metrics"}, PollInterval: time.Minute}, at(polled), nil)
	// Before any poll: only what is known, no zeros for traffic.
	text, fams := scrape(t, on, "/metrics")
	if _, ok := fams["vnstat_exporter_cycle_bytes"]; ok {
		t.Errorf("traffic metrics before any poll:\n%s", text)
	}
	if w := do(t, on, http.MethodPost, "/metrics"); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics answered %d", w.Code)
	}
	if w := do(t, on, http.MethodGet, "/metrics/"); w.Code != http.StatusNotFound {
		t.Errorf("/metrics/ answered %d", w.Code)
	}
}

// TestMetricsProblems: every problem /health reports is a series of
// vnstat_exporter_problem, so Prometheus can alert on each; none when ok.
func TestMetricsProblems(t *testing.T) {
	res := *goodResult
	res.Problems = []traffic.Problem{
		{Kind: traffic.VnstatdStalled, Interface: "eth0", Detail: "vnstatd is not saving"},
		{Kind: traffic.ZoneMismatch, Detail: "time zone mismatch"},
	}
	cfg := Config{HTTP: config.HTTP{WebhookPath: secret, MetricsPath: "/metrics"}, PollInterval: time.Hour}
	_, fams := scrape(t, NewHandler(testrig.NewState(&traffic.State{Result: &res, LastPoll: polled}), cfg, at(polled), nil), "/metrics")
	got := map[string]float64{}
	for _, m := range fams["vnstat_exporter_problem"].GetMetric() {
		key := ""
		for _, l := range m.GetLabel() {
			key += l.GetName() + "=" + l.GetValue() + ","
		}
		got[key] = m.GetGauge().GetValue()
	}
	want := map[string]float64{"interface=eth0,kind=vnstatd_stalled,": 1, "interface=,kind=zone_mismatch,": 1}
	if len(got) != len(want) || got["interface=eth0,kind=vnstatd_stalled,"] != 1 || got["interface=,kind=zone_mismatch,"] != 1 {
		t.Errorf("problem series %v, want %v", got, want)
	}

	_, fams = scrape(t, NewHandler(testrig.NewState(&traffic.State{}), cfg, at(polled), nil), "/metrics")
	if v := value(t, fams, "vnstat_exporter_problem", "kind", "no_data"); v != 1 {
		t.Errorf("before any poll: no_data = %v", v)
	}
	good := testrig.NewState(&traffic.State{Result: goodResult, LastPoll: polled})
	_, fams = scrape(t, NewHandler(good, cfg, at(polled), nil), "/metrics")
	if f, ok := fams["vnstat_exporter_problem"]; ok {
		t.Errorf("problems when all is well: %v", f)
	}
	// The same state judged by the handler's clock two intervals and a
	// second later: the poller is stuck, as /health would say.
	_, fams = scrape(t, NewHandler(good, cfg, at(polled.Add(2*cfg.PollInterval+time.Second)), nil), "/metrics")
	if v := value(t, fams, "vnstat_exporter_problem", "kind", "poller_stuck"); v != 1 {
		t.Errorf("two intervals after the poll: poller_stuck = %v", v)
	}
}

// TestMetricsCycleStartUseUTC: with UseUTC the cycle begins and resets at
// 00:00 UTC, whatever the daemon's zone; the metrics say so.
func TestMetricsCycleStartUseUTC(t *testing.T) {
	res := *goodResult
	cst := time.FixedZone("CST", 8*3600)
	res.PolledAt, res.Zone = res.PolledAt.In(cst), time.UTC
	st := &traffic.State{Result: &res, LastPoll: polled}
	h := NewHandler(testrig.NewState(st), Config{HTTP: config.HTTP{WebhookPath: secret, MetricsPath: secret + "/metrics"}, PollInterval: time.Minute, Version: "1.2.3"},
		at(polled), nil)
	_, fams := scrape(t, h, secret+"/metrics")
	if got, want := value(t, fams, "vnstat_exporter_cycle_start_timestamp_seconds"), float64(time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC).Unix()); got != want {
		t.Errorf("cycle start %v, want %v (00:00 UTC)", got, want)
	}
}
