package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/config"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// maxCalibrateBody bounds the calibration POST's body.
const maxCalibrateBody = 1 << 10

// calibrationAnswer is the answer to a calibration.
type calibrationAnswer struct {
	CycleStart string `json:"cycle_start"`
	calibrationBody
	UsedBytes uint64 `json:"used_bytes"`
}

// serveCalibrate takes the provider's count of the cycle's usage, as the
// form value used (a size as for QUOTA), and source ("command" from
// vnstat-exporter calibrate, else "http"): the offset is what it exceeds
// the usage counted now by. It needs numbers that can be trusted now.
func (h *Handler) serveCalibrate(w http.ResponseWriter, r *http.Request) int {
	const route = "calibrate"
	if h.calibrate == nil {
		return h.fail(w, route, http.StatusServiceUnavailable, "calibration needs a writable STATE_DIR", nil)
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxCalibrateBody)
	if err := r.ParseForm(); err != nil {
		return h.fail(w, route, http.StatusBadRequest, "bad form: "+err.Error(), nil)
	}
	raw := strings.TrimSpace(r.PostForm.Get("used"))
	provider, err := config.ParseSize(raw)
	if err == nil && raw == "" {
		err = errors.New("empty")
	}
	if err != nil {
		return h.fail(w, route, http.StatusBadRequest, fmt.Sprintf("invalid used %.40q (%v): allowed: a size as for QUOTA, such as 123456789, 412.5GB or 1.2TiB, up to 1 PiB", raw, err), nil)
	}
	st := h.state.State()
	now := h.now()
	verdict := traffic.Judge(st, now, h.pollInterval)
	if st.Result == nil || verdict.Status == traffic.Failing {
		kinds := make([]string, 0, len(verdict.Problems))
		for _, p := range verdict.Problems {
			kinds = append(kinds, string(p.Kind))
		}
		return h.fail(w, route, http.StatusServiceUnavailable,
			"cannot calibrate: the count cannot be trusted now ("+strings.Join(kinds, ", ")+"); see /health", nil)
	}
	source := "http"
	if r.PostForm.Get("source") == "command" {
		source = "command"
	}
	res := st.Result
	c := billing.NewCalibration(res.Cycle.Start, provider, res.Usage.CountedBytes, now, source)
	if err := h.calibrate(c); err != nil {
		return h.fail(w, route, http.StatusInternalServerError, "keeping the calibration: "+err.Error(), err)
	}
	h.logger.Info("calibrated", "cycle_start", res.Cycle.Start.Format(billing.DateFormat), "provider_bytes", provider,
		"counted_bytes", c.CountedBytes, "offset_bytes", c.OffsetBytes, "source", source)
	b, err := json.Marshal(calibrationAnswer{CycleStart: res.Cycle.Start.Format(billing.DateFormat),
		calibrationBody: *newCalibrationBody(&c), UsedBytes: provider})
	if err != nil {
		return h.fail(w, route, http.StatusInternalServerError, "encoding response", err)
	}
	writeJSON(w, http.StatusOK, b)
	return http.StatusOK
}
