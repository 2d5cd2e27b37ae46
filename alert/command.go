package alert

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// EnvPrefix starts the names of the variables an event is given in.
const EnvPrefix = "VNSTAT_EXPORTER_"

// Env is the event as environment variables for ALERT_COMMAND and the
// root action script, with host the host name: VNSTAT_EXPORTER_EVENT,
// _KEY, _HOST, _THRESHOLD, _USED_BYTES, _LIMIT_BYTES, _PERCENT,
// _PROJECTED_BYTES, _CYCLE_START, _RESETS_ON, _DAYS_LEFT, _MODE,
// _INTERFACES (comma-separated), _PROBLEM, _PROBLEM_INTERFACE, _MESSAGE.
// A variable without a value for the event is empty.
func Env(ev Event, host, message string) []string {
	pct := ""
	if ev.LimitBytes > 0 {
		pct = strconv.FormatFloat(ev.Percent(), 'f', 2, 64)
	}
	threshold := ""
	if ev.Threshold > 0 {
		threshold = strconv.Itoa(ev.Threshold)
	}
	vars := []struct{ name, value string }{
		{"EVENT", string(ev.Kind)},
		{"KEY", ev.Key},
		{"HOST", host},
		{"THRESHOLD", threshold},
		{"USED_BYTES", strconv.FormatUint(ev.UsedBytes, 10)},
		{"LIMIT_BYTES", strconv.FormatUint(ev.LimitBytes, 10)},
		{"PERCENT", pct},
		{"PROJECTED_BYTES", strconv.FormatUint(ev.ProjectedBytes, 10)},
		{"CYCLE_START", ev.CycleStart},
		{"RESETS_ON", ev.ResetsOn},
		{"DAYS_LEFT", strconv.Itoa(ev.DaysLeft)},
		{"MODE", ev.Mode},
		{"INTERFACES", strings.Join(ev.Interfaces, ",")},
		{"PROBLEM", string(ev.Problem)},
		{"PROBLEM_INTERFACE", ev.Interface},
		{"MESSAGE", message},
	}
	env := make([]string, 0, len(vars))
	for _, v := range vars {
		env = append(env, EnvPrefix+v.name+"="+v.value)
	}
	return env
}

// CommandPath is the PATH an action runs with.
const CommandPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// MaxOutput bounds the output of an action that is kept for the log.
const MaxOutput = 4 << 10

// RunCommand runs the executable path with env added to a minimal
// environment, in its own process group, which is killed when timeout
// passes or ctx ends. It returns the first MaxOutput bytes of its output
// (stdout and stderr) and why it failed, if it did.
func RunCommand(ctx context.Context, path string, env []string, timeout time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path)
	cmd.Env = append([]string{CommandPath, "LC_ALL=C.UTF-8"}, env...)
	cmd.Dir = "/"
	out := &capped{max: MaxOutput}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("killed after the timeout of %s: %w", timeout, err)
	}
	return out.String(), err
}

// capped keeps the first max bytes written to it and counts the rest.
type capped struct {
	max     int
	b       []byte
	dropped int
}

func (c *capped) Write(p []byte) (int, error) {
	n := min(len(p), c.max-len(c.b))
	c.b = append(c.b, p[:n]...)
	c.dropped += len(p) - n
	return len(p), nil
}

func (c *capped) String() string {
	s := strings.TrimSpace(string(c.b))
	if c.dropped > 0 {
		s += fmt.Sprintf(" ... (%d more bytes)", c.dropped)
	}
	return s
}
