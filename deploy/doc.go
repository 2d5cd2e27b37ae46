// Package deploy holds no code: its folders are what plugs vnstat-exporter
// into the tools owners already run (Prometheus rules, a Grafana
// dashboard, Home Assistant, Uptime Kuma and iOS Shortcuts examples), and
// its tests check them with promtool.
package deploy
