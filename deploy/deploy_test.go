package deploy

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("needs promtool (apt-get install prometheus)")
	}
	return p
}

// TestAlertRules checks the rules and runs their unit tests: each alert
// fires where it must and stays silent where it must not.
func TestAlertRules(t *testing.T) {
	bin := promtool(t)
	for _, args := range [][]string{
		{"check", "rules", "prometheus/alerts.yml"},
		{"test", "rules", "prometheus/alerts_test.yml"},
	} {
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// panel is a panel of the Grafana dashboard: its title and queries.
type panel struct {
	Title   string `json:"title"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

// dashboardPanels reads the Grafana dashboard's panels.
func dashboardPanels(t *testing.T) []panel {
	t.Helper()
	b, err := os.ReadFile("grafana/vnstat-exporter.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []panel `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatal(err)
	}
	return dash.Panels
}

// dashboardExprs returns every PromQL expression of the Grafana
// dashboard, with its variables replaced by what Grafana would put there.
func dashboardExprs(t *testing.T) []string {
	t.Helper()
	vars := strings.NewReplacer(`"$instance"`, `".+"`, "$__rate_interval", "5m")
	var exprs []string
	for _, p := range dashboardPanels(t) {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			e := vars.Replace(tg.Expr)
			if strings.Contains(e, "$") {
				t.Errorf("panel %q: a variable left in %q", p.Title, e)
			}
			exprs = append(exprs, e)
		}
	}
	return exprs
}

// TestDashboardQueries has promtool parse every expression of the
// dashboard, as recording rules of a rules file.
func TestDashboardQueries(t *testing.T) {
	bin := promtool(t)
	exprs := dashboardExprs(t)
	if len(exprs) < 8 {
		t.Fatalf("%d expressions: the dashboard lost its panels", len(exprs))
	}
	var rules strings.Builder
	rules.WriteString("groups:\n  - name: dashboard\n    rules:\n")
	for i, e := range exprs {
		q, _ := json.Marshal(e) // a JSON string is a YAML string
		rules.WriteString("      - record: dashboard:expr" + string(rune('a'+i)) + "\n        expr: " + string(q) + "\n")
	}
	f := filepath.Join(t.TempDir(), "dashboard-rules.yml")
	if err := os.WriteFile(f, []byte(rules.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "check", "rules", f).CombinedOutput()
	if err != nil {
		t.Errorf("promtool check rules on the dashboard's expressions: %v\n%s\n%s", err, out, rules.String())
	}
}

// TestDashboardSelectsHost: every per-host panel filters by the host
// variable, and the fleet table does not.
func TestDashboardSelectsHost(t *testing.T) {
	metric := regexp.MustCompile(`vnstat_exporter_[a-z_]+(\{[^}]*\})?`)
	for _, p := range dashboardPanels(t) {
		fleet := strings.HasPrefix(p.Title, "Fleet")
		for _, tg := range p.Targets {
			for _, m := range metric.FindAllString(tg.Expr, -1) {
				if has := strings.Contains(m, `instance=~"$instance"`); has == fleet {
					t.Errorf("panel %q: %s", p.Title, m)
				}
			}
		}
	}
}

// TestBrokenRuleNamesFatalKinds: the rule for a broken count names
// exactly the daemon's fatal kinds of problems, those that make /health
// answer 503.
func TestBrokenRuleNamesFatalKinds(t *testing.T) {
	b, err := os.ReadFile("prometheus/alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`alert: TrafficCountingBroken\s+expr: .*kind=~"([^"]+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatal("no TrafficCountingBroken rule with a kind matcher")
	}
	got := strings.Split(string(m[1]), "|")
	var want []string
	for _, k := range traffic.FatalKinds {
		want = append(want, string(k))
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("TrafficCountingBroken names %v; the fatal kinds are %v", got, want)
	}
}
