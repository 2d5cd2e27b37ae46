package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
)

// promQuery runs an instant query against the Prometheus at base.
func promQuery(t *testing.T, base, query string) []struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
} {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var doc struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || doc.Status != "success" {
		t.Fatalf("query %q: %v %s", query, err, b)
	}
	return doc.Data.Result
}

// TestPrometheusFleet runs a real Prometheus with deploy/prometheus/alerts.yml
// scraping two daemons, one at 100 % of its quota and one at half: the
// 100 % alert fires for the first only, and the dashboard's fleet query
// ranks them.
func TestPrometheusFleet(t *testing.T) {
	testrig.Long(t)
	testrig.Vnstat(t)
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("needs prometheus (apt-get install prometheus)")
	}
	bin := buildBinary(t)
	_, today := localToday()
	lo, dbdir := oneIfaceDB(t, "lo", 9, false)
	rx, tx := lo.Sum(cycleStart(today, 1), today)
	used := rx + tx
	env := func(quota uint64) []string {
		return []string{"VNSTAT_DBDIR=" + dbdir, "INTERFACES=lo", "POLL_INTERVAL=2s", "LIVE=false", "METRICS_PATH=/metrics", "QUOTA=" + strconv.FormatUint(quota, 10)}
	}
	full := startDaemon(t, bin, env(used)...)
	half := startDaemon(t, bin, env(2*used)...)
	full.waitFor(t, e2eSecret, http.StatusOK)
	half.waitFor(t, e2eSecret, http.StatusOK)

	rules, err := filepath.Abs("../../deploy/prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: vnstat-exporter
    metrics_path: /metrics
    static_configs:
      - targets: [%q, %q]
`, rules, strings.TrimPrefix(full.url, "http://"), strings.TrimPrefix(half.url, "http://"))
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	cmd := exec.Command(prom, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr)
	logs := &testrig.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus log:\n%s", logs)
		}
	})
	base := "http://" + addr
	hostFull := strings.TrimPrefix(full.url, "http://")
	deadline := time.Now().Add(60 * time.Second)
	for {
		firing := map[string]bool{}
		for _, r := range promQuery(t, base, `ALERTS{alertstate="firing",alertname=~"TrafficQuota.*"}`) {
			firing[r.Metric["alertname"]+" "+r.Metric["instance"]] = true
		}
		if firing["TrafficQuota100 "+hostFull] {
			if len(firing) != 1 {
				t.Errorf("firing: %v; want TrafficQuota100 for %s only (the other host is at 50 %%)", firing, hostFull)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("TrafficQuota100 did not fire within 60 s; firing: %v", firing)
		}
		time.Sleep(500 * time.Millisecond)
	}
	// The dashboard's fleet table: most used first, once Prometheus has
	// scraped both (the alert can fire before its first scrape of the
	// other host).
	query := `sort_desc(max without (mode) (vnstat_exporter_cycle_used_bytes) / on (instance, job) vnstat_exporter_quota_limit_bytes)`
	rank := promQuery(t, base, query)
	for len(rank) < 2 && time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		rank = promQuery(t, base, query)
	}
	if len(rank) != 2 || rank[0].Metric["instance"] != hostFull || rank[0].Value[1] != "1" || rank[1].Value[1] != "0.5" {
		t.Errorf("fleet ranking %+v; want %s at 1 then the other at 0.5", rank, hostFull)
	}
}
