// Package api serves vnstat-exporter's HTTP interface: the secret webhook
// path with the billing cycle's totals, /health with only the verdict and
// the problems' kinds, the secret path's /health with the details, its
// /calibrate, its /dashboard (an HTML page with inline SVG charts, built
// once per published state) and /history (the JSON the page is drawn
// from), and optionally the Prometheus metrics. It owns these paths
// (CheckPaths refuses a clash) and caps the connections open at once.
//
// The Handler matches routes itself, on the request's path exactly as the
// client escaped it, instead of through http.ServeMux: ServeMux cleans paths
// and redirects, which would let variants of the secret path (a trailing
// slash, a // or .. segment) reach it or behave differently from an unknown
// path. Every response but the dashboard is JSON; every one has
// Cache-Control: no-store, and no response or log line carries the secret
// path; logs name routes.
package api
