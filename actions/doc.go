// Package actions is the root side of ROOT_ACTIONS, and what it shares
// with the daemon: the spool's format (Name, Record, NextSeq; the daemon
// writes each actionable event into STATE_DIR/actions as a Record), the
// Runner that a root systemd path unit starts (`vnstat-exporter
// run-actions`) to run the owner's script once per spooled event, its
// ledger, and RunCommand, which runs a script in its own process group
// (ALERT_COMMAND uses it too).
//
// The Runner trusts nothing the daemon wrote but the bytes of a regular
// file it owns; see Runner. What an action acts on comes from root's own
// Settings (SettingsFile), never from the event: an event runs only for
// the cycle now running by root's clock and START_DAY, and for interfaces
// of the settings. The package needs no network and no notification
// library.
package actions
