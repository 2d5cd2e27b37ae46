package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// localToday returns the time now and today's local midnight. The tests
// that call it build a database around today and run the daemon with the
// real clock, so within two minutes of local midnight it first waits for
// the date to change: a test never sees one day and its daemon the next.
func localToday() (now, today time.Time) {
	now = time.Now()
	if next := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.Local); next.Sub(now) < 2*time.Minute {
		for time.Now().Before(next) {
			time.Sleep(time.Until(next))
		}
		now = time.Now()
	}
	return now, time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.Local)
}

// buildDBIn builds a vnstat database of ifaces in dir.
func buildDBIn(t *testing.T, dir string, ifaces []vnstattest.Iface) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := vnstattest.Build(ctx, dir, ifaces); err != nil {
		t.Fatal(err)
	}
}

// oneIfaceDB builds, in a new directory, a vnstat database of one
// interface called name that vnstat began to track 70 days ago and saved
// now, with 62 days of rows through today (vnstattest.Series with seed and
// big), and returns the interface and the directory.
func oneIfaceDB(t *testing.T, name string, seed uint64, big bool) (vnstattest.Iface, string) {
	t.Helper()
	now, today := localToday()
	i := vnstattest.Iface{Name: name, Created: today.AddDate(0, 0, -70), Updated: now, Days: vnstattest.Series(today, 62, seed, big)}
	return i, buildDB(t, []vnstattest.Iface{i})
}

// buildDB builds a vnstat database of ifaces in a new directory.
func buildDB(t *testing.T, ifaces []vnstattest.Iface) string {
	t.Helper()
	return vnstattest.DB(t, ifaces)
}

const e2eSecret = "/webhook/e2e-7f3a9c"

// detailsPath is the detailed health, behind the secret; /health itself
// says only the status and the problems' kinds.
const detailsPath = e2eSecret + "/health"

type webhookResponse struct {
	StartDate  string          `json:"start_date"`
	In         json.Number     `json:"in"`
	Out        json.Number     `json:"out"`
	EndDate    string          `json:"end_date"`
	InBytes    uint64          `json:"in_bytes"`
	OutBytes   uint64          `json:"out_bytes"`
	Interfaces []ifaceResponse `json:"interfaces"`
	Missing    []string        `json:"missing"`
	Incomplete []string        `json:"incomplete"`
}

type ifaceResponse struct {
	Name     string `json:"name"`
	InBytes  uint64 `json:"in_bytes"`
	OutBytes uint64 `json:"out_bytes"`
}

// cycleStart finds the cycle start by walking back from today to the most
// recent day that is START_DAY, or the last day of a month without it; an
// independent statement of the rule billing.CycleAt implements.
func cycleStart(today time.Time, startDay int) time.Time {
	for d := today; ; d = d.AddDate(0, 0, -1) {
		if isResetDay(d, startDay) {
			return d
		}
	}
}

// nextReset is the first reset day after today.
func nextReset(today time.Time, startDay int) time.Time {
	for d := today.AddDate(0, 0, 1); ; d = d.AddDate(0, 0, 1) {
		if isResetDay(d, startDay) {
			return d
		}
	}
}

func isResetDay(d time.Time, startDay int) bool {
	last := time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, d.Location()).Day()
	return d.Day() == min(startDay, last)
}

func mibString(b uint64) string {
	q := new(big.Int).SetUint64(b)
	q.Mul(q, big.NewInt(100)).Add(q, big.NewInt(1<<19)).Rsh(q, 20)
	return fmt.Sprintf("%d.%02d", new(big.Int).Div(q, big.NewInt(100)).Uint64(), new(big.Int).Mod(q, big.NewInt(100)).Uint64())
}

// physicalNICs lists the host's NICs the way an administrator would check:
// links with a device in sysfs that are not enslaved to a bond.
func physicalNICs(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir("/sys/class/net")
	if err != nil {
		return nil
	}
	var nics []string
	for _, e := range entries {
		base := filepath.Join("/sys/class/net", e.Name())
		if _, err := os.Stat(filepath.Join(base, "device")); err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(base, "bonding_slave")); err == nil {
			continue
		}
		nics = append(nics, e.Name())
	}
	return nics
}

