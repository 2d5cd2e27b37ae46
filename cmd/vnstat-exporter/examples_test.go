package main

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
)

// keyPaths lists the dotted paths of a JSON document's keys: quota,
// quota.used_percent, interfaces[].name, ...
func keyPaths(prefix string, v any, into map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			into[p] = true
			keyPaths(p, e, into)
		}
	case []any:
		for _, e := range v {
			keyPaths(prefix+"[]", e, into)
		}
	}
}

func readExample(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile("../../" + path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestExamplesMatchLiveAnswers runs the daemon with a quota, metrics and a
// problem, and checks that every JSON key the Home Assistant, Uptime Kuma
// and iOS examples read is in its live answers, and every metric name the
// rules, the dashboard and the READMEs use is in a live scrape; and that
// the READMEs show the example files as they are.
func TestExamplesMatchLiveAnswers(t *testing.T) {
	testrig.Vnstat(t)
	bin := inProcess
	_, dbdir := oneIfaceDB(t, "lo", 3, false)
	// INTERFACES names one vnstat lacks, so that a problem series exists.
	d := startDaemon(t, bin, "VNSTAT_DBDIR="+dbdir, "INTERFACES=lo,nothere0", "POLL_INTERVAL=2s", "QUOTA=500GB", "METRICS_PATH=/metrics")
	keys := map[string]bool{}
	for _, path := range []string{e2eSecret, "/health"} {
		var doc any
		status := http.StatusOK
		if path == "/health" {
			status = http.StatusServiceUnavailable // the problem
		}
		if err := json.Unmarshal(d.waitFor(t, path, status), &doc); err != nil {
			t.Fatal(err)
		}
		keyPaths("", doc, keys)
	}

	used := map[string]string{} // key -> the example using it
	for _, m := range regexp.MustCompile(`value_json\.([a-z_.]+)`).FindAllStringSubmatch(readExample(t, "deploy/home-assistant/rest.yaml"), -1) {
		used[m[1]] = "deploy/home-assistant/rest.yaml"
	}
	var monitors []struct {
		JSONPath string `json:"jsonPath"`
	}
	if err := json.Unmarshal([]byte(readExample(t, "deploy/uptime-kuma/monitors.json")), &monitors); err != nil {
		t.Fatal(err)
	}
	for _, m := range monitors {
		for _, ident := range regexp.MustCompile(`[a-z_]+(\.[a-z_]+)*`).FindAllString(m.JSONPath, -1) {
			used[ident] = "deploy/uptime-kuma/monitors.json"
		}
	}
	for _, m := range regexp.MustCompile("key `([^`]+)`").FindAllStringSubmatch(readExample(t, "deploy/ios/shortcut.md"), -1) {
		used[m[1]] = "deploy/ios/shortcut.md"
	}
	if len(used) < 6 {
		t.Fatalf("only %d keys found in the examples: %v", len(used), used)
	}
	for k, from := range used {
		if !keys[k] {
			t.Errorf("%s reads %q, which no live answer has", from, k)
		}
	}

	code, text := d.get(t, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	names := map[string]bool{}
	for _, line := range strings.Split(string(text), "\n") {
		if name, _, ok := strings.Cut(line, " "); ok && !strings.HasPrefix(line, "#") {
			name, _, _ = strings.Cut(name, "{")
			names[name] = true
		}
	}
	metric := regexp.MustCompile(`\bvnstat_exporter_[a-z_]+\b`)
	var missing []string
	for _, f := range []string{"deploy/prometheus/alerts.yml", "deploy/prometheus/alerts_test.yml", "deploy/grafana/vnstat-exporter.json", "README.md", "README.zh-CN.md",
		"docs/metrics.md", "docs/metrics.zh-CN.md", "docs/api.md", "docs/api.zh-CN.md", "docs/counting.md", "docs/counting.zh-CN.md", "docs/phone.md", "docs/phone.zh-CN.md"} {
		for _, m := range metric.FindAllString(readExample(t, f), -1) {
			if !names[m] && !slices.Contains(missing, f+": "+m) {
				missing = append(missing, f+": "+m)
			}
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("%s is in no live scrape", m)
	}

	for _, f := range []string{"deploy/home-assistant/rest.yaml", "deploy/uptime-kuma/monitors.json", "deploy/ios/shortcut.md"} {
		for _, readme := range []string{"docs/phone.md", "docs/phone.zh-CN.md"} {
			if !strings.Contains(readExample(t, readme), strings.TrimSpace(readExample(t, f))) {
				t.Errorf("%s does not show %s as it is", readme, f)
			}
		}
	}
}
