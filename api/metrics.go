package api

import (
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// collector exposes the poller's cached state as Prometheus metrics at
// scrape time, so the numbers are the webhook's and exist once.
type collector struct {
	src          StateSource
	version      string
	pollInterval time.Duration
	now          func() time.Time

	cycleBytes, cycleStart, cycleReset, lifetime, used, limit, remaining, projected,
	lastSuccess, lastPollOK, pollDuration, pollErrors, vnstatUpdated,
	ifaceInfo, countingSince, buildInfo, problem *prometheus.Desc
}

var _ prometheus.Collector = (*collector)(nil)

func newCollector(src StateSource, version string, pollInterval time.Duration, now func() time.Time) *collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("vnstat_exporter_"+name, help, labels, nil)
	}
	return &collector{
		src:          src,
		version:      version,
		pollInterval: pollInterval,
		now:          now,
		cycleBytes:   d("cycle_bytes", "Bytes counted by vnstat since the billing cycle began, per interface and direction (in: received, out: sent).", "interface", "direction"),
		cycleStart:   d("cycle_start_timestamp_seconds", "Start of the current billing cycle (midnight in the zone vnstat writes in: UTC with UseUTC), as a Unix timestamp."),
		cycleReset:   d("cycle_reset_timestamp_seconds", "Start of the next billing cycle (midnight of the reset day in the zone vnstat writes in: UTC with UseUTC), as a Unix timestamp."),
		lifetime: d("interface_bytes_total", "Bytes vnstat has counted on the interface since it began to track it, plus what the kernel counted since vnstat's last save; "+
			"only goes up while vnstat keeps the interface. Direction in: received, out: sent.", "interface", "direction"),
		used:          d("cycle_used_bytes", "Usage of the cycle by the billing mode, offset included.", "mode"),
		limit:         d("quota_limit_bytes", "The cycle's allowance (QUOTA)."),
		remaining:     d("quota_remaining_bytes", "Allowance left in the cycle, never below 0."),
		projected:     d("quota_projected_bytes", "Usage projected linearly to the end of the cycle."),
		lastSuccess:   d("last_success_timestamp_seconds", "When vnstat was last read successfully, as a Unix timestamp."),
		lastPollOK:    d("last_poll_success", "1 if the latest poll of vnstat succeeded, else 0."),
		pollDuration:  d("poll_duration_seconds", "How long the latest poll of vnstat took."),
		pollErrors:    d("poll_errors_total", "Polls of vnstat that failed since the start."),
		vnstatUpdated: d("vnstat_updated_timestamp_seconds", "vnstat's newest write among the reported interfaces, as a Unix timestamp."),
		ifaceInfo:     d("interface_info", "The interfaces reported, one series each with value 1.", "interface"),
		countingSince: d("interface_counting_since_timestamp_seconds", "When vnstat began to track the interface, as a Unix timestamp: "+
			"after vnstat_exporter_cycle_start_timestamp_seconds, the cycle's bytes miss what came before.", "interface"),
		buildInfo: d("build_info", "vnstat-exporter's version, with value 1.", "version", "goversion"),
		problem: d("problem", "A problem /health reports, one series each with value 1: kind (see docs/api.md) and the interface it concerns, if one. "+
			"Fatal kinds ("+fatalKinds()+") make /health 503.", "kind", "interface"),
	}
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.cycleBytes, c.cycleStart, c.cycleReset, c.lifetime, c.used, c.limit, c.remaining, c.projected,
		c.lastSuccess, c.lastPollOK, c.pollDuration, c.pollErrors, c.vnstatUpdated, c.ifaceInfo, c.countingSince, c.buildInfo, c.problem} {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	st := c.src.State()
	gauge(c.buildInfo, 1, c.version, runtime.Version())
	seen := map[traffic.Problem]bool{}
	for _, p := range traffic.Judge(st, c.now(), c.pollInterval).Problems {
		key := traffic.Problem{Kind: p.Kind, Interface: p.Interface}
		if !seen[key] {
			seen[key] = true
			gauge(c.problem, 1, string(p.Kind), p.Interface)
		}
	}
	ch <- prometheus.MustNewConstMetric(c.pollErrors, prometheus.CounterValue, float64(st.PollErrors))
	if !st.LastPoll.IsZero() {
		ok := 0.0
		if st.Err == nil {
			ok = 1
		}
		gauge(c.lastPollOK, ok)
		gauge(c.pollDuration, st.PollDuration.Seconds())
	}
	res := st.Result
	if res == nil {
		return
	}
	for _, i := range res.Interfaces {
		gauge(c.cycleBytes, float64(i.InBytes), i.Name, "in")
		gauge(c.cycleBytes, float64(i.OutBytes), i.Name, "out")
		gauge(c.ifaceInfo, 1, i.Name)
		if !i.Created.IsZero() {
			gauge(c.countingSince, float64(i.Created.Unix()), i.Name)
		}
		ch <- prometheus.MustNewConstMetric(c.lifetime, prometheus.CounterValue, float64(i.LifetimeInBytes), i.Name, "in")
		ch <- prometheus.MustNewConstMetric(c.lifetime, prometheus.CounterValue, float64(i.LifetimeOutBytes), i.Name, "out")
	}
	midnight := func(d time.Time) float64 {
		return float64(billing.Midnight(d, res.Location()).Unix())
	}
	gauge(c.cycleStart, midnight(res.Cycle.Start))
	gauge(c.cycleReset, midnight(res.Cycle.Next))
	u := res.Usage
	gauge(c.used, float64(u.UsedBytes), u.Mode)
	if u.LimitBytes > 0 {
		gauge(c.limit, float64(u.LimitBytes))
		gauge(c.remaining, float64(u.RemainingBytes))
		gauge(c.projected, float64(u.ProjectedBytes))
	}
	gauge(c.lastSuccess, float64(res.PolledAt.Unix()))
	if !res.UpdatedAt.IsZero() {
		gauge(c.vnstatUpdated, float64(res.UpdatedAt.Unix()))
	}
}

// newMetricsHandler serves the collector with the Go and process
// collectors, from a registry of its own. The problems are judged at now(),
// the clock /health uses.
func newMetricsHandler(src StateSource, version string, pollInterval time.Duration, now func() time.Time, logger *slog.Logger) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		newCollector(src, version, pollInterval, now),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// fatalKinds lists monitor's fatal kinds of problems, for the help text.
func fatalKinds() string {
	names := make([]string, len(traffic.FatalKinds))
	for i, k := range traffic.FatalKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}