// TestEndToEnd runs the built daemon against real vnstat databases holding
// 62 days of rows and compares its webhook with sums of the inserted rows.
func TestEndToEnd(t *testing.T) {
	testrig.Vnstat(t)
	bin := buildBinary(t)
	now, today := localToday()
	updated := now.Add(-2 * time.Minute).Truncate(time.Minute)

	nics := physicalNICs(t)
	ifaces := []vnstattest.Iface{
		{Name: "lo", Created: today.AddDate(0, 0, -70), Updated: updated, Days: vnstattest.Series(today, 62, 11, true)},
		{Name: "vnx-gone0", Created: today.AddDate(0, 0, -70), Updated: updated, Days: vnstattest.Series(today, 62, 12, false)},
	}
	for i, n := range nics {
		ifaces = append(ifaces, vnstattest.Iface{Name: n, Created: today.AddDate(0, 0, -70), Updated: updated, Days: vnstattest.Series(today, 62, uint64(20+i), true)})
	}
	dir := buildDB(t, ifaces)
	sums := func(names []string, start time.Time) (in, out uint64) {
		for _, i := range ifaces {
			for _, n := range names {
				if i.Name == n {
					rx, tx := i.Sum(start, today)
					in += rx
					out += tx
				}
			}
		}
		return in, out
	}

	type tc struct {
		name       string
		startDay   int
		interfaces string
		report     []string
		missing    int
	}
	tests := []tc{
		{"start day 1", 1, "lo", []string{"lo"}, 0},
		{"start day 15", 15, "lo", []string{"lo"}, 0},
		{"start day today", today.Day(), "lo", []string{"lo"}, 0},
		{"start day 28", 28, "lo", []string{"lo"}, 0},
		{"start day 31", 31, "lo", []string{"lo"}, 0},
		// vnx-gone0 is in vnstat's database but not on the host: its rows
		// count; vnx-none1 is in neither: missing, and /health fails.
		{"present and absent names", 15, "lo,vnx-gone0,vnx-none1", []string{"lo", "vnx-gone0"}, 1},
	}
	if len(nics) > 0 {
		tests = append(tests, tc{"automatic choice", 1, "", nics, 0})
	} else {
		t.Log("no physical NIC in sysfs: the automatic case is not run")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The fixture's saved kernel counters are 0: no live top-up here.
			d := startDaemon(t, bin, "VNSTAT_DBDIR="+dir, "START_DAY="+strconv.Itoa(tt.startDay),
				"INTERFACES="+tt.interfaces, "POLL_INTERVAL=1s", "LIVE=false")
			body := d.waitFor(t, e2eSecret, http.StatusOK)
			var got webhookResponse
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			start := cycleStart(today, tt.startDay)
			in, out := sums(tt.report, start)
			if got.StartDate != start.Format(time.DateOnly) || got.EndDate != today.Format(time.DateOnly) {
				t.Errorf("cycle %s..%s, want %s..%s", got.StartDate, got.EndDate, start.Format(time.DateOnly), today.Format(time.DateOnly))
			}
			if got.InBytes != in || got.OutBytes != out {
				t.Errorf("bytes in/out = %d/%d, want the inserted rows' %d/%d", got.InBytes, got.OutBytes, in, out)
			}
			if got.In.String() != mibString(in) || got.Out.String() != mibString(out) {
				t.Errorf("MiB in/out = %s/%s, want %s/%s", got.In, got.Out, mibString(in), mibString(out))
			}
			var names []string
			for _, i := range got.Interfaces {
				names = append(names, i.Name)
				if rx, tx := sums([]string{i.Name}, start); i.InBytes != rx || i.OutBytes != tx {
					t.Errorf("%s: %d/%d, want its rows' %d/%d", i.Name, i.InBytes, i.OutBytes, rx, tx)
				}
			}
			want := slices.Sorted(slices.Values(tt.report))
			if !slices.Equal(names, want) || len(got.Missing) != tt.missing || len(got.Incomplete) != 0 {
				t.Errorf("interfaces %v missing %v incomplete %v; want %v and %d missing", names, got.Missing, got.Incomplete, want, tt.missing)
			}
			wantHealth := http.StatusOK
			if tt.missing > 0 {
				wantHealth = http.StatusServiceUnavailable
			}
			if code, hb := d.get(t, detailsPath); code != wantHealth {
				t.Errorf("%s = %d %s, want %d", detailsPath, code, hb, wantHealth)
			}
			// The public /health: the same verdict, no names or numbers.
			if code, hb := d.get(t, "/health"); code != wantHealth || strings.Contains(string(hb), `"lo"`) || strings.Contains(string(hb), "vnx-") {
				t.Errorf("/health = %d %s, want %d without interface names", code, hb, wantHealth)
			}
			// The container health check's verdict is /health's.
			hc := exec.Command(bin, "healthcheck")
			hc.Env = d.cmd.Env
			hcOut, _ := hc.CombinedOutput()
			if got := hc.ProcessState.ExitCode(); (got == 0) != (wantHealth == http.StatusOK) {
				t.Errorf("healthcheck exit code %d (%s) with /health %d", got, hcOut, wantHealth)
			}
			if code := d.stop(t); code != 0 {
				t.Errorf("exit code after SIGTERM = %d, want 0", code)
			}
			if strings.Contains(d.logs.String(), e2eSecret) {
				t.Error("the daemon logged the webhook path")
			}
		})
	}
}

