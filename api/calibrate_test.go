package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/alert"
	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/config"
	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

func post(h http.Handler, target, body string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h.ServeHTTP(w, r)
	return w
}

// TestCalibrate posts the provider's figure: the offset is what it
// differs from the usage counted now by, and the calibration is handed on.
func TestCalibrate(t *testing.T) {
	var got []billing.Calibration
	keep := func(c billing.Calibration) error { got = append(got, c); return nil }
	res := *goodResult
	res.Usage.CountedBytes = res.Usage.UsedBytes
	h := NewHandler(testrig.NewState(&traffic.State{Result: &res, LastPoll: polled}), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute, Calibrate: keep},
		at(polled), nil)
	w := post(h, secret+CalibratePath, "used=3GiB")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	want := `{"cycle_start":"2026-11-01","provider_bytes":3221225472,"counted_bytes":3222536192,"offset_bytes":-1310720,` +
		`"set_at":"2026-11-30T12:00:00Z","source":"http","used_bytes":3221225472}` + "\n"
	if w.Body.String() != want {
		t.Errorf("body\n got %s\nwant %s", w.Body, want)
	}
	if len(got) != 1 || got[0].OffsetBytes != -1310720 || !got[0].Cycle.Equal(res.Cycle.Start) {
		t.Errorf("calibrations handed on: %+v", got)
	}
	if w := post(h, secret+CalibratePath, "used=5TB&source=command"); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"source":"command"`) {
		t.Errorf("from the command: %d %s", w.Code, w.Body)
	}
}

func TestCalibrateRefuses(t *testing.T) {
	keep := func(billing.Calibration) error { return nil }
	good := &traffic.State{Result: goodResult, LastPoll: polled}
	stalled := *goodResult
	stalled.Problems = []traffic.Problem{{Kind: traffic.VnstatdStalled, Interface: "eth0", Detail: "vnstatd is not saving"}}
	tests := []struct {
		name   string
		st     *traffic.State
		keep   func(billing.Calibration) error
		method string
		body   string
		status int
		want   string
	}{
		{"GET", good, keep, http.MethodGet, "", http.StatusMethodNotAllowed, "method not allowed"},
		{"no value", good, keep, http.MethodPost, "", http.StatusBadRequest, `invalid used \"\"`},
		{"bad unit", good, keep, http.MethodPost, "used=5G", http.StatusBadRequest, `invalid used \"5G\"`},
		{"negative", good, keep, http.MethodPost, "used=-5GB", http.StatusBadRequest, `invalid used \"-5GB\"`},
		{"beyond int64", good, keep, http.MethodPost, "used=9300000000000000000", http.StatusBadRequest, `invalid used \"9300000000000000000\" (larger than 1125899906842624 bytes (1 PiB))`},
		{"beyond 1 PiB", good, keep, http.MethodPost, "used=1025TiB", http.StatusBadRequest, "larger than"},
		{"blank", good, keep, http.MethodPost, "used=+", http.StatusBadRequest, `invalid used \"\" (empty)`},
		{"body too large", good, keep, http.MethodPost, "used=1&pad=" + strings.Repeat("x", 2000), http.StatusBadRequest, "bad form"},
		{"no data yet", &traffic.State{}, keep, http.MethodPost, "used=5GB", http.StatusServiceUnavailable, "no_data"},
		{"vnstatd stalled", &traffic.State{Result: &stalled, LastPoll: polled}, keep, http.MethodPost, "used=5GB", http.StatusServiceUnavailable, "vnstatd_stalled"},
		{"no state directory", good, nil, http.MethodPost, "used=5GB", http.StatusServiceUnavailable, "writable STATE_DIR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHandler(testrig.NewState(tt.st), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute, Calibrate: tt.keep}, at(polled), nil)
			w := httptest.NewRecorder()
			r := httptest.NewRequest(tt.method, secret+CalibratePath, strings.NewReader(tt.body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			h.ServeHTTP(w, r)
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.want) {
				t.Errorf("%d %s, want %d with %q", w.Code, w.Body, tt.status, tt.want)
			}
		})
	}
	// Anything near the path is 404, as for the webhook.
	h := NewHandler(testrig.NewState(good), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute, Calibrate: keep}, at(polled), nil)
	for _, p := range []string{secret + CalibratePath + "/", "/calibrate", secret + "/calibrat"} {
		if w := post(h, p, "used=5GB"); w.Code != http.StatusNotFound {
			t.Errorf("POST %s: %d", p, w.Code)
		}
	}
}

// TestDetailsShowAlerts: the detailed health carries the alert engine's
// status, the public one does not.
func TestDetailsShowAlerts(t *testing.T) {
	status := func() any {
		return alert.Status{Pending: 2, LastError: "telegram #1: got unexpected HTTP status: 502"}
	}
	h := NewHandler(testrig.NewState(&traffic.State{Result: goodResult, LastPoll: polled}), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute, Alerts: status},
		at(polled), nil)
	if w := do(t, h, http.MethodGet, secret+HealthPath); !strings.Contains(w.Body.String(), `"alerts":{"pending":2,"last_error":"telegram #1: got unexpected HTTP status: 502"}`) {
		t.Errorf("details: %s", w.Body)
	}
	if w := do(t, h, http.MethodGet, HealthPath); strings.Contains(w.Body.String(), "alerts") {
		t.Errorf("public health shows alerts: %s", w.Body)
	}
}
