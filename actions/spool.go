package actions

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// SpoolDir is the directory under STATE_DIR that actionable events are
// written into for the root path unit (ROOT_ACTIONS).
const SpoolDir = "actions"

// A spooled event's name is its sequence number, 19 decimal digits, so
// that names sort in the order the events happened, then its key:
// 0001795089600000000-threshold-100_2026-11-15.json. The runner keeps the
// highest sequence number it has run (the high-water mark) and runs only
// names above it, so which events already ran is known without a list.
var spoolNameFormat = regexp.MustCompile(`^([0-9]{19})-[A-Za-z0-9._-]{1,128}\.json$`)

// Name is the file an event is spooled as. It is chosen once, when
// the event is recorded, so that writing it twice leaves one file, which
// the runner's mark knows.
func Name(seq uint64, key string) string {
	return fmt.Sprintf("%019d-%s.json", seq, safeName(key))
}

// safeName is s with every character but letters, digits, . and -
// replaced by _, cut to 128 bytes: a file name that is no path and
// needs no quoting.
func safeName(s string) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, s)
	return safe[:min(len(safe), 128)]
}

// spoolSeq is the sequence number of a spooled event's name, false for a
// name not in the spool's format.
func spoolSeq(name string) (uint64, bool) {
	m := spoolNameFormat.FindStringSubmatch(name)
	if m == nil {
		return 0, false
	}
	seq, err := strconv.ParseUint(m[1], 10, 64)
	return seq, err == nil && seq > 0
}

// NextSeq is the sequence number of the next spooled event: above the
// last one and at least the time in microseconds, so that the numbers
// keep rising when the state file is lost (the clock goes on) and when
// the clock is set back (the state goes on).
func NextSeq(last uint64, unixMicro int64) uint64 {
	return max(last+1, uint64(max(unixMicro, 0)))
}

// Record is a spooled event, as the daemon writes it in JSON: the
// variables the action script gets.
type Record struct {
	Env []string `json:"env"`
}

// maxSpoolFile bounds the spool file the runner reads.
const maxSpoolFile = 64 << 10

// validEnv matches the variables the runner passes on.
var validEnv = regexp.MustCompile(`^` + EnvPrefix + `[A-Z_]+=[^\x00]*$`)