// TestEndToEndVnstatFails starts the daemon against a database directory
// without a database, then repairs it: no zeros before, recovery after.
func TestEndToEndVnstatFails(t *testing.T) {
	testrig.Vnstat(t)
	bin := inProcess
	dir := t.TempDir()
	d := startDaemon(t, bin, "VNSTAT_DBDIR="+dir, "INTERFACES=lo", "POLL_INTERVAL=1s")
	// Before the first poll ends, /health says vnstat was not read yet;
	// after it, why the poll failed.
	d.waitFor(t, detailsPath, http.StatusServiceUnavailable, "no successful poll yet", "reading vnstat's database "+filepath.Join(dir, "vnstat.db"), "no such file or directory")
	if code, body := d.get(t, e2eSecret); code != http.StatusServiceUnavailable || bytes.Contains(body, []byte(`"in"`)) {
		t.Errorf("webhook before any good poll: %d %s", code, body)
	}

	now, today := localToday()
	buildDBIn(t, dir, []vnstattest.Iface{
		{Name: "lo", Created: today.AddDate(0, 0, -10), Updated: now, Days: vnstattest.Series(today, 10, 7, false)},
	})
	d.waitFor(t, detailsPath, http.StatusOK)
	d.waitFor(t, e2eSecret, http.StatusOK)

	sc := bufio.NewScanner(strings.NewReader(d.logs.String()))
	var polls int
	for sc.Scan() {
		if strings.Contains(sc.Text(), "polled vnstat") {
			polls++
		}
	}
	if polls == 0 {
		t.Error("no poll logged")
	}
	if code := d.stop(t); code != 0 {
		t.Errorf("exit code %d", code)
	}
}

