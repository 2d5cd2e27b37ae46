package vnstattest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// CLIDay is a daily row as the vnstat command prints it.
type CLIDay struct {
	Date   string // YYYY-MM-DD
	RX, TX uint64
}

// CLIDaily runs the real `vnstat --json d --begin B [--end E] --dbdir DIR`
// with the zone tz (a TZ value; empty for the process's) and returns each
// interface's rows as vnstat prints them: the oracle the database reader
// is checked against. A zero end means no --end.
func CLIDaily(ctx context.Context, dir, tz string, begin, end time.Time) (map[string][]CLIDay, error) {
	args := []string{"--json", "d", "--begin", begin.Format(time.DateOnly)}
	if !end.IsZero() {
		args = append(args, "--end", end.Format(time.DateOnly))
	}
	args = append(args, "--dbdir", dir)
	cmd := exec.CommandContext(ctx, "vnstat", args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if tz != "" {
		cmd.Env = append(cmd.Env, "TZ="+tz)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("running vnstat %v: %w: %s%s", args, err, out, stderr.String())
	}
	var doc struct {
		JSONVersion string `json:"jsonversion"`
		Interfaces  []struct {
			Name    string `json:"name"`
			Traffic struct {
				Day []struct {
					Date struct {
						Year  int `json:"year"`
						Month int `json:"month"`
						Day   int `json:"day"`
					} `json:"date"`
					RX uint64 `json:"rx"`
					TX uint64 `json:"tx"`
				} `json:"day"`
			} `json:"traffic"`
		} `json:"interfaces"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("parsing vnstat's JSON: %w", err)
	}
	if doc.JSONVersion != "2" {
		return nil, fmt.Errorf("vnstat printed jsonversion %q, want 2", doc.JSONVersion)
	}
	res := make(map[string][]CLIDay, len(doc.Interfaces))
	for _, i := range doc.Interfaces {
		days := []CLIDay{}
		for _, d := range i.Traffic.Day {
			days = append(days, CLIDay{Date: fmt.Sprintf("%04d-%02d-%02d", d.Date.Year, d.Date.Month, d.Date.Day), RX: d.RX, TX: d.TX})
		}
		res[i.Name] = days
	}
	return res, nil
}

// CLITotals runs the real `vnstat --json --dbdir DIR` and returns each
// interface's lifetime totals (traffic.total) as vnstat prints them.
func CLITotals(ctx context.Context, dir string) (map[string][2]uint64, error) {
	cmd := exec.CommandContext(ctx, "vnstat", "--json", "--dbdir", dir)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("running vnstat --json: %w: %s", err, stderr.String())
	}
	var doc struct {
		Interfaces []struct {
			Name    string `json:"name"`
			Traffic struct {
				Total struct {
					RX uint64 `json:"rx"`
					TX uint64 `json:"tx"`
				} `json:"total"`
			} `json:"traffic"`
		} `json:"interfaces"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		return nil, fmt.Errorf("parsing vnstat's JSON: %w", err)
	}
	res := make(map[string][2]uint64, len(doc.Interfaces))
	for _, i := range doc.Interfaces {
		res[i.Name] = [2]uint64{i.Traffic.Total.RX, i.Traffic.Total.TX}
	}
	return res, nil
}

// Date returns a civil date: midnight UTC.
func Date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
