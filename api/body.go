package api

import (
	"slices"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

type ifaceBody struct {
	Name         string  `json:"name"`
	InBytes      uint64  `json:"in_bytes"`
	OutBytes     uint64  `json:"out_bytes"`
	LiveInBytes  *uint64 `json:"live_in_bytes,omitempty"`
	LiveOutBytes *uint64 `json:"live_out_bytes,omitempty"`
	// CountingSince is when vnstat began to track the interface, when
	// that was after the cycle began.
	CountingSince string `json:"counting_since,omitempty"`
}

type quotaBody struct {
	LimitBytes       uint64   `json:"limit_bytes"`
	Mode             string   `json:"mode"`
	UsedBytes        uint64   `json:"used_bytes"`
	RemainingBytes   uint64   `json:"remaining_bytes"`
	UsedPercent      decimal2 `json:"used_percent"`
	ProjectedBytes   uint64   `json:"projected_bytes"`
	ProjectedPercent decimal2 `json:"projected_percent"`
	ResetsOn         string   `json:"resets_on"`
	OffsetBytes      int64    `json:"offset_bytes"`
}

// calibrationBody is the calibration in effect.
type calibrationBody struct {
	ProviderBytes uint64 `json:"provider_bytes"`
	CountedBytes  uint64 `json:"counted_bytes"`
	OffsetBytes   int64  `json:"offset_bytes"`
	SetAt         string `json:"set_at"`
	Source        string `json:"source"`
}

func newCalibrationBody(c *billing.Calibration) *calibrationBody {
	if c == nil {
		return nil
	}
	return &calibrationBody{ProviderBytes: c.ProviderBytes, CountedBytes: c.CountedBytes, OffsetBytes: c.OffsetBytes,
		SetAt: formatTime(c.SetAt), Source: c.Source}
}

// webhookBody keeps the original's keys first, in its order.
type webhookBody struct {
	StartDate    string           `json:"start_date"`
	In           decimal2         `json:"in"`
	Out          decimal2         `json:"out"`
	EndDate      string           `json:"end_date"`
	InBytes      uint64           `json:"in_bytes"`
	OutBytes     uint64           `json:"out_bytes"`
	UsedBytes    uint64           `json:"used_bytes"`
	BillingMode  string           `json:"billing_mode"`
	OffsetBytes  int64            `json:"offset_bytes,omitempty"`
	Calibration  *calibrationBody `json:"calibration,omitempty"`
	Quota        *quotaBody       `json:"quota,omitempty"`
	Interfaces   []ifaceBody      `json:"interfaces"`
	LiveInBytes  *uint64          `json:"live_in_bytes,omitempty"`
	LiveOutBytes *uint64          `json:"live_out_bytes,omitempty"`
	LiveAsOf     string           `json:"live_as_of,omitempty"`
	// CountingSince is when vnstat began counting, when that was after
	// the cycle began: the totals are partial (PartialNote in Warnings).
	CountingSince string   `json:"counting_since,omitempty"`
	UpdatedAt     string   `json:"updated_at"`
	PolledAt      string   `json:"polled_at"`
	Incomplete    []string `json:"incomplete,omitempty"`
	Missing       []string `json:"missing,omitempty"`
	Warnings      []string `json:"warnings,omitempty"`
}

func newWebhookBody(poll *traffic.Result, res *traffic.Totals) webhookBody {
	u := res.Usage
	b := webhookBody{
		StartDate:   res.Cycle.Start.Format(billing.DateFormat),
		In:          mib(res.InBytes),
		Out:         mib(res.OutBytes),
		EndDate:     res.Cycle.Today.Format(billing.DateFormat),
		InBytes:     res.InBytes,
		OutBytes:    res.OutBytes,
		UsedBytes:   u.UsedBytes,
		BillingMode: u.Mode,
		OffsetBytes: u.OffsetBytes,
		Calibration: newCalibrationBody(u.Calibration),
		Interfaces:  make([]ifaceBody, 0, len(res.Interfaces)),
		UpdatedAt:   formatTime(poll.UpdatedAt),
		PolledAt:    formatTime(poll.PolledAt),
		Incomplete:  res.Details(traffic.Incomplete),
		Missing:     res.Details(traffic.InterfaceMissing),
		Warnings:    res.Details(traffic.InterfaceAbsent, traffic.ForeignNamespace, traffic.ZoneMismatch),
	}
	if u.LimitBytes > 0 {
		b.Quota = &quotaBody{
			LimitBytes:       u.LimitBytes,
			Mode:             u.Mode,
			UsedBytes:        u.UsedBytes,
			RemainingBytes:   u.RemainingBytes,
			UsedPercent:      ratio2(u.UsedBytes, 100, u.LimitBytes),
			ProjectedBytes:   u.ProjectedBytes,
			ProjectedPercent: ratio2(u.ProjectedBytes, 100, u.LimitBytes),
			ResetsOn:         u.ResetsOn.Format(billing.DateFormat),
			OffsetBytes:      u.OffsetBytes,
		}
	}
	live := !res.LiveAsOf.IsZero()
	if live {
		b.LiveInBytes, b.LiveOutBytes = &res.LiveInBytes, &res.LiveOutBytes
		b.LiveAsOf = res.LiveAsOf.Format(timeFormat)
	}
	since, partial := res.CountingSinceIn(poll.Location())
	if len(partial) > 0 {
		b.CountingSince = formatTime(since)
		b.Warnings = append(b.Warnings, res.PartialNote(since, partial))
	}
	for _, i := range res.Interfaces {
		ib := ifaceBody{Name: i.Name, InBytes: i.InBytes, OutBytes: i.OutBytes}
		if live {
			ib.LiveInBytes, ib.LiveOutBytes = &i.LiveInBytes, &i.LiveOutBytes
		}
		if slices.Contains(partial, i.Name) {
			ib.CountingSince = formatTime(i.Created)
		}
		b.Interfaces = append(b.Interfaces, ib)
	}
	return b
}

// decimal2 is a number already formatted with exactly two decimals; it
// encodes as a JSON number.
type decimal2 string

func (d decimal2) MarshalJSON() ([]byte, error) { return []byte(d), nil }

// mib is bytes in MiB (2^20 bytes) with two decimals.
func mib(bytes uint64) decimal2 { return ratio2(bytes, 1, 1<<20) }

// ratio2 is a*mul/den with two decimals, rounded half up, computed
// exactly (traffic.Ratio2).
func ratio2(a, mul, den uint64) decimal2 { return decimal2(traffic.Ratio2(a, mul, den)) }
