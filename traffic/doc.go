// Package traffic is the vocabulary of what the poller publishes: each
// cycle's totals (Totals: the sums, the days, the interfaces, the usage
// and the live part), the Result of a poll made of them, the State that
// holds it, the problems with the numbers (Problem, Kind) and how healthy
// they are (Judge, Health, Status), and how sizes are written. It is pure
// and imports nothing of the project but billing: the HTTP server, the
// alerts and the bot read the engine's output through it, not through the
// engine (package monitor).
package traffic
