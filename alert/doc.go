// Package alert tells the owner about the cycle's usage before the bill
// does: it turns the poller's results into events (a threshold of the
// quota crossed, a projected overrun, a new cycle, a counting problem and
// its recovery, a daily report), remembers what it has decided and sent in
// STATE_DIR, and delivers the events to notification services, to
// ALERT_COMMAND and to a spool directory that a root systemd path unit
// reads to run the owner's privileged actions (package actions).
//
// Evaluate decides: it takes the state, a result and the time, and
// returns the new state and the events, changing nothing it is given; the
// Engine does the I/O around it. Notify is the one mapping from an event
// to what is told of it, a Notification (title, body, priority and the
// fields ALERT_COMMAND gets): every channel, the command and the spool
// are given that, each in its own way (a service with a title field gets
// the title apart).
//
// # What is guaranteed
//
// An event is recorded in the state file, durably, before anything is
// done for it, and every step is recorded after it is done; when the
// state cannot be written, nothing is sent, run or spooled until it can.
//
//   - A message goes to each channel configured when it is delivered (a
//     URL changed while it waited gets it; one removed does not) until
//     that channel takes it, across restarts and failures (retried 30 s
//     after a failed try ended, doubling up to an hour). A channel has
//     one try in flight at a time, and its answer counts whenever it
//     comes; a stop waits for the tries in flight up to StopGrace. It
//     comes twice only when the daemon dies (or a stop outlasts the
//     grace) while a service works on it or before its answer is
//     recorded, or when a service takes it but answers after
//     SendTimeout.
//   - Each channel, ALERT_COMMAND and the spool are independent: the
//     spool file is written first, and no send waits for another or
//     holds up the command or the judging of later events. Every send
//     is bounded in time, in what it reads of an answer, and in the
//     connections it leaves (see boundedTransport).
//   - ALERT_COMMAND runs at most once per event: it is recorded as started
//     before it starts, and a daemon that dies while it runs does not run
//     it again.
//   - A root action runs at most once per event: the runner enters the
//     event's sequence number in its ledger (a high-water mark) and removes
//     the spool file before the script starts.
//   - One engine per STATE_DIR: the daemon locks it (store.Dir.Lock).
//
// Nothing secret is shown: a channel is named by its service and
// position, and an error shows at most the host it was sent to.
package alert
