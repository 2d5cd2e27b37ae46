package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/config"
	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// discard is a ResponseWriter that keeps nothing, so that benchmarks count
// the handler's own allocations and not a recorder's.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

func benchHandler(b *testing.B, metrics string) *Handler {
	b.Helper()
	res := *goodResult
	res.Usage.LimitBytes, res.Usage.RemainingBytes, res.Usage.ProjectedBytes = 500e9, 400e9, 200e9
	st := &traffic.State{Result: &res, LastPoll: polled}
	return NewHandler(testrig.NewState(st), Config{HTTP: config.HTTP{WebhookPath: secret, MetricsPath: metrics}, PollInterval: time.Minute, Version: "bench"},
		at(polled), nil)
}

func benchServe(b *testing.B, h http.Handler, target string, want int) {
	b.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	w := &discard{h: http.Header{}}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != want {
		b.Fatalf("GET %s: %d", target, rec.Code)
	}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

// BenchmarkWebhook serves the webhook from the answer prepared at poll time.
func BenchmarkWebhook(b *testing.B) { benchServe(b, benchHandler(b, ""), secret, http.StatusOK) }

// BenchmarkDashboard serves the dashboard (62 days, four interfaces) from
// the page built for the state; BenchmarkDashboardRender builds it, as the
// first request after each new state does.
func BenchmarkDashboard(b *testing.B) {
	h := NewHandler(testrig.NewState(dashboardState(4)), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute}, at(polled), nil)
	benchServe(b, h, secret+DashboardPath, http.StatusOK)
}

func BenchmarkDashboardRender(b *testing.B) {
	st := dashboardState(4)
	h := NewHandler(testrig.NewState(st), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute, Thresholds: []int{80, 90, 100}}, at(polled), nil)
	health := traffic.Judge(st, polled, time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.buildPages(st, health, polled); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHealth serves /health, encoded per request (it carries the time).
func BenchmarkHealth(b *testing.B) { benchServe(b, benchHandler(b, ""), HealthPath, http.StatusOK) }

// BenchmarkMetrics serves a Prometheus scrape, Go and process collectors
// included.
func BenchmarkMetrics(b *testing.B) {
	benchServe(b, benchHandler(b, "/metrics"), "/metrics", http.StatusOK)
}

// The BenchmarkRoute* set times the secret-path match: a hit, a path that
// shares all but its last byte with the secret, and one that shares
// nothing, all of the secret's length. Equal times mean the match leaks
// nothing through timing.
func benchRoute(b *testing.B, path string, want string) {
	h := benchHandler(b, "")
	if got := h.route(path); got != want {
		b.Fatalf("route(%q) = %s", path, got)
	}
	for b.Loop() {
		h.route(path)
	}
}

func BenchmarkRouteHit(b *testing.B) { benchRoute(b, secret, "webhook") }
func BenchmarkRouteNearMiss(b *testing.B) {
	benchRoute(b, secret[:len(secret)-1]+"X", "unknown")
}
func BenchmarkRouteFarMiss(b *testing.B) {
	benchRoute(b, "/"+strings.Repeat("z", len(secret)-1), "unknown")
}