// TestEndToEndQuotaAndPreviousCycle runs the binary with the README's
// worked example (500 GB, reset on the 22nd, 110 GB counted by the
// provider before vnstat) against a database of 62 days, and checks the
// quota and the previous cycle against the inserted rows.
func TestEndToEndQuotaAndPreviousCycle(t *testing.T) {
	testrig.Vnstat(t)
	bin := inProcess
	_, today := localToday()
	lo, dir := oneIfaceDB(t, "lo", 31, true)
	start := cycleStart(today, 22)
	prevStart := cycleStart(start.AddDate(0, 0, -1), 22)
	const limit, offset = 500e9, 110e9
	d := startDaemon(t, bin, "VNSTAT_DBDIR="+dir, "INTERFACES=lo", "POLL_INTERVAL=1s", "START_DAY=22", "LIVE=false",
		"QUOTA=500GB", "BILLING_MODE=max", "USED_OFFSET=110GB", "USED_OFFSET_CYCLE="+start.Format(time.DateOnly),
		"METRICS_PATH=/metrics")

	var got struct {
		webhookResponse
		UsedBytes uint64 `json:"used_bytes"`
		Quota     struct {
			Limit       uint64      `json:"limit_bytes"`
			Mode        string      `json:"mode"`
			Used        uint64      `json:"used_bytes"`
			Remaining   uint64      `json:"remaining_bytes"`
			UsedPercent json.Number `json:"used_percent"`
			Projected   uint64      `json:"projected_bytes"`
			ResetsOn    string      `json:"resets_on"`
			Offset      uint64      `json:"offset_bytes"`
		} `json:"quota"`
	}
	if err := json.Unmarshal(d.waitFor(t, e2eSecret, http.StatusOK), &got); err != nil {
		t.Fatal(err)
	}
	rx, tx := lo.Sum(start, today)
	used := max(rx, tx) + offset
	remaining := uint64(0)
	if used < limit {
		remaining = limit - used
	}
	q := got.Quota
	if got.InBytes != rx || got.OutBytes != tx || q.Limit != limit || q.Mode != "max" || q.Used != used || got.UsedBytes != used ||
		q.Remaining != remaining || q.Offset != offset || q.Projected < used {
		t.Errorf("quota %+v (in/out %d/%d), want used max(%d, %d)+%d = %d, remaining %d", q, got.InBytes, got.OutBytes, rx, tx, uint64(offset), used, remaining)
	}
	if q.UsedPercent.String() != ratioString(used, limit) {
		t.Errorf("used_percent %s, want %s", q.UsedPercent, ratioString(used, limit))
	}
	if next := nextReset(today, 22); q.ResetsOn != next.Format(time.DateOnly) {
		t.Errorf("resets_on %s, want %s", q.ResetsOn, next.Format(time.DateOnly))
	}

	// A Prometheus scrape gives the same numbers.
	code, text := d.get(t, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	scraped := map[string]float64{}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			key := name
			for _, l := range m.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			scraped[key] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	// The lifetime counter: vnstat's totals, which vnstat prints too.
	cliTotals, err := vnstattest.CLITotals(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]uint64{
		"vnstat_exporter_interface_bytes_total,direction=in,interface=lo":  cliTotals["lo"][0],
		"vnstat_exporter_interface_bytes_total,direction=out,interface=lo": cliTotals["lo"][1],
		"vnstat_exporter_cycle_bytes,direction=in,interface=lo":            rx,
		"vnstat_exporter_cycle_bytes,direction=out,interface=lo":           tx,
		"vnstat_exporter_cycle_used_bytes,mode=max":                        used,
		"vnstat_exporter_quota_limit_bytes":                                limit,
		"vnstat_exporter_quota_remaining_bytes":                            remaining,
		"vnstat_exporter_quota_projected_bytes":                            q.Projected,
	} {
		if scraped[key] != float64(want) {
			t.Errorf("metric %s = %v, webhook says %d", key, scraped[key], want)
		}
	}

	// The previous whole cycle: its own rows, and no offset (it belongs
	// to the current cycle).
	var prev struct {
		webhookResponse
		UsedBytes uint64 `json:"used_bytes"`
	}
	if err := json.Unmarshal(d.waitFor(t, e2eSecret+"?cycle=previous", http.StatusOK), &prev); err != nil {
		t.Fatal(err)
	}
	last := start.AddDate(0, 0, -1)
	prx, ptx := lo.Sum(prevStart, last)
	if prev.StartDate != prevStart.Format(time.DateOnly) || prev.EndDate != last.Format(time.DateOnly) ||
		prev.InBytes != prx || prev.OutBytes != ptx || prev.UsedBytes != max(prx, ptx) {
		t.Errorf("previous cycle %s..%s %d/%d used %d; want %s..%s %d/%d used %d", prev.StartDate, prev.EndDate, prev.InBytes, prev.OutBytes, prev.UsedBytes,
			prevStart.Format(time.DateOnly), last.Format(time.DateOnly), prx, ptx, max(prx, ptx))
	}
	d.stop(t)

	// A database that no longer holds the whole previous cycle: 422.
	lo.Days = lo.Days[len(lo.Days)-(int(today.Sub(start).Hours()/24)+3):]
	short := buildDB(t, []vnstattest.Iface{lo})
	d2 := startDaemon(t, bin, "VNSTAT_DBDIR="+short, "INTERFACES=lo", "POLL_INTERVAL=1s", "START_DAY=22", "LIVE=false")
	body := d2.waitFor(t, e2eSecret+"?cycle=previous", http.StatusUnprocessableEntity, "does not hold every day of the previous cycle")
	if bytes.Contains(body, []byte(`"in"`)) {
		t.Errorf("422 with numbers: %s", body)
	}
	d2.stop(t)
}

func ratioString(a, b uint64) string {
	q := new(big.Int).SetUint64(a)
	q.Mul(q, big.NewInt(10000)).Add(q, new(big.Int).SetUint64(b/2)).Div(q, new(big.Int).SetUint64(b))
	return fmt.Sprintf("%d.%02d", new(big.Int).Div(q, big.NewInt(100)).Uint64(), new(big.Int).Mod(q, big.NewInt(100)).Uint64())
}
