package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/config"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// HealthPath is the route of the public health check; WEBHOOK_PATH +
// HealthPath is the detailed one.
const HealthPath = "/health"

// CalibratePath, under WEBHOOK_PATH, takes a POST of the provider's count
// of the cycle's usage.
const CalibratePath = "/calibrate"

// PathClash is a webhook or metrics path that clashes with a route of
// the server. It shows no path: they are secrets.
type PathClash struct {
	// Var is the setting refused, WEBHOOK_PATH or METRICS_PATH; Allowed
	// what it may be.
	Var, Allowed string
}

func (c *PathClash) Error() string { return "invalid " + c.Var + ": allowed: " + c.Allowed }

// CheckPaths refuses a webhook or metrics path that clashes with a route
// of the server: /health, each other, or the detailed health.
func CheckPaths(webhook, metrics string) *PathClash {
	switch {
	case webhook == HealthPath:
		return &PathClash{"WEBHOOK_PATH", "a path other than " + HealthPath}
	case metrics == "":
		return nil
	case metrics == HealthPath || metrics == webhook || metrics == webhook+HealthPath || metrics == webhook+CalibratePath ||
		metrics == webhook+DashboardPath || metrics == webhook+HistoryPath:
		return &PathClash{"METRICS_PATH", fmt.Sprintf("a path other than %s, WEBHOOK_PATH, WEBHOOK_PATH%s, WEBHOOK_PATH%s, WEBHOOK_PATH%s and WEBHOOK_PATH%s",
			HealthPath, HealthPath, CalibratePath, DashboardPath, HistoryPath)}
	}
	return nil
}

// StateSource gives the poller's latest state.
type StateSource interface {
	State() *traffic.State
}

// Config is what the Handler needs from the configuration.
type Config struct {
	// HTTP are the server's settings: the secret path of the totals
	// (WebhookPath) and the path of the Prometheus metrics (MetricsPath,
	// empty for none).
	config.HTTP
	// PollInterval is the poller's interval; a last good poll older than
	// two of them makes /health fail.
	PollInterval time.Duration
	// Version is the program's version, for the build_info metric.
	Version string
	// Calibrate keeps and applies a calibration; nil when there is no
	// writable state directory to keep it in.
	Calibrate func(billing.Calibration) error
	// Alerts gives the alert engine's status for the detailed health, a
	// value encoded as JSON under "alerts"; nil when alerts are off.
	Alerts func() any
	// Bot gives the Telegram bot's status, under "telegram_bot"; nil
	// when the bot is off.
	Bot func() any
	// Thresholds are the alert thresholds (ALERT_AT), marked on the
	// dashboard's usage bar; Host is the host's name, in its title.
	Thresholds []int
	Host       string
}

// Handler serves the webhook, the health check and, when configured, the
// metrics, from a StateSource.
type Handler struct {
	state         StateSource
	webhook       [sha256.Size]byte // digest of the secret path
	details       [sha256.Size]byte // digest of the secret path + HealthPath
	calibratePath [sha256.Size]byte // digest of the secret path + CalibratePath
	dashboard     [sha256.Size]byte // digest of the secret path + DashboardPath
	history       [sha256.Size]byte // digest of the secret path + HistoryPath
	thresholds    []int
	host          string
	calibrate     func(billing.Calibration) error
	alerts        func() any
	bot           func() any
	metricsPath   *[sha256.Size]byte
	metrics       http.Handler
	pollInterval  time.Duration
	now           func() time.Time
	logger        *slog.Logger

	// bodies caches the webhook's JSON for the latest result, so that a
	// request costs no encoding; pages the dashboard and the history for
	// the latest state.
	bodies atomic.Pointer[encoded]
	pages  atomic.Pointer[pages]
}

// encoded is the webhook's answers for one result, ready to write: bodies
// with their final newline, and their Content-Length values.
type encoded struct {
	result *traffic.Result
	// current is the current cycle's document.
	current    []byte
	currentLen []string
	// previous is the previous cycle's document, or the error body when
	// it is incomplete; previousStatus is its status code.
	previous       []byte
	previousLen    []string
	previousStatus int
}

