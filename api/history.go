package api

import (
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// historyBody is WEBHOOK_PATH/history: each day of the current cycle and
// of the cycles before it that vnstat's rows reach, what the dashboard is
// drawn from.
type historyBody struct {
	// Cycle is the current cycle; its last day is the one being counted.
	Cycle historyCycle `json:"cycle"`
	// Previous are the cycles before it, newest first.
	Previous []historyCycle `json:"previous"`
	// LiveAsOf is when the kernel's counters were read for the live part;
	// absent without one.
	LiveAsOf  string `json:"live_as_of,omitempty"`
	UpdatedAt string `json:"updated_at"`
	PolledAt  string `json:"polled_at"`
}

type historyCycle struct {
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
	InBytes   uint64 `json:"in_bytes"`
	OutBytes  uint64 `json:"out_bytes"`
	// UsedBytes is the usage by the billing mode, offset included;
	// LimitBytes the quota, absent without one.
	UsedBytes  uint64 `json:"used_bytes"`
	LimitBytes uint64 `json:"limit_bytes,omitempty"`
	// Complete says vnstat holds every day of the cycle; Incomplete says
	// what it lacks when it does not.
	Complete   bool         `json:"complete"`
	Incomplete []string     `json:"incomplete,omitempty"`
	Days       []historyDay `json:"days"`
}

type historyDay struct {
	Date     string `json:"date"`
	InBytes  uint64 `json:"in_bytes"`
	OutBytes uint64 `json:"out_bytes"`
	// Complete says vnstatd saved after the day ended, in a cycle whose
	// every day vnstat holds: its figures are whole and will not change.
	Complete bool `json:"complete"`
	// LiveInBytes and LiveOutBytes are the part of the day's figures the
	// kernel counted since vnstatd's last save (the day being counted, and
	// at a cycle's start the previous cycle's last day).
	LiveInBytes  uint64 `json:"live_in_bytes,omitempty"`
	LiveOutBytes uint64 `json:"live_out_bytes,omitempty"`
}

func newHistoryBody(res *traffic.Result, zone *time.Location) historyBody {
	b := historyBody{
		Cycle:     newHistoryCycle(&res.Totals, res.UpdatedAt, zone),
		UpdatedAt: formatTime(res.UpdatedAt),
		PolledAt:  formatTime(res.PolledAt),
		Previous:  []historyCycle{},
	}
	if !res.LiveAsOf.IsZero() {
		b.LiveAsOf = res.LiveAsOf.Format(timeFormat)
	}
	if res.Previous != nil {
		b.Previous = append(b.Previous, newHistoryCycle(res.Previous, res.UpdatedAt, zone))
	}
	for _, e := range res.Earlier {
		b.Previous = append(b.Previous, newHistoryCycle(e, res.UpdatedAt, zone))
	}
	return b
}

// newHistoryCycle is c's days, its live part on its last day; a day is
// complete when vnstat's newest save (updated) came after it ended.
func newHistoryCycle(c *traffic.Totals, updated time.Time, zone *time.Location) historyCycle {
	h := historyCycle{
		StartDate:  c.Cycle.Start.Format(billing.DateFormat),
		EndDate:    c.Cycle.Today.Format(billing.DateFormat),
		InBytes:    c.InBytes,
		OutBytes:   c.OutBytes,
		UsedBytes:  c.Usage.UsedBytes,
		LimitBytes: c.Usage.LimitBytes,
		Incomplete: c.Details(traffic.Incomplete),
		Days:       make([]historyDay, len(c.Days)),
	}
	h.Complete = len(h.Incomplete) == 0
	for n, d := range c.Days {
		h.Days[n] = historyDay{Date: d.Date.Format(billing.DateFormat), InBytes: d.InBytes, OutBytes: d.OutBytes,
			Complete: h.Complete && !updated.Before(billing.Midnight(d.Date.AddDate(0, 0, 1), zone))}
	}
	if last := len(h.Days) - 1; last >= 0 {
		h.Days[last].InBytes += c.LiveInBytes
		h.Days[last].OutBytes += c.LiveOutBytes
		h.Days[last].LiveInBytes, h.Days[last].LiveOutBytes = c.LiveInBytes, c.LiveOutBytes
		if c.LiveInBytes+c.LiveOutBytes > 0 {
			h.Days[last].Complete = false
		}
	}
	return h
}
