package actions

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
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
	// Leftover reports that it exited with processes of its group still
	// running, which were then killed.
	Leftover bool
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
	cmd.Env = append([]string{CommandPath, "LC_ALL=C.UTF-8"}, env...)
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
		// Whatever is left of its group goes with it.
		if syscall.Kill(group, 0) == nil {
			res.Leftover = true
			_ = syscall.Kill(group, syscall.SIGKILL)
		}
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