// NewHandler returns a Handler. A nil now means time.Now; a nil logger
// discards.
func NewHandler(src StateSource, cfg Config, now func() time.Time, logger *slog.Logger) *Handler {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	h := &Handler{state: src, webhook: sha256.Sum256([]byte(cfg.WebhookPath)), details: sha256.Sum256([]byte(cfg.WebhookPath + HealthPath)),
		calibratePath: sha256.Sum256([]byte(cfg.WebhookPath + CalibratePath)), calibrate: cfg.Calibrate, alerts: cfg.Alerts, bot: cfg.Bot,
		dashboard: sha256.Sum256([]byte(cfg.WebhookPath + DashboardPath)), history: sha256.Sum256([]byte(cfg.WebhookPath + HistoryPath)),
		thresholds: cfg.Thresholds, host: cfg.Host,
		pollInterval: cfg.PollInterval, now: now, logger: logger}
	if cfg.MetricsPath != "" {
		d := sha256.Sum256([]byte(cfg.MetricsPath))
		h.metricsPath = &d
		h.metrics = newMetricsHandler(src, cfg.Version, cfg.PollInterval, now, logger)
	}
	return h
}

// ServeHTTP routes a request: the webhook, /health and the metrics answer
// GET and HEAD, the calibration POST, anything else is 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route := h.route(r.URL.EscapedPath())
	var status int
	switch {
	case route == "unknown":
		status = h.fail(w, route, http.StatusNotFound, "not found", nil)
	case route == "calibrate" && r.Method != http.MethodPost:
		w.Header().Set("Allow", "POST")
		status = h.fail(w, route, http.StatusMethodNotAllowed, "method not allowed", nil)
	case route == "calibrate":
		status = h.serveCalibrate(w, r)
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD")
		status = h.fail(w, route, http.StatusMethodNotAllowed, "method not allowed", nil)
	case route == "webhook":
		status = h.serveWebhook(w, r.URL.RawQuery)
	case route == "health":
		status = h.serveHealth(w, false)
	case route == "details":
		status = h.serveHealth(w, true)
	case route == "dashboard" || route == "history":
		status = h.servePage(w, r, route)
	default:
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		sw.Header().Set("Cache-Control", "no-store")
		h.metrics.ServeHTTP(sw, r)
		status = sw.status
	}
	if h.logger.Enabled(r.Context(), slog.LevelDebug) {
		h.logger.Debug("request", "route", route, "method", r.Method, "status", status, "remote", r.RemoteAddr)
	}
}

// route names the route of path: "webhook", "details" (the detailed
// health, the secret path + HealthPath), "calibrate" (the secret path +
// CalibratePath), "dashboard", "history" (the secret path + DashboardPath,
// HistoryPath), "health", "metrics" or "unknown". The secret paths are matched by comparing SHA-256 digests in
// constant time: the time taken depends on the request's path only, not on
// how much of it, or of its length, matches the secret.
func (h *Handler) route(path string) string {
	d := sha256.Sum256([]byte(path))
	// Every secret digest is compared, hit or miss, so that the time does
	// not depend on which one matched.
	webhook := subtle.ConstantTimeCompare(d[:], h.webhook[:])
	details := subtle.ConstantTimeCompare(d[:], h.details[:])
	calibrate := subtle.ConstantTimeCompare(d[:], h.calibratePath[:])
	dashboard := subtle.ConstantTimeCompare(d[:], h.dashboard[:])
	history := subtle.ConstantTimeCompare(d[:], h.history[:])
	metrics := 0
	if h.metricsPath != nil {
		metrics = subtle.ConstantTimeCompare(d[:], h.metricsPath[:])
	}
	switch {
	case webhook == 1:
		return "webhook"
	case details == 1:
		return "details"
	case calibrate == 1:
		return "calibrate"
	case dashboard == 1:
		return "dashboard"
	case history == 1:
		return "history"
	case metrics == 1:
		return "metrics"
	case path == HealthPath:
		return "health"
	}
	return "unknown"
}

