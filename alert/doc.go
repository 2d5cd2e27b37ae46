// Package alert tells the owner about the cycle's usage before the bill
// does: it turns the poller's results into events (a threshold of the
// quota crossed, a projected overrun, a new cycle, a counting problem and
// its recovery, a daily report), each at most once, remembers what it has
// sent in STATE_DIR so that a restart repeats nothing and loses nothing,
// and delivers them to notification services (shoutrrr URLs), to
// ALERT_COMMAND and to a spool directory that a root systemd path unit
// reads to run the owner's privileged actions.
//
// Evaluate is pure: it takes the state, a result and the time, and
// returns the events; the Engine does the I/O around it.
package alert
