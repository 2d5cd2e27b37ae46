package api

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/bits"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/monitor"
)

// HealthPath is the route of the health check.
const HealthPath = "/health"

// StateSource gives the poller's latest state.
type StateSource interface {
	State() *monitor.State
}

var _ StateSource = (*monitor.Poller)(nil)

// Handler serves the webhook and the health check from a StateSource.
type Handler struct {
	state        StateSource
	webhook      []byte
	pollInterval time.Duration
	now          func() time.Time
	logger       *slog.Logger

	// body caches the webhook's JSON for the latest result, so that a
	// request costs no encoding.
	body atomic.Pointer[encoded]
}

type encoded struct {
	result *monitor.Result
	body   []byte
}

// NewHandler returns a Handler that serves the webhook at webhookPath and
// judges the poller stuck when its last good poll is older than two
// pollIntervals. A nil now means time.Now; a nil logger discards.
func NewHandler(src StateSource, webhookPath string, pollInterval time.Duration, now func() time.Time, logger *slog.Logger) *Handler {
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{state: src, webhook: []byte(webhookPath), pollInterval: pollInterval, now: now, logger: logger}
}

// ServeHTTP routes a request: the webhook and /health answer GET and HEAD,
// anything else is 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	route, serve := h.route(r.URL.EscapedPath())
	status := http.StatusMethodNotAllowed
	switch {
	case serve == nil:
		status = h.fail(w, route, http.StatusNotFound, "not found", nil)
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		w.Header().Set("Allow", "GET, HEAD")
		h.fail(w, route, status, "method not allowed", nil)
	default:
		status = serve(w)
	}
	h.logger.Debug("request", "route", route, "method", r.Method, "status", status, "remote", r.RemoteAddr)
}

// route names the route of path and returns its handler, nil for none. The
// webhook path is compared in constant time over its whole length.
func (h *Handler) route(path string) (string, func(http.ResponseWriter) int) {
	if subtle.ConstantTimeCompare([]byte(path), h.webhook) == 1 {
		return "webhook", h.serveWebhook
	}
	if path == HealthPath {
		return "health", h.serveHealth
	}
	return "unknown", nil
}

func (h *Handler) serveWebhook(w http.ResponseWriter) int {
	st := h.state.State()
	if st.Result == nil {
		msg := "no traffic data yet: vnstat has not been read successfully"
		if st.Err != nil {
			msg += ": " + st.Err.Error()
		}
		return h.fail(w, "webhook", http.StatusServiceUnavailable, msg, st.Err)
	}
	enc := h.body.Load()
	if enc == nil || enc.result != st.Result {
		b, err := json.Marshal(newWebhookBody(st.Result))
		if err != nil {
			return h.fail(w, "webhook", http.StatusInternalServerError, "encoding response", err)
		}
		enc = &encoded{result: st.Result, body: b}
		h.body.Store(enc)
	}
	writeJSON(w, http.StatusOK, enc.body)
	return http.StatusOK
}

func (h *Handler) serveHealth(w http.ResponseWriter) int {
	st := h.state.State()
	now := h.now()
	body := healthBody{Status: "ok", Timestamp: now.Format(timeFormat)}
	if !st.LastPoll.IsZero() {
		body.LastPoll = st.LastPoll.Format(time.RFC3339)
	}
	if res := st.Result; res != nil {
		body.LastSuccess = res.PolledAt.Format(time.RFC3339)
		body.VnstatUpdatedAt = formatTime(res.UpdatedAt)
		for _, i := range res.Interfaces {
			body.Interfaces = append(body.Interfaces, i.Name)
		}
		body.Warnings = res.Incomplete
	}
	switch res := st.Result; {
	case res == nil && st.Err == nil:
		body.Error = "vnstat has not been read yet"
	case res == nil:
		body.Error = "no successful poll yet: " + st.Err.Error()
	case st.Err != nil:
		body.Error = "last poll failed: " + st.Err.Error()
	case now.Sub(res.PolledAt) > 2*h.pollInterval:
		body.Error = fmt.Sprintf("last successful poll at %s is older than two poll intervals (%s): the poller is stuck",
			res.PolledAt.Format(time.RFC3339), 2*h.pollInterval)
	case len(res.Missing) > 0:
		body.Error = "interfaces not reported: " + strings.Join(res.Missing, "; ")
	case len(res.Incomplete) > 0:
		body.Status = "degraded"
	}
	status := http.StatusOK
	if body.Error != "" {
		body.Status = "error"
		status = http.StatusServiceUnavailable
	}
	b, err := json.Marshal(body)
	if err != nil {
		return h.fail(w, "health", http.StatusInternalServerError, "encoding response", err)
	}
	writeJSON(w, status, b)
	return status
}

