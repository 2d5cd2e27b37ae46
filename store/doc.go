// Package store keeps what the daemon must remember across restarts in
// STATE_DIR: small JSON files, each replaced atomically (written to a
// temporary file, synced, renamed over the old one, and the directory
// synced) so that a crash leaves either the old file or the new one,
// never a torn one. A file that cannot be parsed is renamed aside and
// reported, never fatal.
package store