func (h *Handler) serveWebhook(w http.ResponseWriter, rawQuery string) int {
	previous := false
	if rawQuery != "" {
		q, err := url.ParseQuery(rawQuery)
		if err != nil {
			return h.fail(w, "webhook", http.StatusBadRequest, "bad query string", nil)
		}
		switch q.Get("cycle") {
		case "", "current":
		case "previous":
			previous = true
		default:
			return h.fail(w, "webhook", http.StatusBadRequest, "cycle must be current or previous", nil)
		}
	}
	st := h.state.State()
	if st.Result == nil {
		return h.noData(w, "webhook", st)
	}
	enc := h.bodies.Load()
	if enc == nil || enc.result != st.Result {
		var err error
		if enc, err = encode(st.Result); err != nil {
			return h.fail(w, "webhook", http.StatusInternalServerError, "encoding response", err)
		}
		h.bodies.Store(enc)
	}
	if previous {
		writeBody(w, enc.previousStatus, enc.previous, enc.previousLen)
		return enc.previousStatus
	}
	writeBody(w, http.StatusOK, enc.current, enc.currentLen)
	return http.StatusOK
}

// encode prepares the webhook's answers for res.
func encode(res *traffic.Result) (*encoded, error) {
	enc := &encoded{result: res, previousStatus: http.StatusOK}
	var err error
	if enc.current, err = json.Marshal(newWebhookBody(res, &res.Totals)); err != nil {
		return nil, err
	}
	var prev any
	switch p := res.Previous; {
	case p == nil:
		enc.previousStatus = http.StatusServiceUnavailable
		prev = errorBody{"the previous cycle is not known yet"}
	case len(p.Details(traffic.Incomplete)) > 0:
		enc.previousStatus = http.StatusUnprocessableEntity
		prev = errorBody{fmt.Sprintf("vnstat does not hold every day of the previous cycle %s..%s: %s",
			p.Cycle.Start.Format(billing.DateFormat), p.Cycle.Today.Format(billing.DateFormat), strings.Join(p.Details(traffic.Incomplete), "; "))}
	default:
		prev = newWebhookBody(res, p)
	}
	if enc.previous, err = json.Marshal(prev); err != nil {
		return nil, err
	}
	enc.current, enc.currentLen = withNewline(enc.current)
	enc.previous, enc.previousLen = withNewline(enc.previous)
	return enc, nil
}

// withNewline ends body with a newline and returns its Content-Length.
func withNewline(body []byte) ([]byte, []string) {
	body = append(body, '\n')
	return body, []string{strconv.Itoa(len(body))}
}

// serveHealth writes the health verdict: the status and the kinds of the
// problems; with details (the secret path's /health), also what each
// problem is, the last polls and the interfaces.
func (h *Handler) serveHealth(w http.ResponseWriter, details bool) int {
	st := h.state.State()
	now := h.now()
	verdict := traffic.Judge(st, now, h.pollInterval)
	var b []byte
	var err error
	if details {
		body := newDetailsBody(st, verdict, now)
		if h.bot != nil {
			body.Bot = h.bot()
		}
		if h.alerts != nil {
			body.Alerts = h.alerts()
		}
		b, err = json.Marshal(body)
	} else {
		b, err = json.Marshal(newHealthBody(verdict, now))
	}
	if err != nil {
		return h.fail(w, "health", http.StatusInternalServerError, "encoding response", err)
	}
	status := http.StatusOK
	if verdict.Status == traffic.Failing {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, b)
	return status
}

type errorBody struct {
	Error string `json:"error"`
}

// noData answers 503 before the first good poll, with why.
func (h *Handler) noData(w http.ResponseWriter, route string, st *traffic.State) int {
	msg := "no traffic data yet: vnstat has not been read successfully"
	if st.Err != nil {
		msg += ": " + st.Err.Error()
	}
	return h.fail(w, route, http.StatusServiceUnavailable, msg, st.Err)
}