// fail logs a failed request by route and writes {"error": msg}.
func (h *Handler) fail(w http.ResponseWriter, route string, status int, msg string, err error) int {
	if status >= http.StatusInternalServerError {
		h.logger.Warn("request failed", "route", route, "status", status, "err", err)
	}
	b, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	writeJSON(w, status, b)
	return status
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// timeFormat is RFC 3339 with milliseconds, for the health timestamp.
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

type ifaceBody struct {
	Name     string `json:"name"`
	InBytes  uint64 `json:"in_bytes"`
	OutBytes uint64 `json:"out_bytes"`
}

// webhookBody keeps the original's keys first, in its order.
type webhookBody struct {
	StartDate  string      `json:"start_date"`
	In         mib         `json:"in"`
	Out        mib         `json:"out"`
	EndDate    string      `json:"end_date"`
	InBytes    uint64      `json:"in_bytes"`
	OutBytes   uint64      `json:"out_bytes"`
	Interfaces []ifaceBody `json:"interfaces"`
	UpdatedAt  string      `json:"updated_at"`
	PolledAt   string      `json:"polled_at"`
	Incomplete []string    `json:"incomplete,omitempty"`
	Missing    []string    `json:"missing,omitempty"`
}

func newWebhookBody(res *monitor.Result) webhookBody {
	b := webhookBody{
		StartDate:  res.Cycle.Start.Format(monitor.DateFormat),
		In:         mib(res.InBytes),
		Out:        mib(res.OutBytes),
		EndDate:    res.Cycle.Today.Format(monitor.DateFormat),
		InBytes:    res.InBytes,
		OutBytes:   res.OutBytes,
		Interfaces: make([]ifaceBody, 0, len(res.Interfaces)),
		UpdatedAt:  formatTime(res.UpdatedAt),
		PolledAt:   formatTime(res.PolledAt),
		Incomplete: res.Incomplete,
		Missing:    res.Missing,
	}
	for _, i := range res.Interfaces {
		b.Interfaces = append(b.Interfaces, ifaceBody{Name: i.Name, InBytes: i.InBytes, OutBytes: i.OutBytes})
	}
	return b
}

type healthBody struct {
	Status          string   `json:"status"`
	Timestamp       string   `json:"timestamp"`
	LastPoll        string   `json:"last_poll,omitempty"`
	LastSuccess     string   `json:"last_success,omitempty"`
	VnstatUpdatedAt string   `json:"vnstat_updated_at,omitempty"`
	Interfaces      []string `json:"interfaces,omitempty"`
	Error           string   `json:"error,omitempty"`
	Warnings        []string `json:"warnings,omitempty"`
}

// mib is a byte count that encodes as MiB (2^20 bytes) with exactly two
// decimals, rounded half up, computed in integers so that no byte count
// loses precision.
type mib uint64

func (m mib) MarshalJSON() ([]byte, error) {
	return []byte(m.String()), nil
}

func (m mib) String() string {
	// hundredths = round(m * 100 / 2^20), in 128 bits.
	hi, lo := bits.Mul64(uint64(m), 100)
	lo, carry := bits.Add64(lo, 1<<19, 0)
	hi += carry
	q := hi<<44 | lo>>20
	return strconv.FormatUint(q/100, 10) + "." + fmt.Sprintf("%02d", q%100)
}
