package actions

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// EnvPrefix starts the names of the variables an event is given in.
const EnvPrefix = "VNSTAT_EXPORTER_"

// CommandPath is the PATH an action runs with.
const CommandPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// MaxOutput bounds the output of an action that is kept for the log.
const MaxOutput = 4 << 10

// CommandResult is how a command ended.
type CommandResult struct {
	// Output is the first MaxOutput bytes of its output, stdout and
	// stderr together.
	Output string
	// Err says why it failed: its exit status, or that it was killed
	// after the timeout or because ctx ended; nil when it exited 0.
	Err error
	// TimedOut reports that it was killed at the timeout.
	TimedOut bool
	// Leftover counts the processes it started that were still running
	// when it exited or was killed, and were then killed: those of its
	// process group and those that left it (setsid, a double fork),
	// found by the RunIDVar in their environment.
	Leftover int
	// Unkillable counts the processes of it that were found but could
	// not be killed (they changed to another user).
	Unkillable int
}

// RunIDVar names the variable, set to a random value for each run, by
// which RunCommand finds every process a command started, also those
// that left its process group. A process that clears its environment or
// changes to another user is not found.
const RunIDVar = EnvPrefix + "RUN_ID"

// LogLeftovers logs what the command of what left behind, if anything,
// with args added to each line.
func (r CommandResult) LogLeftovers(logger *slog.Logger, what string, args ...any) {
	if r.Leftover > 0 {
		logger.Warn(what+" left processes running; they were killed", append(args, "killed", r.Leftover)...)
	}
	if r.Unkillable > 0 {
		logger.Error(what+" left processes running that could not be killed", append(args, "processes", r.Unkillable)...)
	}
}

// RunCommand runs the executable path with env added to a minimal
// environment, in its own process group. The whole group is killed with
// SIGKILL when timeout passes or ctx ends, and when the command exits
// (what it left running in the background goes with it).
func RunCommand(ctx context.Context, path string, env []string, timeout time.Duration) CommandResult {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	pr, pw, err := os.Pipe()
	if err != nil {
		return CommandResult{Err: err}
	}
	defer pr.Close()
	cmd := exec.Command(path)
	runID := RunIDVar + "=" + rand.Text()
	cmd.Env = append([]string{CommandPath, "LC_ALL=C.UTF-8", runID}, env...)
	cmd.Dir = "/"
	// A file, not a writer: Wait returns when the command exits, not when
	// the last process that inherited its output does.
	cmd.Stdout, cmd.Stderr = pw, pw
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	pw.Close()
	if err != nil {
		return CommandResult{Err: err}
	}
	group := -cmd.Process.Pid
	out := &capped{max: MaxOutput}
	copied := make(chan struct{})
	go func() {
		_, _ = io.Copy(out, pr)
		close(copied)
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var res CommandResult
	select {
	case res.Err = <-exited:
	case <-ctx.Done():
		_ = syscall.Kill(group, syscall.SIGKILL)
		err := <-exited
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			res.TimedOut = true
			res.Err = fmt.Errorf("killed after the timeout of %s: %w", timeout, err)
		} else {
			res.Err = fmt.Errorf("killed on shutdown: %w", err)
		}
	}
	// Whatever is left of it goes with it: every process that carries
	// its run ID, then what is left of its group.
	res.Leftover, res.Unkillable = sweep(runID)
	if syscall.Kill(group, syscall.SIGKILL) == nil {
		res.Leftover++ // one at least, that cleared its environment
	}
	// The output ends when the group is gone; a process that left the
	// group may hold it open, and is not waited for long.
	select {
	case <-copied:
	case <-time.After(time.Second):
		pr.Close()
		<-copied
	}
	res.Output = out.String()
	return res
}

// sweep kills every process whose environment holds the variable
// assignment runID, in rounds until a round finds none new (a process
// may fork while the last is killed); it returns how many were killed
// and how many could not be.
func sweep(runID string) (killed, failed int) {
	mark := []byte("\x00" + runID + "\x00")
	seen := map[int]bool{}
	for round := 0; round < 20; round++ {
		found := false
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || seen[pid] || pid == os.Getpid() {
				continue
			}
			env, err := os.ReadFile("/proc/" + e.Name() + "/environ")
			if err != nil || !bytes.Contains(append([]byte{0}, env...), mark) {
				continue
			}
			seen[pid], found = true, true
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				failed++
			} else {
				killed++
			}
		}
		if !found {
			break
		}
	}
	return killed, failed
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