// fail writes {"error": msg} with status, and logs server-side failures.
func (h *Handler) fail(w http.ResponseWriter, route string, status int, msg string, err error) int {
	if status >= http.StatusInternalServerError {
		h.logger.Warn("request failed", "route", route, "status", status, "err", err)
	}
	b, _ := json.Marshal(errorBody{msg})
	writeJSON(w, status, b)
	return status
}

// Header values shared by every answer; net/http does not change them.
var (
	jsonContentType = []string{"application/json"}
	noStore         = []string{"no-store"}
)

// writeJSON writes a JSON document encoded for this request.
func writeJSON(w http.ResponseWriter, status int, doc []byte) {
	body, length := withNewline(doc)
	writeBody(w, status, body, length)
}

// writeBody writes a prepared body: no allocation of its own.
func writeBody(w http.ResponseWriter, status int, body []byte, length []string) {
	hdr := w.Header()
	hdr["Content-Type"] = jsonContentType
	hdr["Cache-Control"] = noStore
	hdr["Content-Length"] = length
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// statusWriter records the status a wrapped handler writes.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// timeFormat is RFC 3339 with milliseconds, for the health timestamp.
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// healthBody is the public /health: no paths, names or numbers.
type healthBody struct {
	Status    traffic.Status `json:"status"`
	Timestamp string         `json:"timestamp"`
	Problems  []traffic.Kind `json:"problems,omitempty"`
}

func newHealthBody(v traffic.Health, now time.Time) healthBody {
	b := healthBody{Status: v.Status, Timestamp: now.Format(timeFormat)}
	for _, p := range v.Problems {
		if !slices.Contains(b.Problems, p.Kind) {
			b.Problems = append(b.Problems, p.Kind)
		}
	}
	return b
}

// problemBody is one problem in the detailed health.
type problemBody struct {
	Kind      traffic.Kind `json:"kind"`
	Interface string       `json:"interface,omitempty"`
	Detail    string       `json:"detail"`
}

// detailsBody is the detailed health, behind the secret path.
type detailsBody struct {
	Status          traffic.Status `json:"status"`
	Timestamp       string         `json:"timestamp"`
	LastPoll        string         `json:"last_poll,omitempty"`
	LastSuccess     string         `json:"last_success,omitempty"`
	VnstatUpdatedAt string         `json:"vnstat_updated_at,omitempty"`
	Interfaces      []string       `json:"interfaces,omitempty"`
	CountingSince   string         `json:"counting_since,omitempty"`
	Error           string         `json:"error,omitempty"`
	Warnings        []string       `json:"warnings,omitempty"`
	Problems        []problemBody  `json:"problems,omitempty"`
	// Alerts is the alert engine's status, when alerts are on.
	Alerts any `json:"alerts,omitempty"`
	// Bot is the Telegram bot's status, when it is on.
	Bot any `json:"telegram_bot,omitempty"`
}

func newDetailsBody(st *traffic.State, v traffic.Health, now time.Time) detailsBody {
	b := detailsBody{Status: v.Status, Timestamp: now.Format(timeFormat)}
	if !st.LastPoll.IsZero() {
		b.LastPoll = st.LastPoll.Format(time.RFC3339)
	}
	if res := st.Result; res != nil {
		b.LastSuccess = res.PolledAt.Format(time.RFC3339)
		b.VnstatUpdatedAt = formatTime(res.UpdatedAt)
		for _, i := range res.Interfaces {
			b.Interfaces = append(b.Interfaces, i.Name)
		}
		// A partial cycle is said, not judged: the totals are right for
		// what vnstat counted, and only the owner knows what came before.
		if since, partial := res.CountingSince(); len(partial) > 0 {
			b.CountingSince = formatTime(since)
			b.Warnings = append(b.Warnings, res.PartialNote(since, partial))
		}
	}
	var errs []string
	for _, p := range v.Problems {
		b.Problems = append(b.Problems, problemBody{Kind: p.Kind, Interface: p.Interface, Detail: p.Detail})
		if p.Kind.Fatal() {
			errs = append(errs, p.Detail)
		} else {
			b.Warnings = append(b.Warnings, p.Detail)
		}
	}
	b.Error = strings.Join(errs, "; ")
	return b
}
